import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDirectory, loadDevConfig } from '../../dev/config.js';
import { assertPortFree, freePortBelow, PortInUseError } from '../../dev/ports.js';
import { startPostgres } from '../../dev/postgres.js';
import { ProvisioningError, provisionFerretDb, provisionTemporal, provisionTemporalServer } from '../../dev/provision.js';
import { ServerStartError, startFerretDb } from '../../dev/servers.js';
import { freeTemporalPorts, startTemporalServer } from '../../dev/temporal-server.js';

describe('local servers: failures are loud', () => {
  let dir: string;
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'candidature-servers-'));
    // Accepts and immediately drops connections: the port is taken, nothing answers on it.
    blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const provisionOptions = () => {
    const config = loadDevConfig();
    return { cacheDir: cacheDirectory(config), go: config.GO, log: () => {}, path: config.PATH };
  };

  it('names the port and its use when a port is taken', async () => {
    await expect(assertPortFree(takenPort, 'HTTP API')).rejects.toThrow(PortInUseError);
    await expect(assertPortFree(takenPort, 'HTTP API')).rejects.toThrow(`Port ${takenPort} (HTTP API) is already in use`);
  });

  it('fails to start FerretDB on a taken port instead of waiting forever', async () => {
    const binary = await provisionFerretDb(provisionOptions());
    await expect(startFerretDb({ binary, port: takenPort, dataDir: join(dir, 'db'), logFile: join(dir, 'ferret.log') })).rejects.toThrow(ServerStartError);
  });

  it('fails to start Temporal Server on a taken port instead of waiting forever, and PostgreSQL too', async () => {
    const binaries = await provisionTemporalServer(provisionOptions());
    await expect(startPostgres({ port: takenPort, dataDir: join(dir, 'pg-taken'), logFile: join(dir, 'pg-taken.log'), databases: [] })).rejects.toThrow(ServerStartError);
    const postgres = await startPostgres({ port: await freePortBelow(32_768), dataDir: join(dir, 'pg'), logFile: join(dir, 'pg.log'), databases: [] });
    try {
      const ports = { ...(await freeTemporalPorts()), frontend: takenPort };
      await expect(
        startTemporalServer({ binaries, store: { host: '127.0.0.1', port: postgres.port, user: postgres.user, password: postgres.password }, ports, dir: join(dir, 'temporal'), logFile: join(dir, 'temporal.log') }),
      ).rejects.toThrow(ServerStartError);
    } finally {
      await postgres.stop();
    }
  }, 120_000);

  it('says what to install when Go is missing and nothing is cached', async () => {
    const options = { cacheDir: join(dir, 'empty-cache'), go: join(dir, 'no-such-go'), log: () => {}, path: '' };
    await expect(provisionTemporal(options)).rejects.toThrow(ProvisioningError);
    await expect(provisionTemporal(options)).rejects.toThrow(/Install Go 1\.24 or later/);
    await expect(provisionFerretDb(options)).rejects.toThrow(/Install Go 1\.24 or later/);
  });
});
