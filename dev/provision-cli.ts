/**
 * `npm run provision`: builds (once per machine) Temporal Server, its Web UI,
 * the Temporal CLI and FerretDB into the per-user cache, so `npm start` and `npm test` start at once.
 */
import { cacheDirectory, loadDevConfig } from './config.js';
import { ProvisioningError, provisionFerretDb, provisionTemporal, provisionTemporalServer, provisionTemporalUi } from './provision.js';

const config = loadDevConfig();
const log = (line: string) => console.log(`[provision] ${line}`);
const options = { cacheDir: cacheDirectory(config), go: config.GO, log, path: config.PATH };
const started = Date.now();
try {
  // The CLI (`temporal workflow show`, the dev-server option) beside the server: operators use both.
  const [server, ui, cli, ferretdb] = await Promise.all([provisionTemporalServer(options), provisionTemporalUi(options), provisionTemporal(options), provisionFerretDb(options)]);
  log(`temporal server: ${server.server}`);
  log(`temporal web ui: ${ui}`);
  log(`temporal cli: ${cli}`);
  log(`ferretdb: ${ferretdb}`);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[provision] ${error instanceof ProvisioningError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
}
