import { type Server as NodeHttpServer, createServer } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { podwardenHttp } from '../../src/http/plugin.js';
import { podwardenMiddleware, podwardenRequestHandler } from '../../src/http/request-handler.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { rawExchange } from '../reliability/support/raw-http.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
let app: FastifyInstance | undefined;
let nodeServer: NodeHttpServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  if (nodeServer) await new Promise((resolve) => nodeServer!.close(resolve));
  nodeServer = undefined;
  await h?.close();
  h = undefined;
});

const token = 'adapter-test-token-0123456789abcdef';

async function pluginApp(options: Omit<Parameters<typeof podwardenHttp>[1], 'server'> & { prefix?: string } = {}): Promise<string> {
  app = Fastify({ logger: false });
  app.get('/app', async () => 'the app\n');
  await app.register(podwardenHttp, { server: h!.server, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('the fastify plugin in an app', () => {
  it('serves the endpoints beside the app routes, under the app prefix it is registered with', async () => {
    h = await startHarness({ services: { db: {} } });
    h.services.db!.ready();
    const base = await pluginApp({ prefix: '/health' });
    expect(await (await fetch(`${base}/app`)).text()).toBe('the app\n');
    const verbose = await fetch(`${base}/health/readyz?verbose`);
    expect(verbose.status).toBe(200);
    expect(await verbose.text()).toBe('[+]podwarden ok\n[+]db ok\n[+]shutdown ok\nreadyz check passed\n');
    expect((await fetch(`${base}/health/livez/db`)).status).toBe(404); // db is not a liveness member
    expect((await fetch(`${base}/readyz`)).status).toBe(404); // only under the prefix
    expect((await fetch(`${base}/health/metrics`)).status).toBe(404); // no metrics given
  });

  it('an authorised /drain drains the server: readiness fails at once, 200 once the drain delay has passed', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 300, stopBudget: 2000 } } });
    const metrics = createMetrics({ server: h.server, processMetrics: false });
    const base = await pluginApp({ drain: { token }, metrics });
    const started = performance.now();
    const drained = fetch(`${base}/drain`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'ignored' });
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const answer = await drained;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('drained\n');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const { body } = await metrics.render(false);
    expect(body).toMatch(/_drain_requests_total\{result="drained"\} 1\n/);
    expect(body).toMatch(/_probe_requests_total\{probe="drain",code="200",agent="other"\} 1\n/);
  });
});

/** Listen on a free loopback port; the server is closed after the test. */
async function serve(listener: Parameters<typeof createServer>[1]): Promise<string> {
  nodeServer = createServer(listener);
  await new Promise<void>((resolve) => nodeServer!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(nodeServer.address() as AddressInfo).port}`;
}

describe('the Express middleware and the node:http handler in an app', () => {
  it('the middleware serves the endpoints under the path it is mounted on and passes every other request on', async () => {
    h = await startHarness({ services: { db: {} } });
    h.services.db!.ready();
    const expressApp = express();
    expressApp.get('/readyz', (_req, res) => res.send('the app readyz\n'));
    expressApp.use('/ops', podwardenMiddleware({ server: h.server }));
    expressApp.get('/ops/other', (_req, res) => res.send('the app under /ops\n'));
    const base = await serve(expressApp);
    const verbose = await fetch(`${base}/ops/readyz?verbose`);
    expect(verbose.status).toBe(200);
    expect(await verbose.text()).toBe('[+]podwarden ok\n[+]db ok\n[+]shutdown ok\nreadyz check passed\n');
    expect(await (await fetch(`${base}/ops/other`)).text()).toBe('the app under /ops\n');
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('the app readyz\n');
    expect((await fetch(`${base}/ops/livez/db`)).status).toBe(404); // db is not a liveness member: the endpoints' own 404
  });

  it('a /drain whose body an Express body parser already read still drains', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 200, stopBudget: 2000 } } });
    const expressApp = express();
    expressApp.use(express.json());
    expressApp.use(podwardenMiddleware({ server: h.server, drain: { token } }));
    const base = await serve(expressApp);
    const answer = await fetch(`${base}/drain`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"reason":"preStop"}' });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('drained\n');
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('the handler answers its paths and returns false for the app to answer the rest', async () => {
    h = await startHarness();
    const handler = podwardenRequestHandler({ server: h.server });
    const base = await serve((req, res) => handler(req, res) || res.writeHead(418).end('the app\n'));
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const other = await fetch(`${base}/livezz`);
    expect([other.status, await other.text()]).toEqual([418, 'the app\n']);
    expect((await fetch(`${base}/metrics`)).status).toBe(418); // no metrics given: not one of its paths
    handler.close();
  });
});

describe('answers no test table can hold', () => {
  it('a /metrics render that fails is a plain 500 on the listener and in the plugin, counted under metrics', async () => {
    h = await startHarness();
    const pluginMetrics = createMetrics({ server: h.server, processMetrics: false });
    for (const registry of [h.metrics.registry, pluginMetrics.registry]) {
      new Gauge({ name: 'broken_gauge', help: 'A collector that throws.', registers: [registry], collect: () => { throw new Error('collector failed'); } });
    }
    const pluginBase = await pluginApp({ metrics: pluginMetrics });
    for (const [base, metrics] of [[h.base, h.metrics], [pluginBase, pluginMetrics]] as const) {
      const answer = await fetch(`${base}/metrics`);
      expect(answer.status).toBe(500);
      expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await answer.text()).toBe('metrics unavailable\n');
      metrics.registry.removeSingleMetric('broken_gauge');
      expect((await metrics.render(false)).body).toMatch(/_probe_requests_total\{probe="metrics",code="500",agent="other"\} 1\n/);
    }
  });

  it('a request that arrives once the listener is closing gets 503 and its connection closes', async () => {
    h = await startHarness();
    const socket = net.connect(h.http.address()!.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A request under way when the listener stops accepting (what it does at the end of the stop phase) keeps its connection.
    socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n');
    await expect.poll(() => h!.http.server.listening && h!.server.phase === 'running').toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.http.server.close();
    socket.write('\r\n');
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(received.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(received.endsWith('\r\n\r\nshutting down\n')).toBe(true);
    expect((await h.metrics.render(false)).body).toMatch(/_probe_requests_total\{probe="other",code="503",agent="other"\} 1\n/);
  });

  it("a request the parser refuses gets Node's bare 400 and nothing else, before and after any other request", async () => {
    h = await startHarness();
    const port = h.http.address()!.port;
    const badChunk = 'GET /readyz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n';
    const first = await rawExchange(port, badChunk);
    expect((await fetch(`${h.base}/readyz?verbose`)).status).toBe(200);
    const second = await rawExchange(port, badChunk);
    for (const exchange of [first, second]) {
      expect(exchange.text).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    expect((await h.metrics.render(false)).body).toMatch(/_probe_requests_total\{probe="other",code="400",agent="other"\} 2\n/);
  });
});
