/**
 * examples/helm/shop: a chart that depends on charts/podwarden (file://) and
 * wires its own Deployment with podwarden's named templates. Built with the
 * real `helm dependency build` in a copy of the tree, so the repo stays clean.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap, IService } from 'kubernetes-models/v1';
import { type PrometheusRule, type ServiceMonitor } from './monitoring-objects.js';
import { type Podwarden, cleanupPodwardens, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { sampleValue } from '../helpers/exposition.js';
import { freePort } from '../helpers/ports.js';
import {
  closeApp,
  containerEnv,
  helm,
  helmBinary,
  helmEnv,
  httpGetOf,
  loadRenderedConfig,
  one,
  podSpecOf,
  podwardenContainer,
  render,
  renderError,
  repoRoot,
  selects,
  sha256,
  startOkApp,
  testToken,
  validateObject,
} from './support.js';

let exampleDir = '';
let root = '';

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'podwarden-example-'));
  cpSync(path.join(repoRoot, 'charts/podwarden'), path.join(root, 'charts/podwarden'), { recursive: true });
  cpSync(path.join(repoRoot, 'examples/helm/shop'), path.join(root, 'examples/helm/shop'), { recursive: true });
  exampleDir = path.join(root, 'examples/helm/shop');
  const built = helm(['dependency', 'build', exampleDir]);
  if (built.code !== 0) throw new Error(`helm dependency build failed:\n${built.stderr}`);
});

const renderExample = (set: Record<string, string | number | boolean> = {}) => render({ chart: exampleDir, release: 'shop', namespace: 'store', set: { 'podwarden.drain.token': testToken, ...set } });

describe('the example chart that depends on podwarden', () => {
  it('builds its file:// dependency offline and passes helm lint --strict', () => {
    const result = helm(['lint', exampleDir, '--strict', '--set', `podwarden.drain.token=${testToken}`]);
    expect(result.stdout + result.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders valid objects, twice the same', () => {
    const first = renderExample();
    for (const doc of first.docs) expect(() => validateObject(doc)).not.toThrow();
    expect(renderExample().text).toBe(first.text);
    const kinds = first.docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/shop-podwarden-config',
        'ConfigMap/shop-podwarden-dashboard',
        'Deployment/shop-shop',
        'Pod/shop-podwarden-test-metrics',
        'PrometheusRule/shop-podwarden',
        'Service/shop-podwarden-metrics',
        'Service/shop-shop',
        'ServiceMonitor/shop-podwarden',
      ].sort(),
    );
  });

  it("wires the shop container's probes and preStop to the podwarden sidecar the same way the chart does", async () => {
    const { docs } = renderExample();
    const deployment = one<IDeployment>(docs, 'Deployment');
    const spec = podSpecOf(deployment);
    const { container: sidecar, place } = podwardenContainer(spec);
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    const shop = spec.containers.find((c) => c.name === 'shop');
    if (!shop) throw new Error('no shop container');
    const configMap = one<IConfigMap>(docs, 'ConfigMap', '-config');
    const configText = configMap.data?.['podwarden.yaml'] ?? '';
    const config = await loadRenderedConfig(configText, containerEnv(sidecar));
    expect(config.services.map((s) => s.name)).toEqual(['shop', 'postgres']);
    // The shop's own check in readiness and startup (the default); the shared database in startup only.
    expect((parseYaml(configText) as { services: Array<{ name: string; probes?: string[] }> }).services.map((s) => [s.name, s.probes])).toEqual([
      ['shop', undefined],
      ['postgres', ['startup']],
    ]);
    const port = config.server.port;
    expect(httpGetOf(shop.startupProbe, 'startupProbe')).toEqual({ path: '/startupz', port });
    expect(shop.startupProbe?.failureThreshold).toBe(60);
    expect(httpGetOf(shop.readinessProbe, 'readinessProbe')).toEqual({ path: '/readyz', port });
    // Liveness asks the shop itself: neither a podwarden restart nor podwarden's state restarts it.
    expect(httpGetOf(shop.livenessProbe, 'livenessProbe')).toEqual({ path: '/healthz', port: 8080 });
    expect(httpGetOf(sidecar.startupProbe, 'sidecar startupProbe')).toEqual({ path: '/startupz/podwarden', port });
    expect(config.drain.token).toBe(testToken);
    expect(shop.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: `Bearer ${config.drain.token}` }]);
    // The AWS profile: the node's addresses from the downward API, the drain state on an emptyDir.
    expect(sidecar.env?.find((e) => e.name === 'PODWARDEN_HOST_IPS')?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIPs');
    expect(spec.volumes?.find((v) => v.name === 'podwarden-state')?.emptyDir).toEqual({ sizeLimit: '1Mi' });
    expect(sidecar.volumeMounts?.find((m) => m.name === 'podwarden-state')?.mountPath).toBe('/run/podwarden');
    // The volume names the ConfigMap the dependency renders, and the checksum is of that file.
    const volume = spec.volumes?.find((v) => v.name === 'podwarden-config');
    expect(volume?.configMap?.name).toBe(configMap.metadata?.name);
    expect(deployment.spec?.template.metadata?.annotations).toEqual({ 'checksum/podwarden-config': sha256(configText), 'example.com/team': 'shop' });
    // aws-load-balancer-controller: drainDelay 30 + 2 x 2 + 2 = 36 s; grace 36 + 10 (the shop's shutdown) + 2 = 48 s.
    expect(config.shutdown.drainDelay).toBe(36_000);
    expect(spec.terminationGracePeriodSeconds).toBe(48);
    expect(deployment.spec?.minReadySeconds).toBe(30);
  });

  it("points the metrics Service, the ServiceMonitor and the rules at the shop's pods", () => {
    const { docs } = renderExample();
    const podLabels = one<IDeployment>(docs, 'Deployment').spec?.template.metadata?.labels;
    const metrics = one<IService>(docs, 'Service', '-metrics');
    expect(selects(metrics.spec?.selector, podLabels)).toBe(true);
    expect(selects(one<ServiceMonitor>(docs, 'ServiceMonitor').spec.selector.matchLabels, metrics.metadata?.labels as Record<string, string>)).toBe(true);
    for (const rule of one<PrometheusRule>(docs, 'PrometheusRule').spec.groups.flatMap((g) => g.rules)) expect(rule.expr).toContain('job=~"shop-podwarden-metrics|store/shop-podwarden"');
  });

  it('moves podwarden into the containers in container mode', () => {
    const spec = podSpecOf(one<IDeployment>(renderExample({ 'podwarden.sidecar.mode': 'container' }).docs, 'Deployment'));
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((c) => c.name)).toEqual(['shop', 'podwarden']);
  });

  it("gives podwarden the parent's global.imageRegistry, as Helm hands globals to a dependency", () => {
    const { docs } = renderExample({ 'global.imageRegistry': 'registry.example.com' });
    expect(podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container.image).toBe('registry.example.com/podwarden/podwarden:0.2.0');
    expect(podwardenContainer(podSpecOf(one<IDeployment>(renderExample().docs, 'Deployment'))).container.image).toBe('ghcr.io/podwarden/podwarden:0.2.0');
  });

  it("enforces the timing rule on the parent's pod", () => {
    expect(renderError({ chart: exampleDir, release: 'shop', namespace: 'store', set: { 'podwarden.drain.token': testToken, 'podwarden.terminationGracePeriodSeconds': 30 } })).toContain(
      "podwarden: terminationGracePeriodSeconds (30) is shorter than config.shutdown.drainDelay (36s) + timing.appShutdownSeconds (10s) + podwarden's stop (2s: checks only) = 48s",
    );
  });

  it('needs a drain token of your own', () => {
    expect(renderError({ chart: exampleDir, release: 'shop', namespace: 'store' })).toContain('podwarden: drain.token is not set.');
  });

  it('renders with the commands its README gives, run as written', () => {
    const readme = readFileSync(path.join(repoRoot, 'examples/helm/shop/README.md'), 'utf8');
    const script = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(script).toContain('--set podwarden.drain.token=$(openssl rand -hex 32)');
    const env = { ...helmEnv(), PATH: `${path.dirname(helmBinary())}${path.delimiter}${process.env.PATH ?? ''}` };
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script ?? ''], { cwd: root, encoding: 'utf8', env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^kind: Deployment$/m);
    expect(result.stdout).toMatch(/value: "[0-9a-f]{64}"/);
  });

  it('validates the podwarden values of the parent with the schema', () => {
    expect(renderError({ chart: exampleDir, release: 'shop', namespace: 'store', set: { 'podwarden.drain.token': testToken, 'podwarden.sidecar.mode': 'init' } })).toMatch(
      /podwarden:\n- at '\/sidecar\/mode': value must be one of 'native', 'container'/,
    );
  });
});

/** A TCP listener on `port` standing in for postgres; resolves once it listens. */
async function listenTcp(port: number): Promise<NetServer> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

/**
 * The example's podwarden config, run by the real CLI with the shop and postgres
 * replaced by local servers (addresses and check intervals changed, nothing else):
 * what a database outage does to the pod's probes.
 */
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
