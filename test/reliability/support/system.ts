import { Client, Connection } from '@temporalio/client';
import { TEST_PAYLOAD_KEYS, testDataConverter } from '../../support/payload-keys.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createAccount } from '../../../accounts/accounts.js';
import { createSession } from '../../../accounts/sessions.js';
import type { AccountRole } from '../../../db/models.js';
import { connectDatabase, type Database } from '../../../db/connection.js';
import { cacheDirectory, loadDevConfig } from '../../../dev/config.js';
import { type CaughtEmail, type MailCatcher, startMailCatcher } from '../../../dev/mail-catcher.js';
import { freePort } from '../../../dev/ports.js';
import { startPostgres } from '../../../dev/postgres.js';
import { provisionFerretDb, provisionTemporalServer } from '../../../dev/provision.js';
import { killOnExit, type RunningServer, startFerretDb } from '../../../dev/servers.js';
import { freeTemporalPorts, startTemporalServer } from '../../../dev/temporal-server.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const PASSWORD = 'cheval agrafe pile correcte';

/** A process of ours (API or worker) run from its real entry point, so a fault test can kill it. */
export interface NodeService {
  start(): Promise<void>;
  /** kill -9: no shutdown hook runs. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the process is still running (it did not crash). */
  running(): boolean;
  /** The running process's id (benchmarks read its CPU time and memory). */
  pid(): number | undefined;
}

/** `ready` watches the output for a start-up line; without it the service counts as started at once. */
function nodeService(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  ready?: (output: string) => boolean,
  nodeArgs: string[] = [],
): NodeService {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = createWriteStream(logFile, { flags: 'a' });
  const end = async (signal: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return {
    async start() {
      const spawned = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = spawned;
      killOnExit(spawned);
      exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
      let output = '';
      let isReady = ready === undefined;
      const watch = (chunk: Buffer) => {
        log.write(chunk);
        if (isReady) return;
        output += chunk.toString();
        isReady = ready!(output);
      };
      spawned.stdout.on('data', watch);
      spawned.stderr.on('data', watch);
      const deadline = Date.now() + 60_000;
      while (!isReady) {
        if (spawned.exitCode !== null) throw new Error(`${name} exited during start-up; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`${name} not ready within 60 s; see ${logFile}`);
        await delay(100);
      }
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    pid: () => child?.pid,
  };
}

/** A server (Temporal, FerretDB) that can be stopped, killed and started again on the same port and files. */
export interface RestartableServer {
  readonly address: string;
  /** The running server's process id. */
  pid(): number | undefined;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

function restartable(starter: () => Promise<RunningServer>, first: RunningServer): RestartableServer {
  let current: RunningServer | undefined = first;
  return {
    address: first.address,
    pid: () => current?.pid,
    async stop() {
      await current?.stop();
      current = undefined;
    },
    async kill() {
      await current?.kill();
      current = undefined;
    },
    async start() {
      current = await starter();
    },
  };
}

export interface Account {
  id: string;
  identifier: string;
  email: string;
  token: string;
}

export interface System {
  /** The first API's URL (a request to one process). */
  apiUrl: string;
  /** Every API's URL: clients given these spread their requests as a load balancer would. */
  apiUrls: string[];
  dir: string;
  database: Database;
  temporal: Client;
  /** Temporal Server (all four services in one process), on `postgresServer`. */
  temporalServer: RestartableServer;
  /** The PostgreSQL that Temporal Server stores in. */
  postgresServer: RestartableServer;
  databaseServer: RestartableServer;
  /** The first of `apis` and of `workers`. */
  api: NodeService;
  worker: NodeService;
  apis: NodeService[];
  workers: NodeService[];
  /** Every message the SMTP server accepted, across its restarts. */
  emails: CaughtEmail[];
  mail: {
    /** Closes the SMTP port: connections are refused. */
    stop(): Promise<void>;
    start(): Promise<void>;
    /** While set, the relay answers every message "451 try again later". */
    defer(on: boolean): void;
  };
  account(role: AccountRole, trainingIds?: string[]): Promise<Account>;
  close(): Promise<void>;
}

/**
 * The whole system as it runs in production, on real servers, each in its own
 * process so that a test can crash or cut any of them: PostgreSQL, Temporal
 * Server on it, FerretDB (SQLite files), an SMTP server, and two APIs and two
 * workers started from their entry points (`api/server.ts`, `worker/main.ts`).
 */
export interface SystemOptions {
  /** How many API and worker processes (2 each by default, as a school that outgrew one machine runs). */
  instances?: number;
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Writes a V8 CPU profile of the API and of the worker into this folder when they stop (benchmarks). */
  cpuProfileDir?: string;
  /** Serves FerretDB's Go /debug/pprof/ on this port (benchmarks). */
  databaseDebugPort?: number;
  /** "off" runs the API and the worker with payloads in clear, to measure what encryption costs (benchmarks). */
  payloadEncryption?: 'on' | 'off';
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const devConfig = loadDevConfig();
  const provisionOptions = { cacheDir: cacheDirectory(devConfig), go: devConfig.GO, log: () => {}, path: devConfig.PATH };
  const [binaries, ferretBinary] = await Promise.all([provisionTemporalServer(provisionOptions), provisionFerretDb(provisionOptions)]);
  const dir = await mkdtemp(join(tmpdir(), 'candidature-faults-'));
  const instances = options.instances ?? 2;
  const [postgresPort, ferretPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const apiPorts = await Promise.all(Array.from({ length: instances }, () => freePort()));
  const temporalPorts = await freeTemporalPorts();

  const startPg = () => startPostgres({ port: postgresPort, dataDir: join(dir, 'postgres'), logFile: join(dir, 'postgres.log'), databases: [] });
  const postgresFirst = await startPg();
  const postgresServer = restartable(startPg, postgresFirst);
  const startTemporal = () =>
    startTemporalServer({
      binaries,
      store: { host: '127.0.0.1', port: postgresPort, user: postgresFirst.user, password: postgresFirst.password },
      ports: temporalPorts,
      dir: join(dir, 'temporal'),
      logFile: join(dir, 'temporal.log'),
      ownStore: true,
    });
  const startFerret = () =>
    startFerretDb({
      binary: ferretBinary,
      port: ferretPort,
      dataDir: join(dir, 'ferretdb'),
      logFile: join(dir, 'ferretdb.log'),
      ...(options.databaseDebugPort === undefined ? {} : { debugPort: options.databaseDebugPort }),
    });
  const [temporalFirst, ferretFirst] = await Promise.all([startTemporal(), startFerret()]);
  const temporalServer = restartable(startTemporal, temporalFirst);
  const databaseServer = restartable(startFerret, ferretFirst);

  const emails: CaughtEmail[] = [];
  let deferred = false;
  const startCatcher = () => startMailCatcher({ port: smtpPort, onMessage: (email) => emails.push(email), deferAll: () => deferred });
  let catcher: MailCatcher | undefined = await startCatcher();

  const mongoUri = `${databaseServer.address}candidature`;
  const database = await connectDatabase(mongoUri);
  const encryption = options.payloadEncryption ?? 'on';
  const temporal = new Client({
    connection: Connection.lazy({ address: temporalServer.address }),
    namespace: 'default',
    ...(encryption === 'on' ? { dataConverter: testDataConverter } : {}),
  });

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: temporalServer.address,
    MONGODB_URI: mongoUri,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PUBLIC_BASE_URL: 'http://candidature.test',
    LOG_LEVEL: 'warn',
    TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    TEMPORAL_PAYLOAD_ENCRYPTION: encryption,
  };
  const profiled = (name: string) => (options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, name)}`] : []);
  const workers = Array.from({ length: instances }, (_, n) =>
    nodeService(`worker ${n + 1}`, 'worker/main.ts', { ...env, ...options.workerEnv }, join(dir, `worker-${n + 1}.log`), (out) => out.includes('worker: polling'), profiled(`worker-${n + 1}`)),
  );
  const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
  // The APIs log at info: their logs (kept with KEEP_FAULT_LOGS=1) tell what each request did.
  const apis = apiPorts.map((port, n) =>
    nodeService(`api ${n + 1}`, 'api/server.ts', { ...env, API_PORT: String(port), LOG_LEVEL: 'info', ...options.apiEnv }, join(dir, `api-${n + 1}.log`), undefined, profiled(`api-${n + 1}`)),
  );
  for (const worker of workers) await worker.start();
  for (const [n, api] of apis.entries()) {
    await api.start();
    await waitForHttp(`${apiUrls[n]}/api/health`);
  }
  const [api, worker, apiUrl] = [apis[0]!, workers[0]!, apiUrls[0]!];

  return {
    apiUrl,
    apiUrls,
    dir,
    database,
    temporal,
    temporalServer,
    postgresServer,
    databaseServer,
    api,
    worker,
    apis,
    workers,
    emails,
    mail: {
      async stop() {
        await catcher?.close();
        catcher = undefined;
      },
      async start() {
        catcher = await startCatcher();
      },
      defer(on) {
        deferred = on;
      },
    },
    async account(role, trainingIds = []) {
      const identifier = `${role}-${Math.random().toString(36).slice(2, 10)}`;
      const email = `${identifier}@example.org`;
      const { id } = await createAccount(database.models, {
        identifier,
        email,
        firstName: 'Camille',
        lastName: 'Dupont',
        password: PASSWORD,
        role,
        trainingIds,
        emailVerified: true,
      });
      // Straight to a session: the log-in's rate limits are not what these tests look at.
      const { token } = await createSession(database.models, { _id: id }, { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 });
      return { id, identifier, email, token };
    },
    async close() {
      await Promise.all(apis.map((one) => one.stop()));
      await Promise.all(workers.map((one) => one.stop()));
      await temporal.connection.close();
      await database.close();
      await catcher?.close();
      await Promise.all([temporalServer.stop(), databaseServer.stop()]);
      await postgresServer.stop();
      if (!process.env.KEEP_FAULT_LOGS) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the server answers HTTP at all (whatever the status). */
async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await delay(200);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
