/**
 * `npm run provision`: builds (once per machine) the local Temporal and FerretDB
 * servers into the per-user cache, so `npm start` and `npm test` start at once.
 */
import { cacheDirectory, loadDevConfig } from './config.js';
import { ProvisioningError, provisionFerretDb, provisionTemporal } from './provision.js';

const config = loadDevConfig();
const log = (line: string) => console.log(`[provision] ${line}`);
const options = { cacheDir: cacheDirectory(config), go: config.GO, log, path: config.PATH };
const started = Date.now();
try {
  const [temporal, ferretdb] = await Promise.all([provisionTemporal(options), provisionFerretDb(options)]);
  log(`temporal: ${temporal}`);
  log(`ferretdb: ${ferretdb}`);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[provision] ${error instanceof ProvisioningError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
}
