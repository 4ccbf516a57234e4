import { Agent, createServer as createHttpServer, request } from 'node:http';
import { type Server as NetServer, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { Server } from '../../src/core/server.js';
import { isPodwardenError } from '../../src/errors.js';
import { addHttpService } from '../../src/http/http-service.js';
import { listen } from '../../src/http/listen.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { FakeSignals, until } from '../helpers/core.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
let blocker: NetServer | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

async function occupiedPort(): Promise<number> {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

describe('the podwarden listener', () => {
  it('a port that cannot be bound fails run() with exit code 1 naming the address, before anything reports ready', async () => {
    const port = await occupiedPort();
    const server = new Server({ signals: new FakeSignals() });
    const phases: string[] = [];
    server.on('phase', (e) => phases.push(e.phase));
    addHttpService(server, { port, host: '127.0.0.1' });
    server.addService(serviceFromFunction('app', async (shutdown, ready) => {
      ready.notifyReady();
      await shutdown.wait();
    }));
    const report = await server.run();
    expect(report.exitCode).toBe(1);
    expect(report.failed).toEqual(['podwarden']);
    const self = report.services.find((s) => s.name === 'podwarden')!;
    expect(self.state).toBe('failed');
    expect(self.reason).toBe(`cannot listen on 127.0.0.1:${port}: address already in use (another process listens on port ${port}; set server.port or --port)`);
    expect(phases).not.toContain('running');
    expect(phases.at(-1)).toBe('terminated');
  });

  it('the bind error is a coded PodwardenError naming the address', async () => {
    const port = await occupiedPort();
    const listener = createHttpServer();
    const failed = await listen(listener, '127.0.0.1', port).catch((err: unknown) => err);
    expect(isPodwardenError(failed, 'PODWARDEN_ERR_LISTEN')).toBe(true);
    expect((failed as Error).message).toMatch(new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    expect(listener.listening).toBe(false);
  });

  it('keeps answering while services stop, then closes without waiting on idle keep-alive sockets', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 0, stopBudget: 3000 } }, services: { slow: { stopMs: 400 } } });
    h.services.slow!.ready();
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const keepAliveGet = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${h!.base}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await keepAliveGet('/livez')).toBe(200);
    expect(agent.freeSockets).not.toEqual({}); // an idle keep-alive socket stays open

    const t0 = performance.now();
    h.signals.send('SIGTERM');
    await until(() => h!.server.phase === 'stopping');
    expect(await keepAliveGet('/livez')).toBe(200);
    expect((await h.get('/readyz')).status).toBe(503);
    const report = await h.run;
    const took = performance.now() - t0;
    expect(report.exitCode).toBe(0);
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(1500); // keepAliveTimeout is 72 s: close did not wait on the idle socket
    await expect(fetch(`${h.base}/livez`)).rejects.toThrow();
    agent.destroy();
  });

  it('serves /metrics on metricsPort when set, and not on the health port', async () => {
    h = await startHarness({ http: { metricsPort: 0 } });
    const metricsPort = h.http.metricsAddress()?.port;
    expect(metricsPort).toBeGreaterThan(0);
    expect(metricsPort).not.toBe(h.http.address()?.port);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('podwarden_service_ready{name="podwarden"} 1');
    expect((await h.get('/metrics')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/livez`)).status).toBe(404);
  });

  it('rejects conflicting options before anything listens', () => {
    const server = new Server({ signals: new FakeSignals() });
    const metrics = createMetrics({ server, processMetrics: false });
    expect(() => addHttpService(server, { port: 7000, metricsPort: 7000, metrics })).toThrow(/metricsPort/);
    expect(() => addHttpService(server, { port: 70000 })).toThrow(/not a port/);
    expect(() => addHttpService(server, { drain: { token: ' ' } })).toThrow(/drain.token/);
    expect(() => addHttpService(server, { timeouts: { request: 100, headers: 200 } })).toThrow(/timeouts.headers/);
  });

  it('dual-stack by default: binds "::" and answers on IPv4 and IPv6 loopback', async () => {
    h = await startHarness({ http: { host: '::' } });
    const port = h.http.address()!.port;
    expect(h.http.address()!.address).toBe('::');
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    expect((await fetch(`http://[::1]:${port}/livez`)).status).toBe(200);
  });
});
