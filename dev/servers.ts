import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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

/** Every server spawned and not yet exited, in order of spawn (stopAllServers). */
const liveServers: ManagedProcess[] = [];

/**
 * Stops every server this process spawned and that still runs, the last
 * spawned first, including one still starting: a Ctrl-C at any moment of
 * `npm start` leaves nothing behind.
 */
export async function stopAllServers(): Promise<void> {
  for (const server of [...liveServers].reverse()) await server.stop().catch(() => undefined);
}

/** Makes sure no child outlives this process, however it ends. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

export interface SpawnOptions {
  /** Run as this user (PostgreSQL refuses root): the server itself is our child, so signals reach it. */
  uid?: number;
  gid?: number;
  cwd?: string;
  /** How it is asked to stop: SIGTERM by default; PostgreSQL's fast shutdown is SIGINT. */
  stopSignal?: NodeJS.Signals;
}

/** Spawns a server whose output goes to a log file, and stops it with SIGTERM (SIGKILL after a grace period). */
export async function spawnServer(command: string, args: string[], logFile: string, options: SpawnOptions = {}): Promise<ManagedProcess> {
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Own process group: a Ctrl-C in the terminal reaches only the parent, which
  // then stops everything in order (API and worker before the servers).
  const { stopSignal = 'SIGTERM', ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...spawnOptions });
  killOnExit(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  void exited.then(() => log.end());
  const managed: ManagedProcess = {
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(stopSignal);
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
  liveServers.push(managed);
  void exited.then(() => liveServers.splice(liveServers.indexOf(managed), 1));
  return managed;
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
