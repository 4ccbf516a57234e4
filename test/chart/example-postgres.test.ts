/**
 * examples/helm/shop counts its postgres check in startup only. Its podwarden config, as
 * the example renders it, run by the real CLI with the shop and postgres replaced by local
 * servers (their addresses and check intervals changed, nothing else): what a database
 * outage does to the pod's probes, and what it would do with postgres in readiness.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap } from 'kubernetes-models/v1';
import { sampleValue } from '../helpers/exposition.js';
import { type Podwarden, cleanupPodwardens, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { closeApp, containerEnv, helm, one, podSpecOf, podwardenContainer, render, repoRoot, startOkApp, testToken } from './support.js';

let exampleDir = '';

beforeAll(() => {
  const root = mkdtempSync(path.join(tmpdir(), 'podwarden-example-'));
  cpSync(path.join(repoRoot, 'charts/podwarden'), path.join(root, 'charts/podwarden'), { recursive: true });
  cpSync(path.join(repoRoot, 'examples/helm/shop'), path.join(root, 'examples/helm/shop'), { recursive: true });
  exampleDir = path.join(root, 'examples/helm/shop');
  const built = helm(['dependency', 'build', exampleDir]);
  if (built.code !== 0) throw new Error(`helm dependency build failed:\n${built.stderr}`);
});

const renderExample = (set: Record<string, string | number | boolean>) => render({ chart: exampleDir, release: 'shop', namespace: 'store', set: { 'podwarden.drain.token': testToken, ...set } });

/** A TCP listener on `port` standing in for postgres; resolves once it listens. */
async function listenTcp(port: number): Promise<NetServer> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

describe("the shop's postgres check, run by podwarden", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await cleanupPodwardens();
  });

  /** Start podwarden with the example's rendered config; `probes` replaces postgres's probes when given. */
  async function serveExample(postgresPort: number, probes?: string[]): Promise<{ pw: Podwarden; metric: (name: string, labels: Record<string, string>) => Promise<number | undefined> }> {
    const { app, appPort } = await startOkApp();
    cleanups.push(() => closeApp(app));
    const dir = tempDir('podwarden-example-serve-');
    const port = await freePort();
    const metricsPort = await freePort();
    const { docs } = renderExample({ 'podwarden.config.server.metricsPort': metricsPort, 'podwarden.config.drain.stateFile': path.join(dir, 'drain-state') });
    const sidecar = podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container;
    const config = parseYaml(one<IConfigMap>(docs, 'ConfigMap', '-config').data?.['podwarden.yaml'] ?? '') as { services: Array<Record<string, unknown>> };
    const [shop, postgres] = config.services;
    if (!shop || !postgres) throw new Error('the example has no shop and postgres checks');
    Object.assign(shop, { url: `http://127.0.0.1:${appPort}/healthz`, interval: '200ms' });
    Object.assign(postgres, { host: '127.0.0.1', port: postgresPort, interval: '200ms', timeout: '500ms' }, probes ? { probes } : {});
    const configFile = path.join(dir, 'podwarden.yaml');
    writeFileSync(configFile, stringify(config));
    const env = Object.fromEntries(Object.entries(containerEnv(sidecar)).filter((e): e is [string, string] => e[1] !== undefined));
    const pw = await startPodwarden({ configFile, port, env });
    const metric = async (name: string, labels: Record<string, string>) => sampleValue(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), name, labels);
    return { pw, metric };
  }

  it('holds a new pod at startup until postgres answers once, then keeps it serving while postgres is away', async () => {
    const postgresPort = await freePort();
    const { pw, metric } = await serveExample(postgresPort);
    await pw.waitState('shop', 'ready', 20_000);
    // postgres refuses connections: the startup probe holds the pod back (the kubelet waits for it before readiness).
    expect((await pw.get('/startupz')).status).toBe(503);
    const postgres = await listenTcp(postgresPort);
    await pw.waitState('postgres', 'ready', 20_000);
    expect((await pw.get('/startupz')).status).toBe(200);
    expect((await pw.get('/readyz')).status).toBe(200);
    // The database goes away: the pod stays in rotation, and the metric the alert reads says so.
    await new Promise<void>((resolve) => postgres.close(() => resolve()));
    await pw.waitState('postgres', 'not-ready', 20_000);
    expect((await pw.get('/readyz')).status).toBe(200);
    expect((await pw.get('/startupz')).status).toBe(200);
    expect((await pw.get('/livez')).status).toBe(200);
    expect(await metric('podwarden_service_ready', { name: 'postgres' })).toBe(0);
    expect(await metric('podwarden_service_ready', { name: 'shop' })).toBe(1);
  }, 60_000);

  it('in readiness instead, the same outage would take the pod out of rotation', async () => {
    const postgresPort = await freePort();
    const postgres = await listenTcp(postgresPort);
    const { pw } = await serveExample(postgresPort, ['readiness', 'startup']);
    await pw.waitState('postgres', 'ready', 20_000);
    expect((await pw.get('/readyz')).status).toBe(200);
    await new Promise<void>((resolve) => postgres.close(() => resolve()));
    await pw.waitState('postgres', 'not-ready', 20_000);
    expect((await pw.get('/readyz')).status).toBe(503);
  }, 60_000);
});
