import { createServer } from 'node:net';

/** Thrown when a port the stack needs is taken; the message names the port and its use. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

function tryListen(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

export async function assertPortFree(port: number, purpose: string, host = '127.0.0.1'): Promise<void> {
  try {
    await tryListen(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(
        `Port ${port} (${purpose}) is already in use. Stop the program using it (\`lsof -i :${port}\`) or choose another port in the environment (see README, Configuration).`,
      );
    }
    throw error;
  }
}

/** A port free right now on loopback, for ephemeral test servers. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return tryListen(0, host);
}

/**
 * A port free right now below `limit`, tried at random from 20000 up (the
 * kernel hands out ports above 32768, so none of its own clash), skipping `taken`.
 */
export async function freePortBelow(limit: number, taken: ReadonlySet<number> = new Set(), host = '127.0.0.1'): Promise<number> {
  const low = 20_000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (limit - low));
    if (taken.has(port)) continue;
    try {
      return await tryListen(port, host);
    } catch {
      // taken by someone else: try another
    }
  }
  throw new PortInUseError(`no free port found between ${low} and ${limit}`);
}
