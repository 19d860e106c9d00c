import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { cacheDirectory, loadDevConfig } from '../../dev/config.js';
import { freePort } from '../../dev/ports.js';
import { startEngine } from '../../dev/engine.js';
import { provisionFerretDb, provisionTemporalServer } from '../../dev/provision.js';
import { startFerretDb } from '../../dev/servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** The Temporal server's PostgreSQL databases (postgres:// URLs): the data-protection tests read what they hold. */
    temporalDatabases: string[];
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
  const [binaries, ferretBinary] = await Promise.all([provisionTemporalServer(options), provisionFerretDb(options)]);

  const dir = await mkdtemp(join(tmpdir(), 'candidature-test-'));
  const started = Date.now();
  const [engine, ferret] = await Promise.all([
    startEngine({ binaries, dir, logDir: dir }),
    startFerretDb({ binary: ferretBinary, port: await freePort(), dataDir: join(dir, 'ferretdb'), logFile: join(dir, 'ferretdb.log') }),
  ]);
  const { temporal, postgres } = engine;
  log(`PostgreSQL ${postgres!.port}, Temporal Server ${temporal.address}, FerretDB ${ferret.address} ready in ${Date.now() - started} ms (logs in ${dir})`);
  project.provide('temporalAddress', temporal.address);
  project.provide('mongoUri', ferret.address);
  project.provide('temporalDatabases', [postgres!.url(temporal.databases.main), postgres!.url(temporal.databases.visibility)]);

  return async () => {
    await Promise.all([engine.stop(), ferret.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
