import { Connection } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface RunningServer {
  name: string;
  /** Address clients use: host:port for Temporal, a URI for the database. */
  address: string;
  /** Its process id (benchmarks read its CPU time and memory). */
  pid: number | undefined;
  stop(): Promise<void>;
  /** Ends it at once with SIGKILL, as a crash would (fault tests). */
  kill(): Promise<void>;
}

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

export interface ManagedProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** Makes sure no child outlives this process, however it ends. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

/** Spawns a server whose output goes to a log file, and stops it with SIGTERM (SIGKILL after a grace period). */
export async function spawnServer(command: string, args: string[], logFile: string): Promise<ManagedProcess> {
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Own process group: a Ctrl-C in the terminal reaches only the parent, which
  // then stops everything in order (API and worker before the servers).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  killOnExit(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  void exited.then(() => log.end());
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), delay(10_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `ready` until it resolves true, failing early if the process dies. */
export async function waitUntilReady(name: string, managed: ManagedProcess, logFile: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void managed.exited.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) throw new ServerStartError(`${name} exited during start-up (code ${managed.child.exitCode}). See ${logFile}.`);
    if (await ready().catch(() => false)) return;
    await delay(200);
  }
  await managed.stop();
  throw new ServerStartError(`${name} did not become ready within ${timeoutMs / 1000} s. See ${logFile}.`);
}

export interface TemporalDevServerOptions {
  binary: string;
  port: number;
  /** Web UI port; the UI is disabled when omitted. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  logFile: string;
  namespace?: string;
  /** Server dynamic config, e.g. a low continue-as-new threshold in a test. */
  dynamicConfig?: Record<string, string | number>;
  /** The Web UI's codec server (our API's /api/temporal-codec), so operators read payloads decrypted. */
  uiCodecEndpoint?: string;
}

/** `temporal server start-dev` with our search attributes registered, ready to take workflows. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningServer> {
  const address = `127.0.0.1:${options.port}`;
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--db-filename', options.dbFile, '--log-level', 'warn'];
  args.push(...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  if (options.uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const key of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key.name}=Keyword`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  await mkdir(dirname(options.dbFile), { recursive: true });
  const managed = await spawnServer(options.binary, args, options.logFile);
  await waitUntilReady(
    'Temporal dev server',
    managed,
    options.logFile,
    async () => {
      // Lazy, so the finally block closes the channel even when connecting fails
      // (a failed eager connect leaves grpc-js retrying in the background).
      const connection = Connection.lazy({ address, connectTimeout: 1_000 });
      try {
        await connection.ensureConnected();
        const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace });
        return Boolean(namespaceInfo);
      } finally {
        await connection.close();
      }
    },
    60_000,
  );
  return { name: 'temporal', address, pid: managed.child.pid, stop: () => managed.stop(), kill: () => managed.kill() };
}

export interface FerretDbOptions {
  binary: string;
  port: number;
  dataDir: string;
  logFile: string;
  /** Serves Go's /debug/pprof/ on this port (benchmarks profile the database with it). */
  debugPort?: number;
  /** False only to measure FerretDB without the launcher's _id index (bench/ferretdb-lookups.ts). */
  idIndex?: boolean;
  /** Stores in this PostgreSQL database instead of SQLite files under dataDir (bench/database.ts). */
  postgresqlUrl?: string;
}

/** FerretDB (SQLite handler, or PostgreSQL's when given a URL) through our launcher; ready once it prints its URI. */
export async function startFerretDb(options: FerretDbOptions): Promise<RunningServer> {
  const extra = options.debugPort === undefined ? [] : ['-debug-addr', `127.0.0.1:${options.debugPort}`];
  if (options.idIndex === false) extra.push('-id-index=false');
  if (options.postgresqlUrl) extra.push('-postgresql-url', options.postgresqlUrl);
  const managed = await spawnServer(
    options.binary,
    ['-listen', `127.0.0.1:${options.port}`, '-data-dir', options.dataDir, '-log-level', 'warn', ...extra],
    options.logFile,
  );
  let ready = false;
  managed.child.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('ferretdb ready')) ready = true;
  });
  await waitUntilReady('FerretDB', managed, options.logFile, async () => ready, 30_000);
  return { name: 'database', address: `mongodb://127.0.0.1:${options.port}/`, pid: managed.child.pid, stop: () => managed.stop(), kill: () => managed.kill() };
}
