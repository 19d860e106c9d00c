/**
 * A PostgreSQL server of our own, from the machine's binaries (Debian's
 * `postgresql` package: /usr/lib/postgresql/<version>/bin, or initdb on the
 * PATH), in a folder of its own, on loopback. Connections over TCP need a
 * password (made on the first start, kept beside the cluster, readable by its
 * owner only): any local user can reach a loopback port, and the role is a
 * superuser. Only the cluster's own Unix socket, in its folder, is trusted.
 * PostgreSQL refuses to run as root: as root the cluster belongs to the
 * `postgres` user the package creates, and its programs are spawned as that
 * user directly (not through runuser, which would stand between our signals
 * and the server: a Ctrl-C must reach the server itself).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/** The user PostgreSQL runs as: ourselves, or `postgres` when we are root. */
async function clusterOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new ServerStartError('running as root, PostgreSQL needs the "postgres" user (created by Debian\'s postgresql package: apt-get install -y postgresql).');
  }
}

export interface PostgresOptions {
  port: number;
  dataDir: string;
  logFile: string;
  /** Databases created once the server is up (kept if they exist). */
  databases: string[];
}

export interface RunningPostgres extends RunningServer {
  port: number;
  /** The role every connection uses, and its password (TCP connections need it). */
  user: string;
  password: string;
  url(database: string): string;
}

export const POSTGRES_USER = 'candidature';

/** The cluster's password: made once (hex, no character a URL or a YAML string must escape), kept with mode 600. */
async function clusterPassword(file: string): Promise<string> {
  const kept = await readFile(file, 'utf8').catch(() => undefined);
  if (kept?.trim()) return kept.trim();
  const password = randomBytes(24).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new ServerStartError('PostgreSQL is not installed: apt-get install -y postgresql (or put initdb on the PATH).');
  const owner = await clusterOwner();
  const asOwner = { ...(owner ?? {}), cwd: options.dataDir };
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const password = await clusterPassword(join(dirname(options.dataDir), `${basename(options.dataDir)}-password`));
  if (owner) {
    // The postgres user must traverse the folder above its own (a mkdtemp folder is root's alone); nothing more.
    const parent = dirname(options.dataDir);
    await chmod(parent, ((await stat(parent)).mode & 0o777) | 0o111);
    await chown(options.dataDir, owner.uid, owner.gid);
    const reachable = await run('test', ['-w', options.dataDir], owner).then(() => true, () => false);
    if (!reachable) {
      throw new ServerStartError(
        `PostgreSQL runs as the "postgres" user, which cannot reach ${options.dataDir} (a parent folder is closed to other users, /root say). ` +
          'Choose a data folder it can reach (DATA_DIR=/var/tmp/candidature, say), or give PostgreSQL of your own with DATABASE_URL.',
      );
    }
  }
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    // initdb reads the password from a file the cluster's owner can read (beside its folder, which must be
    // empty), removed at once.
    const pwfile = join(dirname(options.dataDir), `.${basename(options.dataDir)}-initdb-${process.pid}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    try {
      await run(
        join(bin, 'initdb'),
        ['-D', options.dataDir, '-U', POSTGRES_USER, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale'],
        asOwner,
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }
  const managed = await spawnServer(
    join(bin, 'postgres'),
    ['-D', options.dataDir, '-p', String(options.port), '-k', options.dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    options.logFile,
    // SIGINT is PostgreSQL's fast shutdown: SIGTERM would wait for every client to leave.
    { ...asOwner, cwd: options.dataDir, stopSignal: 'SIGINT' },
  );
  const client = ['-h', '127.0.0.1', '-p', String(options.port), '-U', POSTGRES_USER];
  const withPassword = { ...asOwner, env: { ...process.env, PGPASSWORD: password } };
  try {
    const isReady = () => run(join(bin, 'pg_isready'), client, asOwner).then(() => true, () => false);
    await waitUntilReady('PostgreSQL', managed, options.logFile, isReady, 60_000);
    for (const database of options.databases) {
      await run(join(bin, 'createdb'), [...client, database], withPassword).catch((error: { stderr?: string }) => {
        if (!/already exists/.test(String(error.stderr))) throw error;
      });
    }
  } catch (error) {
    await managed.stop();
    throw error;
  }
  const url = (database: string) => `postgres://${POSTGRES_USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
  return { name: 'postgres', address: url('postgres'), port: options.port, user: POSTGRES_USER, password, pid: managed.child.pid, stop: () => managed.stop(), kill: () => managed.kill(), url };
}
