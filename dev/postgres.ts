/**
 * A PostgreSQL server of our own, from the machine's binaries (Debian's
 * `postgresql` package: /usr/lib/postgresql/<version>/bin, or initdb on the
 * PATH), in a folder of its own, on loopback. PostgreSQL refuses to run as
 * root: as root the cluster belongs to the `postgres` user the package
 * creates, and the commands run as it (runuser).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type RunningServer, ServerStartError, spawnServer, waitUntilReady } from './servers.js';

const run = promisify(execFile);

/** The folder holding initdb, postgres and pg_isready, newest version first; null when none is installed. */
export function postgresBinDir(): string | null {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(debian, version, 'bin', 'initdb'))) return join(debian, version, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb'))) return dir;
  return null;
}

const asRoot = () => process.getuid?.() === 0;
/** The command as the cluster's owner: `postgres` when we are root. */
const asOwner = (command: string, args: string[]): [string, string[]] => (asRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);

export interface PostgresOptions {
  port: number;
  dataDir: string;
  logFile: string;
  /** Databases created once the server is up. */
  databases: string[];
}

export async function startPostgres(options: PostgresOptions): Promise<RunningServer & { url(database: string): string }> {
  const bin = postgresBinDir();
  if (!bin) throw new ServerStartError('PostgreSQL is not installed: apt-get install -y postgresql (or put initdb on the PATH).');
  await mkdir(dirname(options.dataDir), { recursive: true });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  if (asRoot()) {
    // The postgres user must reach its folder (a mkdtemp folder is root's alone).
    await chmod(dirname(options.dataDir), 0o755);
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
    if (!stdout.trim()) throw new ServerStartError('running as root, PostgreSQL needs the "postgres" user (created by Debian\'s postgresql package).');
    const [uid, gid] = [Number(stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim())];
    await chown(options.dataDir, uid, gid);
  }
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    const [command, args] = asOwner(join(bin, 'initdb'), ['-D', options.dataDir, '-U', 'candidature', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    await run(command, args);
  }
  const [command, args] = asOwner(join(bin, 'postgres'), ['-D', options.dataDir, '-p', String(options.port), '-k', options.dataDir, '-c', 'listen_addresses=127.0.0.1']);
  const managed = await spawnServer(command, args, options.logFile);
  const isReady = async () => {
    const [check, checkArgs] = asOwner(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(options.port), '-U', 'candidature']);
    return run(check, checkArgs).then(
      () => true,
      () => false,
    );
  };
  await waitUntilReady('PostgreSQL', managed, options.logFile, isReady, 60_000);
  const url = (database: string) => `postgres://candidature@127.0.0.1:${options.port}/${database}`;
  for (const database of options.databases) {
    const [create, createArgs] = asOwner(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(options.port), '-U', 'candidature', database]);
    await run(create, createArgs).catch((error: { stderr?: string }) => {
      if (!/already exists/.test(String(error.stderr))) throw error;
    });
  }
  return { name: 'postgres', address: url('postgres'), pid: managed.child.pid, stop: () => managed.stop(), kill: () => managed.kill(), url };
}
