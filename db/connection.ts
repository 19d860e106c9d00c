import mongoose, { type Connection } from 'mongoose';
import { createModels, type Models } from './models.js';

export interface Database {
  connection: Connection;
  models: Models;
  /** Round-trips a ping to the server. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectDatabase(uri: string): Promise<Database> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 });
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
