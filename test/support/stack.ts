import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { buildApp } from '../../api/app.js';
import { loadApiConfig } from '../../api/config.js';
import type { RateRules } from '../../api/rate-rules.js';
import { connectDatabase, type Database } from '../../db/connection.js';
import { createFileStore } from '../../db/files.js';
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher.js';
import { createMailer, type Mailer } from '../../mail/transport.js';
import { installTemporalRuntime } from '../../worker/runtime.js';
import { createDossierWorker } from '../../worker/worker.js';
import { TEST_PAYLOAD_KEYS, testDataConverter } from './payload-keys.js';

export const PUBLIC_BASE_URL = 'http://candidature.test';

/** What every test's API configuration holds beside its own settings. */
export const testApiEnv = { TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS };

/** A Temporal client that reads and writes what the tests' workers do (payloads encrypted with the test key). */
export const testClient = (connection: Connection) => new Client({ connection, namespace: 'default', dataConverter: testDataConverter });

export const testActivityConfig = {
  publicBaseUrl: PUBLIC_BASE_URL,
  passwordResetTtlMs: 60 * 60_000,
  emailVerificationTtlMs: 48 * 3_600_000,
};

/** A database of its own for each test file, on the run's FerretDB server. */
export function connectTestDatabase(): Promise<Database> {
  return connectDatabase(`${inject('mongoUri')}test_${randomUUID().replaceAll('-', '')}`);
}

export interface TestStack {
  database: Database;
  catcher: MailCatcher;
  mailer: Mailer;
  temporal: Client;
  worker: Worker;
  /** Stops the worker before the stack closes: the API then answers steps with a 503. */
  stopWorker(): Promise<void>;
  taskQueue: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  close(): Promise<void>;
}

/**
 * Everything a candidate's request goes through, on real servers: the API
 * (through `app.inject`), a worker on its own task queue, FerretDB and a real
 * SMTP server catching the e-mails.
 */
export async function startTestStack(
  options: { rateRules?: Partial<RateRules>; apiEnv?: Record<string, string>; temporalAddress?: string } = {},
): Promise<TestStack> {
  const database = await connectTestDatabase();
  const catcher = await startMailCatcher({ port: 0 });
  const mailer = createMailer({ smtpUrl: catcher.url, from: 'Candidature <test@candidature.test>' });
  const taskQueue = `test-${randomUUID()}`;
  const address = options.temporalAddress ?? inject('temporalAddress');

  // The worker writes the e-mails' links: to the address the API is given, when a test gives one.
  const worker = await startTestWorker({ database, mailer, taskQueue, address, publicBaseUrl: options.apiEnv?.PUBLIC_BASE_URL });

  const connection = await Connection.connect({ address });
  const temporal = testClient(connection);
  const config = loadApiConfig({ ...testApiEnv, TEMPORAL_TASK_QUEUE: taskQueue, PUBLIC_BASE_URL, ...options.apiEnv });
  const app = await buildApp({ config, database, temporal, mailer, ...(options.rateRules ? { rateRules: options.rateRules } : {}) });

  return {
    database,
    catcher,
    mailer,
    temporal,
    worker: worker.worker,
    stopWorker: () => worker.shutdown(),
    taskQueue,
    app,
    async close() {
      await app.close();
      await worker.shutdown();
      await connection.close();
      mailer.close();
      await catcher.close();
      await database.close();
    },
  };
}

/**
 * The stack of a test file, started before its tests and closed after them:
 * `const stack = useTestStack()` at the top of a describe. The object stands
 * for the stack once started (reading it before then is a mistake, and says so).
 */
export function useTestStack(options: Parameters<typeof startTestStack>[0] = {}): TestStack {
  let started: TestStack | undefined;
  beforeAll(async () => {
    started = await startTestStack(options);
  });
  afterAll(() => started?.close());
  return new Proxy({} as TestStack, {
    get(_, property) {
      if (!started) throw new Error('the test stack is read before it started (use it inside a test or a beforeAll)');
      return started[property as keyof TestStack];
    },
  });
}

/** A worker on `taskQueue` with the real activities, running until `shutdown()`; the stack's own and any test's extra one. */
export async function startTestWorker(options: {
  database: Database;
  mailer: Mailer;
  taskQueue: string;
  address?: string;
  publicBaseUrl?: string | undefined;
  /** Another key list than the tests' (key rotation). */
  dataConverter?: DataConverter;
}) {
  installTemporalRuntime('warn');
  const address = options.address ?? inject('temporalAddress');
  const connection = await NativeConnection.connect({ address });
  // The activities' own client (erasure withdraws dossiers and deletes histories), as worker/main.ts gives them.
  const clientConnection = await Connection.connect({ address });
  const worker = await createDossierWorker({
    connection,
    namespace: 'default',
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter ?? testDataConverter,
    activities: createActivities({
      models: options.database.models,
      mailer: options.mailer,
      files: createFileStore(options.database.connection),
      config: { ...testActivityConfig, publicBaseUrl: options.publicBaseUrl ?? testActivityConfig.publicBaseUrl },
      temporal: new Client({ connection: clientConnection, namespace: 'default', dataConverter: options.dataConverter ?? testDataConverter }),
    }),
  });
  const running = worker.run();
  let closed = false;
  return {
    worker,
    /** Stops the worker (a test may stop it early, to see what a missing worker does): once. */
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      if (!closed) await Promise.all([connection.close(), clientConnection.close()]);
      closed = true;
    },
  };
}

/**
 * A Temporal client without the codec, for a test file: what anyone reading
 * the server directly (the Web UI, `temporal workflow show`) gets.
 */
export function useClientWithoutCodec(): { readonly client: Client } {
  let client: Client | undefined;
  beforeAll(async () => {
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace: 'default' });
  });
  afterAll(() => client?.connection.close());
  return {
    get client() {
      if (!client) throw new Error('useClientWithoutCodec: read inside a test or hook, once started');
      return client;
    },
  };
}

export { eventually } from './eventually.js';
