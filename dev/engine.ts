/**
 * The engine as `npm start`, the tests, the fault suite and the benchmarks run
 * it: PostgreSQL (ours, or the user's DATABASE_URL), Temporal Server on it and,
 * when asked, the Web UI. One function so the four cannot drift apart.
 */
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type RunningPostgres, startPostgres } from './postgres.js';
import type { TemporalServerBinaries } from './provision.js';
import type { RunningServer } from './servers.js';
import { freeTemporalPorts, type RunningTemporalServer, startTemporalServer, startTemporalUi, type TemporalPorts, type TemporalStore } from './temporal-server.js';

export interface EngineOptions {
  binaries: TemporalServerBinaries;
  /** Configuration, PostgreSQL's data (unless `databaseUrl`) and logs go under it. */
  dir: string;
  logDir: string;
  /** A PostgreSQL the user already runs (postgres://user:password@host:port/); ours is started otherwise. */
  databaseUrl?: string;
  /** Fixed ports (`npm start`); free ones otherwise. */
  ports?: TemporalPorts;
  postgresPort?: number;
  ui?: { binary: string; port: number; codecEndpoint?: string };
  dynamicConfig?: Record<string, unknown>;
}

export interface RunningEngine {
  temporal: RunningTemporalServer;
  /** Ours, when no DATABASE_URL was given (the fault suite restarts it). */
  postgres?: RunningPostgres;
  store: TemporalStore;
  ui?: RunningServer;
  /** In reverse order of start: the UI, the server, then PostgreSQL. */
  stop(): Promise<void>;
}

export function storeOfUrl(databaseUrl: string): TemporalStore {
  const url = new URL(databaseUrl);
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error(`DATABASE_URL must start with postgres://, got ${url.protocol}//`);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
}

/**
 * Starts what is not given, in order, and stops what it started if a later
 * part fails (nothing is left running after an error).
 */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };
  try {
    let postgres: RunningPostgres | undefined;
    let store: TemporalStore;
    if (options.databaseUrl) {
      store = storeOfUrl(options.databaseUrl);
    } else {
      postgres = await startPostgres({
        port: options.postgresPort ?? (await freePort()),
        dataDir: join(options.dir, 'postgres'),
        logFile: join(options.logDir, 'postgres.log'),
        databases: [],
      });
      started.push(postgres);
      store = { host: '127.0.0.1', port: postgres.port, user: postgres.user, password: postgres.password };
    }
    const temporal = await startTemporalServer({
      binaries: options.binaries,
      store,
      ports: options.ports ?? (await freeTemporalPorts()),
      dir: join(options.dir, 'temporal'),
      logFile: join(options.logDir, 'temporal.log'),
      ...(options.dynamicConfig ? { dynamicConfig: options.dynamicConfig } : {}),
      ownStore: postgres !== undefined,
    });
    started.push(temporal);
    let ui: RunningServer | undefined;
    if (options.ui) {
      ui = await startTemporalUi({
        binary: options.ui.binary,
        port: options.ui.port,
        temporalAddress: temporal.address,
        ...(options.ui.codecEndpoint ? { codecEndpoint: options.ui.codecEndpoint } : {}),
        dir: join(options.dir, 'temporal-ui'),
        logFile: join(options.logDir, 'temporal-ui.log'),
      });
      started.push(ui);
    }
    return { temporal, ...(postgres ? { postgres } : {}), store, ...(ui ? { ui } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
