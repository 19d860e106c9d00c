/**
 * The production engine on one machine: Temporal Server (frontend, history,
 * matching and worker services in one process) on PostgreSQL, its schemas set
 * up by the server's own schema tool, the namespace registered with its
 * retention and our search attributes; and the Temporal Web UI's server
 * pointed at it. The binaries are built once from the Go module proxy
 * (dev/provision.ts). docker-compose.yml runs the same versions and settings.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { freePortBelow } from './ports.js';
import { type RunningServer, ServerStartError, spawnServer, waitUntilReady } from './servers.js';
import type { TemporalServerBinaries } from './provision.js';

const run = promisify(execFile);

/** Where Temporal stores: a PostgreSQL server (its databases are temporal and temporal_visibility). */
export interface TemporalStore {
  host: string;
  port: number;
  user: string;
  password?: string;
}

/** The services' ports; the frontend's is the one clients use. */
export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** One membership (ringpop) port per service: frontend, history, matching, worker. */
  membership: [number, number, number, number];
}

/**
 * `npm start`'s ports: Temporal's own defaults (7233, 7234, 7235, 7239, 7243;
 * membership 6933…6939) shifted with the frontend's, so TEMPORAL_PORT moves them all.
 */
export function localTemporalPorts(frontend = 7233): TemporalPorts {
  const membership = frontend - 300;
  return {
    frontend,
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    membership: [membership, membership + 1, membership + 2, membership + 6],
  };
}

/**
 * Free ports for a test server. Below 32768 all of them: the server records
 * its membership port in a PostgreSQL smallint, and the kernel's ephemeral
 * ports are above it.
 */
export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const taken = new Set<number>();
  const next = async () => {
    const port = await freePortBelow(32_768, taken);
    taken.add(port);
    return port;
  };
  return { frontend: await next(), frontendHttp: await next(), history: await next(), matching: await next(), worker: await next(), membership: [await next(), await next(), await next(), await next()] };
}

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  store: TemporalStore;
  ports: TemporalPorts;
  /** Holds the generated configuration. */
  dir: string;
  logFile: string;
  namespace?: string;
  /** Server dynamic config, e.g. a low continue-as-new threshold in a test. */
  dynamicConfig?: Record<string, unknown>;
  /** The PostgreSQL is ours (started for this system): a set-up cut short may be dropped and redone. */
  ownStore?: boolean;
}

export interface RunningTemporalServer extends RunningServer {
  /** The PostgreSQL databases it stores in (the data-protection tests read them). */
  databases: { main: string; visibility: string };
}

/**
 * Dynamic config every instance gets, here and in docker-compose.yml (which
 * mounts temporal/dynamicconfig.yaml, kept equal to this by a unit test).
 * Update-with-start (opening a dossier) needs multi-operations; search
 * attributes are read fresh on each call, so a test sees an attribute
 * registered a moment ago (the persistence limits are raised to match, as
 * the Temporal CLI's dev server does); the closing-date batch lists through
 * visibility at up to 100 calls per second.
 */
export const BASE_DYNAMIC_CONFIG: Record<string, unknown> = {
  'frontend.enableExecuteMultiOperation': true,
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  'frontend.persistenceMaxQPS': 10_000,
  'history.persistenceMaxQPS': 45_000,
  'frontend.namespaceRPS.visibility': 100,
};

/** How long closed workflows are kept, here and in Compose (docs/DATA-PROTECTION.md). */
export const NAMESPACE_RETENTION_HOURS = 7 * 24;

const yamlString = (value: string) => JSON.stringify(value);

function serverConfig(options: TemporalServerOptions, databases: RunningTemporalServer['databases'], dynamicConfigFile: string): string {
  const { store, ports } = options;
  const datastore = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${yamlString(database)}
        connectAddr: ${yamlString(`${store.host}:${store.port}`)}
        connectProtocol: tcp
        user: ${yamlString(store.user)}
        password: ${yamlString(store.password ?? '')}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) =>
    `{ grpcPort: ${grpcPort}, membershipPort: ${membershipPort}, bindOnIP: 127.0.0.1${httpPort ? `, httpPort: ${httpPort}` : ''} }`;
  return `# Written by dev/temporal-server.ts at each start; edits are lost.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:${datastore(databases.main, 20)}
    visibility:${datastore(databases.visibility, 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: ${service(ports.frontend, ports.membership[0], ports.frontendHttp)}
  history:
    rpc: ${service(ports.history, ports.membership[1])}
  matching:
    rpc: ${service(ports.matching, ports.membership[2])}
  worker:
    rpc: ${service(ports.worker, ports.membership[3])}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend}
      httpAddress: 127.0.0.1:${ports.frontendHttp}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${yamlString(dynamicConfigFile)}
  pollInterval: 10s
`;
}

/** Temporal's dynamic config file format: each key, one unconstrained value. */
export function dynamicConfigYaml(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n`)
    .join('');
}

/**
 * Creates the two databases and brings their schemas to the binary's version
 * with temporal-sql-tool, as the server documents. The tool's steps are not
 * transactions: a first set-up cut short (a Ctrl-C during the first
 * `npm start`) leaves half a schema that `update-schema` then refuses. So a
 * marker file is written once both are complete; in a PostgreSQL of our own,
 * databases found without it are dropped and set up again (they cannot hold a
 * workflow yet: the server never ran on them). In the user's PostgreSQL
 * (DATABASE_URL) nothing is ever dropped.
 */
async function setUpSchemas(options: TemporalServerOptions, databases: RunningTemporalServer['databases']): Promise<void> {
  const { store, binaries } = options;
  const common = ['--plugin', 'postgres12', '--ep', store.host, '-p', String(store.port), '-u', store.user];
  // The password through the environment (SQL_PASSWORD), not the command line every local user can read.
  const env = { ...process.env, SQL_PASSWORD: store.password ?? '' };
  const tool = (database: string, ...args: string[]) => run(binaries.sqlTool, [...common, '--db', database, ...args], { env });
  const marker = join(options.dir, 'schemas-set-up');
  const complete = await access(marker).then(() => true, () => false);
  for (const [database, schema] of [
    [databases.main, 'temporal'],
    [databases.visibility, 'visibility'],
  ] as const) {
    if (!complete && options.ownStore) await tool(database, 'drop-database', '--force').catch(() => undefined);
    await tool(database, 'create-database').catch((error: { stderr?: string; stdout?: string }) => {
      if (!/already exists/.test(`${error.stderr}${error.stdout}`)) {
        throw new ServerStartError(`temporal-sql-tool could not create the database "${database}": ${error.stderr ?? error}`);
      }
    });
    // Safe to repeat (its tables are created if missing): a database created beforehand (by a DBA for
    // DATABASE_URL, or by a first start cut short) gets its schema too.
    await tool(database, 'setup-schema', '-v', '0.0');
    await tool(database, 'update-schema', '-d', join(binaries.schemaDir, 'postgresql', 'v12', schema, 'versioned'));
  }
  if (!complete) {
    await mkdir(options.dir, { recursive: true });
    await writeFile(marker, `${new Date().toISOString()}\n`);
  }
}

/** The namespace (with its retention) and our search attributes, each added once. */
async function registerNamespace(address: string, namespace: string, retentionHours: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const known = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!known) {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionHours} hours`) }).catch((error: { code?: number }) => {
        if (error.code !== 6) throw error; // ALREADY_EXISTS: another start registered it first
      });
    }
    // A namespace just registered reaches the services' caches a few seconds later (NOT_FOUND until then).
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = Object.values(SEARCH_ATTRIBUTES).filter((key) => !(key.name in (customAttributes ?? {})));
        if (missing.length > 0) {
          await connection.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
          });
        }
        // Answered once the history service knows the namespace too.
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 5 || Date.now() > deadline) throw error;
        await delay(250);
      }
    }
  } finally {
    await connection.close();
  }
}

export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const databases = { main: 'temporal', visibility: 'temporal_visibility' };
  const namespace = options.namespace ?? 'default';
  await setUpSchemas(options, databases);

  const configDir = join(options.dir, 'config');
  await mkdir(configDir, { recursive: true });
  const dynamicConfigFile = join(options.dir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfigFile, dynamicConfigYaml({ ...BASE_DYNAMIC_CONFIG, ...options.dynamicConfig }));
  // Holds the database password: its owner's alone.
  await writeFile(join(configDir, 'local.yaml'), serverConfig(options, databases, dynamicConfigFile), { mode: 0o600 });

  const address = `127.0.0.1:${options.ports.frontend}`;
  const managed = await spawnServer(options.binaries.server, ['--root', options.dir, '--config', 'config', '--env', 'local', '--allow-no-auth', 'start'], options.logFile);
  await waitUntilReady(
    'Temporal Server',
    managed,
    options.logFile,
    async () => {
      // Lazy, so the finally block closes the channel even when connecting fails.
      const connection = Connection.lazy({ address, connectTimeout: 1_000 });
      try {
        await connection.ensureConnected();
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    60_000,
  );
  try {
    await registerNamespace(address, namespace, NAMESPACE_RETENTION_HOURS);
  } catch (error) {
    await managed.stop();
    throw new ServerStartError(`Temporal Server started, but registering the namespace "${namespace}" failed: ${(error as Error).message}. See ${options.logFile}.`);
  }
  return { name: 'temporal', address, pid: managed.child.pid, databases, stop: () => managed.stop(), kill: () => managed.kill() };
}

export interface TemporalUiOptions {
  binary: string;
  port: number;
  temporalAddress: string;
  /** Our API's /api/temporal-codec: operators read payloads decrypted once logged in. */
  codecEndpoint?: string;
  dir: string;
  logFile: string;
}

/** The Temporal Web UI's server, on loopback, pointed at the frontend. */
export async function startTemporalUi(options: TemporalUiOptions): Promise<RunningServer> {
  const configDir = join(options.dir, 'config');
  await mkdir(configDir, { recursive: true });
  const config = [
    '# Written by dev/temporal-server.ts at each start; edits are lost.',
    `temporalGrpcAddress: ${options.temporalAddress}`,
    'host: 127.0.0.1',
    `port: ${options.port}`,
    'enableUi: true',
    'defaultNamespace: default',
    'notifyOnNewVersion: false',
    ...(options.codecEndpoint ? ['codec:', `  endpoint: ${yamlString(options.codecEndpoint)}`, '  includeCredentials: true'] : []),
    '',
  ].join('\n');
  await writeFile(join(configDir, 'local.yaml'), config);
  const managed = await spawnServer(options.binary, ['--root', options.dir, '--config', 'config', '--env', 'local', 'start'], options.logFile);
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilReady('Temporal Web UI', managed, options.logFile, async () => (await fetch(`${url}/api/v1/settings`)).ok, 30_000);
  return { name: 'temporal-ui', address: url, pid: managed.child.pid, stop: () => managed.stop(), kill: () => managed.kill() };
}
