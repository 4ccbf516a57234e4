import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeSpec } from './pod-template.js';
import { type ProbeResult, type ProbeTarget, ProbeWorker } from './prober.js';

const spec: ProbeSpec = { path: '/readyz', port: 'podwarden', headers: {}, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 2 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: Server | undefined;
const workers: ProbeWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A server answering `status()`, recording each request's User-Agent. */
async function target(status: () => number, started = () => true): Promise<{ target: ProbeTarget; agents: string[] }> {
  const agents: string[] = [];
  server = createServer((req, res) => {
    agents.push(req.headers['user-agent'] ?? '');
    res.writeHead(status()).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { target: { port: () => port, startedAt: () => 0, started }, agents };
}

function worker(kind: 'readiness' | 'startup', t: ProbeTarget, changes: ProbeResult[]): ProbeWorker {
  const w = new ProbeWorker(kind, spec, t, () => 10_000, (result) => changes.push(result));
  workers.push(w);
  return w;
}

describe('the simulated kubelet prober', () => {
  it('starts readiness at failure, probes at once as kube-probe/1.31, and needs failureThreshold failures to fail', async () => {
    let status = 200;
    const { target: t, agents } = await target(() => status);
    const changes: ProbeResult[] = [];
    const w = worker('readiness', t, changes);
    expect(w.result).toBe('failure');
    w.start();
    await sleep(300);
    expect(changes).toEqual(['success']);
    expect(agents[0]).toBe('kube-probe/1.31');
    status = 503;
    await sleep(1000); // one failure: below failureThreshold 2
    expect(w.result).toBe('success');
    await sleep(1000);
    expect(changes).toEqual(['success', 'failure']);
  });

  it('holds readiness off until the container has started, and stops the startup probe once it passed', async () => {
    let started = false;
    const { target: t, agents } = await target(() => 200, () => started);
    const readiness = worker('readiness', t, []);
    readiness.start();
    await sleep(300);
    expect(agents).toEqual([]);
    started = true;
    readiness.trigger();
    await sleep(300);
    expect(readiness.result).toBe('success');
    readiness.stop();

    const startup = worker('startup', t, []);
    expect(startup.result).toBe('unknown');
    const before = agents.length;
    startup.start();
    await sleep(1300);
    expect(startup.result).toBe('success');
    expect(agents.length - before).toBe(1);
  });
});
