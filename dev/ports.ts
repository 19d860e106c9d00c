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
