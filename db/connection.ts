import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
import { createModels, type Models } from './models.js';

export interface Database {
  connection: Connection;
  models: Models;
  /** Round-trips a ping to the server. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectDatabase(uri: string): Promise<Database> {
  // While the server is unreachable a query fails within 5 s (the API answers 503) instead of mongoose's
  // 10 s. `bufferTimeoutMS` is a connection option at run time (mongoose's connection.js) but not in its types.
  const options: ConnectOptions & { bufferTimeoutMS: number } = { serverSelectionTimeoutMS: 5_000, bufferTimeoutMS: 5_000 };
  const connection = mongoose.createConnection(uri, options);
  await connection.asPromise();
  const models = createModels(connection);
  await Promise.all(Object.values(models).map((model) => model.init()));
  return {
    connection,
    models,
    async ping() {
      const db = connection.db;
      if (!db) throw new Error('database connection is not open');
      await db.admin().command({ ping: 1 });
    },
    async close() {
      await connection.close();
    },
  };
}
