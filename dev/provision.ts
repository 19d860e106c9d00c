import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, constants, cp, mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Temporal CLI tag known to build with `go install` (later tags carry a `replace` directive it refuses). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** The production engine (dev/temporal-server.ts) and its Web UI; docker-compose.yml pins the same. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const launcherSource = fileURLToPath(new URL('../tools/ferretdb-launcher/', import.meta.url));

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

export interface ProvisionOptions {
  cacheDir: string;
  go: string;
  /** Progress lines for a person; builds take minutes the first time. */
  log: (line: string) => void;
  /** The PATH searched for a `temporal` binary the user already has. */
  path?: string;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function run(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; logFile: string }): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', (error) => {
      log.end();
      reject(error);
    });
    child.once('close', (code) => {
      log.end();
      if (code === 0) resolvePromise();
      else reject(new ProvisioningError(`${command} ${args.join(' ')} exited with code ${code}`));
    });
  });
}

async function assertGoAvailable(go: string): Promise<void> {
  try {
    await run(go, ['version'], { env: process.env, logFile: '/dev/null' });
  } catch {
    throw new ProvisioningError(
      `Go is needed once to build the local Temporal and FerretDB servers, and "${go}" could not be run.\n` +
        'Install Go 1.24 or later (Debian: `apt-get install golang-go`, or https://go.dev/dl), or set GO to its path.\n' +
        'Alternatively point TEMPORAL_ADDRESS and MONGODB_URI at servers you already run.',
    );
  }
}

/**
 * Builds into a fresh temporary folder beside the final one, then renames it:
 * an interrupted or concurrent build never leaves a half-written binary behind.
 */
async function buildOnce(options: ProvisionOptions, name: string, binary: string, build: (outDir: string, logFile: string) => Promise<void>): Promise<string> {
  const finalDir = join(options.cacheDir, name);
  const finalBinary = join(finalDir, binary);
  if (await isExecutable(finalBinary)) return finalBinary;

  await assertGoAvailable(options.go);
  await mkdir(options.cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(options.cacheDir, `.${name}-`));
  const logFile = join(options.cacheDir, `${name}.build.log`);
  const started = Date.now();
  options.log(`Building ${name} with Go (first run on this machine only; a few minutes). Log: ${logFile}`);
  const heartbeat = setInterval(() => options.log(`  still building ${name}… ${Math.round((Date.now() - started) / 1000)} s`), 20_000);
  try {
    await build(workDir, logFile);
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    throw new ProvisioningError(
      `Building ${name} failed: ${(error as Error).message}\nLast lines of ${logFile}:\n${tail}\n` +
        'Check that Go 1.24 or later is installed and that the Go module proxy is reachable.',
    );
  } finally {
    clearInterval(heartbeat);
  }
  try {
    await rename(workDir, finalDir);
  } catch {
    // Another process finished the same build first: keep its copy.
    await rm(workDir, { recursive: true, force: true });
  }
  options.log(`Built ${name} in ${Math.round((Date.now() - started) / 1000)} s → ${finalBinary}`);
  return finalBinary;
}

/** A `temporal` binary on PATH wins; otherwise the CLI is built once into the cache. */
export async function provisionTemporal(options: ProvisionOptions): Promise<string> {
  const onPath = await findOnPath('temporal', options.path);
  if (onPath) return onPath;
  return buildOnce(options, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal', (outDir, logFile) =>
    run(options.go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: outDir },
      logFile,
    }),
  );
}

/** Hash of the launcher's sources: editing them (or bumping FerretDB) yields a new build. */
async function launcherFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await readdir(launcherSource)).sort()) {
    if (!/\.(go|mod|sum)$/.test(file) || file.endsWith('_test.go')) continue;
    hash.update(file).update(await readFile(join(launcherSource, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

export async function provisionFerretDb(options: ProvisionOptions): Promise<string> {
  const name = `ferretdb-launcher-${await launcherFingerprint()}`;
  return buildOnce(options, name, 'ferretdb-launcher', (outDir, logFile) =>
    run(options.go, ['build', '-trimpath', '-o', join(outDir, 'ferretdb-launcher'), '.'], {
      cwd: launcherSource,
      env: process.env,
      logFile,
    }),
  );
}

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** The server's SQL schemas (schema/postgresql/v12/…), for temporal-sql-tool update-schema. */
  schemaDir: string;
}

/** The module's folder in Go's module cache, downloading it if needed. */
async function goModuleDir(options: ProvisionOptions, module: string, logFile: string): Promise<string> {
  const json = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(options.go, ['mod', 'download', '-json', module], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.pipe(createWriteStream(logFile, { flags: 'a' }));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise(out) : reject(new ProvisioningError(`go mod download ${module} exited with code ${code}`))));
  });
  return (JSON.parse(json) as { Dir: string }).Dir;
}

/** Temporal Server and its SQL schema tool, built once into the cache (about 3 minutes on 2 cores), with the schemas beside them. */
export async function provisionTemporalServer(options: ProvisionOptions): Promise<TemporalServerBinaries> {
  const name = `temporal-server-${TEMPORAL_SERVER_VERSION}`;
  const server = await buildOnce(options, name, 'temporal-server', async (outDir, logFile) => {
    const module = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
    // Each `go install` names its binary after its package folder (server, sql): one folder each.
    for (const [pkg, binary] of [['cmd/server', 'temporal-server'], ['cmd/tools/sql', 'temporal-sql-tool']] as const) {
      const gobin = join(outDir, `.${binary}`);
      await run(options.go, ['install', `go.temporal.io/server/${pkg}@${TEMPORAL_SERVER_VERSION}`], { env: { ...process.env, GOBIN: gobin }, logFile });
      await rename(join(gobin, pkg.split('/').pop()!), join(outDir, binary));
      await rm(gobin, { recursive: true, force: true });
    }
    const schemaDir = join(outDir, 'schema', 'postgresql');
    await cp(join(await goModuleDir(options, module, logFile), 'schema', 'postgresql'), schemaDir, { recursive: true });
    // Go's module cache is read-only; the copy must not be, or the cache could not be cleared.
    await run('chmod', ['-R', 'u+w', schemaDir], { env: process.env, logFile });
  });
  const dir = join(server, '..');
  return { server, sqlTool: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema') };
}

/** The Temporal Web UI's server (its pages are in the Go module), built once into the cache. */
export async function provisionTemporalUi(options: ProvisionOptions): Promise<string> {
  return buildOnce(options, `temporal-ui-server-${TEMPORAL_UI_VERSION}`, 'temporal-ui-server', async (outDir, logFile) => {
    const gobin = join(outDir, '.bin');
    await run(options.go, ['install', `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`], { env: { ...process.env, GOBIN: gobin }, logFile });
    await rename(join(gobin, 'server'), join(outDir, 'temporal-ui-server'));
    await rm(gobin, { recursive: true, force: true });
  });
}
