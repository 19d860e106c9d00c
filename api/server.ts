import { Client, Connection } from '@temporalio/client';
import { connectDatabase } from '../db/connection.js';
import { createMailer } from '../mail/transport.js';
import { configuredDataConverter } from '../temporal/data-converter.js';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';

const config = loadApiConfig();
const database = await connectDatabase(config.MONGODB_URI);
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: configuredDataConverter(config) });
const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });

const app = await buildApp({ config, database, temporal, mailer }, { logger: { level: config.LOG_LEVEL }, trustProxy: config.TRUST_PROXY });

async function shutdown(signal: string): Promise<void> {
  app.log.info(`${signal} received, closing`);
  await app.close();
  await connection.close();
  mailer.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

await app.listen({ host: config.API_HOST, port: config.API_PORT });
