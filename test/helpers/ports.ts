import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`, chosen by the kernel (bound
 * to port 0, then released). `::` checks both families, for listeners that
 * bind every address, such as a container on the host's network.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a TCP port can be bound on `host` right now. */
async function canBind(port: number, host: string): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, host);
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// Below the kernel's ephemeral range (32768+), so client sockets never take a port a
// process is about to bind; each vitest worker gets its own block of 1000.
const blockBase = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 12) * 1000;
let nextPort = blockBase;

/**
 * A port free on `host` (default loopback) from this worker's own block,
 * below the ephemeral range: for listeners bound a while after the port is
 * chosen (a container starting, a child process) while this or another worker
 * makes many client connections, where a port from {@link freePort} could be
 * taken by a client socket first. No two calls in a worker return the same
 * port until the block wraps.
 */
export async function blockPort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 1000; tries += 1) {
    const port = nextPort;
    nextPort = nextPort + 1 >= blockBase + 1000 ? blockBase : nextPort + 1;
    if (await canBind(port, host)) return port;
  }
  throw new Error(`no free port on ${host} in this worker's block`);
}
