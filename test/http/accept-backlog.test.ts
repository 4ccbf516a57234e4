import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

/**
 * A burst of connections that outruns podwarden's event loop waits in the
 * kernel's accept queue. Node's default queue (511) overflows, and the kernel
 * then drops SYNs, kubelet's among them, which the client retries only after
 * 1 s: the probe's default timeout. podwarden asks for 4096.
 */

/** Connections to 127.0.0.1:`port` that the kernel has fully established on the server's side (in the accept queue or accepted). */
function establishedTo(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const [, localAddress, , state] = line.trim().split(/\s+/);
      return localAddress === local && state === '01';
    }).length;
}

afterAll(cleanupPodwardens);

it('1,000 connections arriving while podwarden cannot accept are all queued, none dropped, and all answered when it resumes', async () => {
  const pw = await startPodwarden({ config: { services: [] } });
  const sockets: net.Socket[] = [];
  process.kill(pw.pid, 'SIGSTOP');
  try {
    const answers = Array.from(
      { length: 1000 },
      () =>
        new Promise<string>((resolve) => {
          const socket = net.connect(pw.port, '127.0.0.1');
          sockets.push(socket);
          let text = '';
          socket.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
          socket.setEncoding('latin1').on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('\r\n\r\n')) resolve(text.slice(0, text.indexOf('\r\n')));
          });
          socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
        }),
    );
    // A stopped process accepts nothing: every connection the kernel completes sits in the queue.
    // With Node's default backlog this stops at 512 and the rest of the SYNs are dropped.
    await until(() => establishedTo(pw.port) >= 1000, 5000, 'the kernel to queue all 1,000 connections').catch((err) => {
      throw new Error(`${(err as Error).message}: it queued ${establishedTo(pw.port)}, and a full accept queue drops the rest`);
    });
    process.kill(pw.pid, 'SIGCONT');
    const lines = await Promise.all(answers);
    expect(new Set(lines)).toEqual(new Set(['HTTP/1.1 200 OK']));
  } finally {
    process.kill(pw.pid, 'SIGCONT');
    for (const s of sockets) s.destroy();
  }
  expect((await pw.get('/readyz')).status).toBe(200);
}, 30_000);
