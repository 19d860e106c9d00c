/**
 * How much resident memory does the API gain while a candidate uploads a large
 * file? Starts throw-away Temporal and FerretDB servers, a worker, the API on a
 * real port (UPLOAD_MAX_MB=60), logs a candidate in, then streams one 50 MB PDF
 * over HTTP (the client generates it chunk by chunk, holding ~64 KB) while
 * sampling this process's RSS every 20 ms.
 *
 *   npm run bench:upload            (SIZE_MB=50 by default)
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createAccount } from '../accounts/accounts.js';
import { createActivities } from '../activities/index.js';
import { buildApp } from '../api/app.js';
import { loadApiConfig } from '../api/config.js';
import { connectDatabase } from '../db/connection.js';
import { createFileStore } from '../db/files.js';
import { cacheDirectory, loadDevConfig } from '../dev/config.js';
import { startMailCatcher } from '../dev/mail-catcher.js';
import { freePort } from '../dev/ports.js';
import { provisionFerretDb, provisionTemporal } from '../dev/provision.js';
import { startFerretDb, startTemporalDevServer } from '../dev/servers.js';
import { createMailer } from '../mail/transport.js';
import { installTemporalRuntime } from '../worker/runtime.js';
import { createDossierWorker } from '../worker/worker.js';

const sizeMb = Number(process.env.SIZE_MB ?? 50);
const dev = loadDevConfig();
const provision = { cacheDir: cacheDirectory(dev), go: dev.GO, log: console.log, path: dev.PATH };
const dir = await mkdtemp(join(tmpdir(), 'candidature-bench-'));
installTemporalRuntime('warn');
const [temporalBinary, ferretBinary] = await Promise.all([provisionTemporal(provision), provisionFerretDb(provision)]);
const temporal = await startTemporalDevServer({ binary: temporalBinary, port: await freePort(), dbFile: join(dir, 't.sqlite'), logFile: join(dir, 't.log') });
const ferret = await startFerretDb({ binary: ferretBinary, port: await freePort(), dataDir: join(dir, 'db'), logFile: join(dir, 'f.log') });
const database = await connectDatabase(`${ferret.address}bench`);
const catcher = await startMailCatcher({ port: 0 });
const mailer = createMailer({ smtpUrl: catcher.url, from: 'bench@itsra.example' });
const nativeConnection = await NativeConnection.connect({ address: temporal.address });
const config = loadApiConfig({ TEMPORAL_ADDRESS: temporal.address, UPLOAD_MAX_MB: '60', LOG_LEVEL: 'silent' });
const worker = await createDossierWorker({
  connection: nativeConnection,
  namespace: 'default',
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  activities: createActivities({
    models: database.models,
    mailer,
    files: createFileStore(database.connection),
    config: { publicBaseUrl: config.PUBLIC_BASE_URL, passwordResetTtlMs: 3_600_000, emailVerificationTtlMs: 3_600_000 },
  }),
});
const running = worker.run();
const connection = await Connection.connect({ address: temporal.address });
const app = await buildApp({ config, database, temporal: new Client({ connection }), mailer });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;

await database.models.Training.create({ _id: 'es', title: 'Éducateur spécialisé', diploma: 'DEES' });
await database.models.Selection.create({
  _id: 'es-2027',
  trainingId: 'es',
  title: 'ES 2027',
  opensAt: new Date(Date.now() - 3_600_000),
  closesAt: new Date(Date.now() + 30 * 86_400_000),
  officeContact: { name: 'Service sélection', email: 'selection@itsra.example' },
});
await createAccount(database.models, { identifier: 'bench', email: 'bench@example.org', firstName: 'B', lastName: 'E', password: 'x', role: 'candidate' });
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'bench', password: 'x', client: 'api' } });
const token = login.json().token as string;
const opened = await app.inject({ method: 'POST', url: '/selections/es-2027/dossiers', headers: { authorization: `Bearer ${token}` } });
const dossierId = opened.json().dossierId as string;

function* fileChunks(megabytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  yield Buffer.from('%PDF-1.7\n');
  for (let sent = 0; sent < megabytes * 1024 * 1024; sent += chunk.length) yield chunk;
}

async function upload(megabytes: number): Promise<{ status: number; body: string }> {
  const boundary = '----bench';
  const body = Readable.from(
    (function* () {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
      yield* fileChunks(megabytes);
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    })(),
  );
  return new Promise((resolve, reject) => {
    const req = request(
      { port, method: 'PUT', path: `/dossiers/${encodeURIComponent(dossierId)}/documents/cv`, headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

// A 1 MB upload first, so one-time set-up (parsers, pools) is not counted as the big file's.
await upload(1);
global.gc?.();
await new Promise((r) => setTimeout(r, 500));
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const started = Date.now();
const result = await upload(sizeMb);
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
console.log(`upload of ${sizeMb} MB: HTTP ${result.status} in ${seconds.toFixed(2)} s (${(sizeMb / seconds).toFixed(1)} MB/s)`);
console.log(`RSS baseline ${mb(baseline)} MB, peak ${mb(peak)} MB, growth ${mb(peak - baseline)} MB`);
if (result.status !== 200) console.log(result.body.slice(0, 300));

await app.close();
worker.shutdown();
await running;
await nativeConnection.close();
await connection.close();
mailer.close();
await catcher.close();
await database.close();
await Promise.all([temporal.stop(), ferret.stop()]);
await rm(dir, { recursive: true, force: true });
