import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupPodwardens, request, startPodwarden } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

/** Who can reach what: the listening address and ports are the operator's choice, and /metrics can live apart. */

afterAll(cleanupPodwardens);

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('listeners', () => {
  it('binds only the configured address', async () => {
    const pw = await startPodwarden();
    expect(pw.events('listening')).toEqual([expect.objectContaining({ address: '127.0.0.1', port: pw.port, endpoints: 'health' })]);
    expect(await connects('127.0.0.1', pw.port)).toBe(true);
    expect(await connects('127.0.0.2', pw.port)).toBe(false); // another loopback address: nothing listens there
  });

  it('with metricsPort, /metrics is served there only, and that port serves nothing else', async () => {
    const metricsPort = await freePort();
    const pw = await startPodwarden({ args: ['--metrics-port', String(metricsPort)], env: { PODWARDEN_DRAIN_ALLOW_UNAUTHENTICATED: 'true' } });
    await pw.waitFor((l) => l.event === 'listening' && l.endpoints === 'metrics');
    expect(pw.events('listening').map((l) => [l.endpoints, l.address, l.port])).toEqual([
      ['health', '127.0.0.1', pw.port],
      ['metrics', '127.0.0.1', metricsPort],
    ]);
    expect((await pw.get('/metrics')).status).toBe(404);
    const metrics = await request(metricsPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('podwarden_server_phase{phase="running"} 1');
    for (const path of ['/livez', '/readyz', '/startupz', '/drain', '/readyz/podwarden']) {
      expect((await request(metricsPort, path)).status, path).toBe(404);
      expect((await request(metricsPort, path, { method: 'POST' })).status, path).toBe(404);
    }
    expect(pw.events('drain')).toEqual([]);
    expect(await connects('127.0.0.2', metricsPort)).toBe(false);
  });
});
