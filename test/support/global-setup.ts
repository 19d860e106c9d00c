import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { cacheDirectory, loadDevConfig } from '../../dev/config.js';
import { freePort } from '../../dev/ports.js';
import { provisionFerretDb, provisionTemporal } from '../../dev/provision.js';
import { startFerretDb, startTemporalDevServer } from '../../dev/servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** The Temporal server's SQLite file: the data-protection tests search its bytes. */
    temporalDbFile: string;
    mongoUri: string;
  }
}

/**
 * Real, ephemeral servers for the integration tests: a fresh temporary folder
 * and free ports each run, so two runs never collide. Any failure here fails
 * the whole run; nothing is skipped.
 */
export default async function setup(project: TestProject) {
  const config = loadDevConfig();
  const log = (line: string) => console.log(`[test servers] ${line}`);
  const options = { cacheDir: cacheDirectory(config), go: config.GO, log, path: config.PATH };
  const [temporalBinary, ferretBinary] = await Promise.all([provisionTemporal(options), provisionFerretDb(options)]);

  const dir = await mkdtemp(join(tmpdir(), 'candidature-test-'));
  const started = Date.now();
  const temporalDbFile = join(dir, 'temporal.sqlite');
  const [temporal, ferret] = await Promise.all([
    startTemporalDevServer({
      binary: temporalBinary,
      port: await freePort(),
      dbFile: temporalDbFile,
      logFile: join(dir, 'temporal.log'),
    }),
    startFerretDb({ binary: ferretBinary, port: await freePort(), dataDir: join(dir, 'ferretdb'), logFile: join(dir, 'ferretdb.log') }),
  ]);
  log(`Temporal ${temporal.address}, FerretDB ${ferret.address} ready in ${Date.now() - started} ms (logs in ${dir})`);
  project.provide('temporalAddress', temporal.address);
  project.provide('mongoUri', ferret.address);
  project.provide('temporalDbFile', temporalDbFile);

  return async () => {
    await Promise.all([temporal.stop(), ferret.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
