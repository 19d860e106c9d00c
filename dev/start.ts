/**
 * `npm start`: the whole system on one machine with embedded defaults, in the
 * production topology: PostgreSQL, Temporal Server on it and its Web UI, the
 * MongoDB-protocol database, an SMTP catcher (each reused instead when given
 * by URL), the demo data loaded once, then the worker and the API as child
 * processes, exactly as they run in production. Ctrl-C stops it all, at any
 * moment, servers still starting included.
 */
import { API_PREFIX } from '../api/prefix.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../config/env.js';
import { connectDatabase } from '../db/connection.js';
import { createFileStore } from '../db/files.js';
import { seedDemoData } from '../demo/seed.js';
import { newPayloadKeyEntry } from '../temporal/keys.js';
import { cacheDirectory, loadDevConfig } from './config.js';
import { startMailCatcher } from './mail-catcher.js';
import { assertPortFree, PortInUseError } from './ports.js';
import { startEngine } from './engine.js';
import { ProvisioningError, provisionFerretDb, provisionTemporalServer, provisionTemporalUi } from './provision.js';
import { killOnExit, ServerStartError, startFerretDb, stopAllServers } from './servers.js';
import { localTemporalPorts } from './temporal-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => console.log(`[start] ${line}`);

const stopActions: (() => Promise<void>)[] = [];
let stopped: Promise<void> | undefined;

/**
 * Once, however many signals arrive: the terminal's Ctrl-C reaches this
 * process and npm forwards it again; a second call waits for the first.
 */
async function stopAll(exitCode: number): Promise<never> {
  stopped ??= (async () => {
    log('stopping…');
    for (const stop of stopActions.reverse()) await stop().catch((error) => log(`while stopping: ${(error as Error).message}`));
    // Whatever was still starting (a server not yet ready, a build) has no stop action yet.
    await stopAllServers();
    log('stopped; data kept for the next start.');
  })();
  await stopped;
  process.exit(exitCode);
}

function runChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  killOnExit(child);
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout!, process.stdout);
  prefix(child.stderr!, process.stderr);
  child.once('exit', (code, signal) => {
    if (!stopped) {
      log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything.`);
      void stopAll(1);
    }
  });
  stopActions.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), delay(15_000).then(() => child.kill('SIGKILL'))]);
  });
  return child;
}

/**
 * The payload keys of this machine's system: TEMPORAL_PAYLOAD_KEYS when given,
 * else a key made on the first start and kept in the data folder (readable by
 * its owner only): losing it makes the local histories unreadable.
 */
async function localPayloadKeys(dataDir: string): Promise<string> {
  if (process.env.TEMPORAL_PAYLOAD_KEYS) return process.env.TEMPORAL_PAYLOAD_KEYS;
  const file = join(dataDir, 'payload-keys');
  const kept = await readFile(file, 'utf8').catch(() => undefined);
  if (kept?.trim()) return kept.trim();
  const entry = newPayloadKeyEntry();
  await writeFile(file, `${entry}\n`, { mode: 0o600, flag: 'wx' });
  log(`payload key made for this machine, kept in ${file}`);
  return entry;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    await delay(500);
  }
  throw new ServerStartError(`the API did not report healthy at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const config = loadDevConfig();
  const dataDir = resolve(root, config.DATA_DIR);
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });

  // Check every port first, so a clash is reported before anything starts.
  const ports: [number, string][] = [[config.API_PORT, 'HTTP API']];
  if (!config.TEMPORAL_ADDRESS) {
    const temporalPorts = localTemporalPorts(config.TEMPORAL_PORT);
    ports.push([temporalPorts.frontend, 'Temporal gRPC'], [config.TEMPORAL_UI_PORT, 'Temporal Web UI'], [temporalPorts.frontendHttp, 'Temporal HTTP']);
    for (const [service, port] of [['history', temporalPorts.history], ['matching', temporalPorts.matching], ['worker', temporalPorts.worker]] as const) ports.push([port, `Temporal ${service} service`]);
    for (const port of temporalPorts.membership) ports.push([port, 'Temporal membership']);
    if (!config.DATABASE_URL) ports.push([config.POSTGRES_PORT, 'PostgreSQL (for Temporal)']);
  }
  if (!config.MONGODB_URI) ports.push([config.MONGODB_PORT, 'FerretDB (MongoDB protocol)']);
  if (!config.SMTP_URL) ports.push([config.SMTP_PORT, 'SMTP catcher']);
  for (const [port, purpose] of ports) await assertPortFree(port, purpose);

  const provisionOptions = { cacheDir: cacheDirectory(config), go: config.GO, log, path: config.PATH };

  // The builds at once: on a fresh machine this halves the first start.
  const [temporalBinaries, uiBinary, ferretBinary] = await Promise.all([
    config.TEMPORAL_ADDRESS ? undefined : provisionTemporalServer(provisionOptions),
    config.TEMPORAL_ADDRESS ? undefined : provisionTemporalUi(provisionOptions),
    config.MONGODB_URI ? undefined : provisionFerretDb(provisionOptions),
  ]);

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi = 'the Web UI of your Temporal server';
  if (!temporalAddress) {
    const engine = await startEngine({
      binaries: temporalBinaries!,
      dir: dataDir,
      logDir,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { postgresPort: config.POSTGRES_PORT }),
      ports: localTemporalPorts(config.TEMPORAL_PORT),
      // The UI asks our API to decrypt payloads, for a logged-in operator or admin only.
      ui: { binary: uiBinary!, port: config.TEMPORAL_UI_PORT, codecEndpoint: `http://localhost:${config.API_PORT}${API_PREFIX}/temporal-codec` },
    });
    stopActions.push(engine.stop);
    temporalAddress = engine.temporal.address;
    temporalUi = `http://localhost:${config.TEMPORAL_UI_PORT}`;
    log(
      `Temporal Server on ${engine.temporal.address}, stored in PostgreSQL ${config.DATABASE_URL ? 'of DATABASE_URL' : `on 127.0.0.1:${config.POSTGRES_PORT} (${join(dataDir, 'postgres')})`}`,
    );
  }

  let mongoUri = config.MONGODB_URI;
  if (!mongoUri) {
    const binary = ferretBinary!;
    const ferret = await startFerretDb({ binary, port: config.MONGODB_PORT, dataDir: join(dataDir, 'ferretdb'), logFile: join(logDir, 'ferretdb.log') });
    stopActions.push(ferret.stop);
    mongoUri = `${ferret.address}candidature`;
    log(`FerretDB on ${ferret.address}`);
  }

  let smtpUrl = config.SMTP_URL;
  const mailDir = join(dataDir, 'mail');
  if (!smtpUrl) {
    const catcher = await startMailCatcher({
      port: config.SMTP_PORT,
      directory: mailDir,
      onMessage: (email) => log(`e-mail to ${email.to.join(', ')} — « ${email.subject} » → ${email.file}`),
    });
    stopActions.push(catcher.close);
    smtpUrl = catcher.url;
    log(`SMTP catcher on ${catcher.url}, messages kept in ${mailDir}`);
  }

  const database = await connectDatabase(mongoUri);
  const demo = await seedDemoData(database.models, createFileStore(database.connection), {
    now: new Date(),
    credentialsFile: join(dataDir, 'demo-staff-credentials.txt'),
  });
  await database.close();
  log(demo.created ? 'demo data loaded (first start).' : 'demo data already present, kept as is.');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    MONGODB_URI: mongoUri,
    SMTP_URL: smtpUrl,
    API_PORT: String(config.API_PORT),
    LOG_LEVEL: config.LOG_LEVEL,
    TEMPORAL_PAYLOAD_KEYS: await localPayloadKeys(dataDir),
    TEMPORAL_UI_ORIGINS: process.env.TEMPORAL_UI_ORIGINS ?? `http://localhost:${config.TEMPORAL_UI_PORT},http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
  };
  runChild('worker', 'worker/main.ts', env);
  runChild('api', 'api/server.ts', env);
  const apiUrl = `http://localhost:${config.API_PORT}`;
  await waitForHealth(`${apiUrl}${API_PREFIX}/health`, 60_000);

  console.log(
    [
      '',
      'Candidature is running.',
      `  Site              ${apiUrl}/   (the candidates' pages, in French)`,
      `  API               ${apiUrl}${API_PREFIX}`,
      `  API documentation ${apiUrl}${API_PREFIX}/docs (OpenAPI: ${apiUrl}${API_PREFIX}/docs/json)`,
      `  Health            ${apiUrl}${API_PREFIX}/health`,
      `  Temporal Web UI   ${temporalUi}`,
      `  E-mails           ${config.SMTP_URL ? `sent to ${config.SMTP_URL}` : mailDir}`,
      `  Data              ${dataDir}`,
      `  Staff account     identifier "${demo.staff.identifier}", password "${demo.staff.password}"`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

main().catch(async (error: unknown) => {
  const known = error instanceof PortInUseError || error instanceof ProvisioningError || error instanceof ServerStartError || error instanceof ConfigError;
  console.error(`[start] ${known ? (error as Error).message : (error as Error).stack}`);
  await stopAll(1);
});
