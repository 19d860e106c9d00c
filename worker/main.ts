import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { connectDatabase } from '../db/connection.js';
import { createFileStore } from '../db/files.js';
import { createMailer } from '../mail/transport.js';
import { loadWorkerConfig, workflowHeapMb } from './config.js';
import { setFlagsFromString } from 'node:v8';
import { installTemporalRuntime } from './runtime.js';
import { ensurePurgeSchedule } from './schedules.js';
import { createDossierWorker } from './worker.js';
import { configuredDataConverter } from '../temporal/data-converter.js';

const config = loadWorkerConfig();
// The SDK runs the workflows (and holds its cache) in a worker thread it creates in Worker.create, with no
// resource limits of its own: a V8 flag set before then sizes that thread's heap, not this one's.
const heapMb = workflowHeapMb(config);
if (heapMb !== undefined) setFlagsFromString(`--max-old-space-size=${heapMb}`);
installTemporalRuntime(config.LOG_LEVEL);
const database = await connectDatabase(config.MONGODB_URI);
const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const dataConverter = configuredDataConverter(config);
// The activities' client (erasure withdraws dossiers and deletes histories) and the Schedule's.
const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });

const worker = await createDossierWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  dataConverter,
  activities: createActivities({
    models: database.models,
    mailer,
    files: createFileStore(database.connection),
    config: {
      publicBaseUrl: config.PUBLIC_BASE_URL,
      passwordResetTtlMs: config.PASSWORD_RESET_TTL_MINUTES * 60_000,
      emailVerificationTtlMs: config.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000,
    },
    temporal: client,
  }),
});

await ensurePurgeSchedule(client, {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  everyMinutes: config.PURGE_INTERVAL_MINUTES,
});

// The SDK shuts the worker down on SIGINT/SIGTERM, letting running activities finish.
console.log(`worker: polling task queue "${worker.options.taskQueue}" on ${config.TEMPORAL_ADDRESS} (cache ${config.WORKER_MAX_CACHED_WORKFLOWS} workflows, workflow heap ${heapMb === undefined ? "Node's --max-old-space-size" : `${heapMb} MB`})`);
try {
  await worker.run();
} finally {
  await connection.close();
  await clientConnection.close();
  mailer.close();
  await database.close();
}
