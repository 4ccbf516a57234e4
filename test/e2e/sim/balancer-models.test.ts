import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Balancer } from './balancer.js';
import { balancerModels, makeBalancer, removalBoundMs } from './balancer-models.js';
import { EndpointView, seededRandom, syncWorstCaseMs } from './endpoint-view.js';
import { type EndpointAddress, Endpoints } from './endpoints.js';
import { Timeline } from './timeline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A pod stand-in: an app port that answers 200, and a health port whose /readyz answers `ready()`. */
async function fakePod(ready: () => boolean): Promise<EndpointAddress> {
  const listen = async (server: Server): Promise<number> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    return (server.address() as AddressInfo).port;
  };
  const app = createServer((_req, res) => res.end('ok'));
  const health = createServer((_req, res) => res.writeHead(ready() ? 200 : 503).end());
  return { appPort: await listen(app), healthPort: await listen(health), node: 'node-a' };
}

function balancer(model: Parameters<typeof makeBalancer>[0]['model'], endpoints: Endpoints, timeline: Timeline, timeScale: number): Balancer {
  const b = makeBalancer({ model }, 0, { endpoints, timeline, timeScale, requestTimeoutMs: 1000, seed: 7 });
  closers.push(() => b.close());
  return b;
}

describe('the balancer models', () => {
  it('fit inside the timing profile they stand for', () => {
    expect(removalBoundMs('kube-proxy')).toBeLessThanOrEqual(5000);
    expect(removalBoundMs('ingress-nginx')).toBeLessThanOrEqual(8000);
    expect(removalBoundMs('aws-alb')).toBeLessThanOrEqual(30_000);
    expect(removalBoundMs('gke-neg')).toBeLessThanOrEqual(30_000);
    // The cloud balancers' deregistration is slower than their health check: the check is what takes a pod out.
    expect(balancerModels['aws-alb'].deregisterLagMs).toBeGreaterThan(removalBoundMs('aws-alb'));
  });

  it('an endpoint view programs a change after the watch and a sync, never later than its worst case', async () => {
    const model = { watchDelayMs: 120, minSyncIntervalMs: 240, syncDurationMs: 160, churnMeanMs: 100 };
    const endpoints = new Endpoints();
    const timeline = new Timeline();
    const seen: number[] = [];
    const view = new EndpointView(endpoints, model, seededRandom(3), () => timeline.now(), () => {
      if (view.programmed.has('p') && seen.length === 0) seen.push(timeline.now());
    });
    closers.push(() => view.close());
    await sleep(500);
    const changedAt = timeline.now();
    endpoints.update('p', { appPort: 1, healthPort: undefined, node: 'n' }, true, false);
    await sleep(syncWorstCaseMs(model) + 300);
    expect(seen).toHaveLength(1);
    expect(seen[0]! - changedAt).toBeGreaterThanOrEqual(model.watchDelayMs + model.syncDurationMs - 5);
    expect(seen[0]! - changedAt).toBeLessThanOrEqual(syncWorstCaseMs(model) + 150);
  });

  it('kube-proxy falls back to serving-and-terminating endpoints when none is ready; ingress-nginx does not', async () => {
    const endpoints = new Endpoints();
    const timeline = new Timeline();
    const address = await fakePod(() => true);
    const kubeProxy = balancer('kube-proxy', endpoints, timeline, 0.02);
    const ingress = balancer('ingress-nginx', endpoints, timeline, 0.02);
    endpoints.update('p', address, true, false);
    await sleep(300);
    expect(kubeProxy.rotation()).toEqual(['p']);
    expect(ingress.rotation()).toEqual(['p']);
    endpoints.update('p', address, true, true);
    await sleep(300);
    expect(kubeProxy.rotation()).toEqual(['p']);
    expect(ingress.rotation()).toEqual([]);
    expect((await ingress.send('/')).outcome).toBe('no-endpoint');
    expect((await kubeProxy.send('/')).outcome).toBe('ok');
  });

  it('an ALB takes a target out by its health check within interval x threshold, long before deregistration lands', async () => {
    const scale = 0.02;
    const endpoints = new Endpoints();
    const timeline = new Timeline();
    let ready = true;
    const address = await fakePod(() => ready);
    const alb = balancer('aws-alb', endpoints, timeline, scale);
    endpoints.update('p', address, true, false);
    // A second target that stays healthy: with none healthy, the ALB would fail open and keep sending to p.
    endpoints.update('q', await fakePod(() => true), true, false);
    // Registration (1 s + 5 s), then one passing check on each node (within 15 s): at most 21 s.
    await sleep(21_000 * scale + 200);
    expect(alb.rotation().sort()).toEqual(['p', 'q']);
    ready = false;
    endpoints.update('p', address, true, true);
    const failedAt = timeline.now();
    await sleep(removalBoundMs('aws-alb') * scale + 200);
    const removed = timeline.events.find((e) => e.kind === 'balancer-remove' && e.pod === 'p');
    expect(removed?.by).toBe('health-check');
    expect(removed!.t - failedAt).toBeLessThanOrEqual(removalBoundMs('aws-alb') * scale + 100);
    expect(timeline.events.some((e) => e.kind === 'balancer-deregister')).toBe(false);
    expect(alb.rotation()).toEqual(['q']);
  });

  it('an ALB with no healthy target fails open: it sends to the unhealthy ones', async () => {
    const scale = 0.02;
    const endpoints = new Endpoints();
    const timeline = new Timeline();
    let ready = true;
    const alb = balancer('aws-alb', endpoints, timeline, scale);
    endpoints.update('p', await fakePod(() => ready), true, false);
    await sleep(21_000 * scale + 200);
    ready = false;
    await sleep(removalBoundMs('aws-alb') * scale + 200);
    expect(alb.rotation()).toEqual([]);
    expect(await alb.send('/')).toMatchObject({ outcome: 'ok', pod: 'p' });
  });
  it('kube-proxy with keep-alive clients keeps a connection on its pod after the endpoint is gone, until the pod closes it', async () => {
    const endpoints = new Endpoints();
    const timeline = new Timeline();
    let goAway = false;
    const listenApp = async (name: string) => {
      const server = createServer((_req, res) => {
        if (goAway && name === 'p') res.setHeader('Connection', 'close');
        res.end(name);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      closers.push(() => {
        server.closeAllConnections();
        server.close();
      });
      return { appPort: (server.address() as AddressInfo).port, healthPort: undefined, node: `node-${name}` };
    };
    const clients = balancer('kube-proxy-keepalive', endpoints, timeline, 0.02);
    const p = await listenApp('p');
    endpoints.update('p', p, true, false);
    await sleep(300);
    const first = await clients.send('/');
    expect(first).toMatchObject({ outcome: 'ok', pod: 'p' });
    // p is deleted and q is the only ready endpoint: kube-proxy's rules change, p's open connections stay.
    endpoints.update('q', await listenApp('q'), true, false);
    endpoints.update('p', p, false, true);
    await sleep(300);
    const sent = [];
    for (let i = 0; i < 12; i += 1) sent.push((await clients.send('/')).pod);
    expect(sent.filter((pod) => pod === 'p').length, 'the open connections stay on p').toBeGreaterThan(0);
    // p answers Connection: close: each connection it closes opens again through kube-proxy, to q.
    goAway = true;
    for (let i = 0; i < 12; i += 1) await clients.send('/');
    const after = [];
    for (let i = 0; i < 12; i += 1) after.push((await clients.send('/')).pod);
    expect(after.every((pod) => pod === 'q')).toBe(true);
  });
});
