/**
 * Charts that add podwarden to workloads of their own through its named templates
 * (test/chart/fixtures): a plain nginx Deployment (umbrella-nginx), and two workloads with
 * two aliases of the dependency (umbrella-aliases). Built with the real `helm dependency
 * build` in a copy of the tree, so the repo stays clean.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer, IService } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { type PodMonitor } from './monitoring-objects.js';
import {
  type K8sObject,
  configMapOf,
  containerEnv,
  envValue,
  helm,
  httpGetOf,
  loadRenderedConfig,
  objectsOfKind,
  one,
  podSpecOf,
  podwardenContainer,
  render,
  renderError,
  repoRoot,
  selects,
  sha256,
  testToken,
  validateObject,
} from './support.js';

let root = '';
const chartIn = (name: string) => path.join(root, 'test/chart/fixtures', name);

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'podwarden-umbrella-'));
  cpSync(path.join(repoRoot, 'charts/podwarden'), path.join(root, 'charts/podwarden'), { recursive: true });
  for (const name of ['umbrella-nginx', 'umbrella-aliases']) {
    cpSync(path.join(repoRoot, 'test/chart/fixtures', name), chartIn(name), { recursive: true });
    const built = helm(['dependency', 'build', chartIn(name)]);
    if (built.code !== 0) throw new Error(`helm dependency build ${name} failed:\n${built.stderr}`);
  }
});

const nginxSet = (set: Record<string, string | number | boolean> = {}) => ({ chart: chartIn('umbrella-nginx'), release: 'web', namespace: 'shop', set: { 'podwarden.drain.token': testToken, ...set } });

/** The Deployment, its nginx container and the podwarden sidecar. */
function nginxPod(docs: readonly K8sObject[]) {
  const deployment = one<IDeployment>(docs, 'Deployment');
  const spec = podSpecOf(deployment);
  const nginx = spec.containers.find((c) => c.name === 'nginx');
  if (!nginx) throw new Error('no nginx container');
  return { deployment, spec, nginx, sidecar: podwardenContainer(spec).container };
}

describe('a chart that adds podwarden to a plain nginx Deployment (fixtures/umbrella-nginx)', () => {
  it('renders valid objects, each key once (the YAML parser refuses a duplicate key), and passes helm lint --strict', () => {
    const { docs } = render(nginxSet());
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    const lint = helm(['lint', chartIn('umbrella-nginx'), '--strict', '--set', `podwarden.drain.token=${testToken}`]);
    expect(lint.stdout + lint.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(lint.code).toBe(0);
  });

  it("gives the nginx container podwarden's probes and preStop, and keeps the rest of it", async () => {
    const { docs } = render(nginxSet());
    const { nginx, sidecar } = nginxPod(docs);
    const config = await loadRenderedConfig(configMapOf(docs).data?.['podwarden.yaml'] ?? '', containerEnv(sidecar));
    const port = config.server.port;
    expect(httpGetOf(nginx.startupProbe, 'startupProbe')).toEqual({ path: '/startupz', port });
    expect(httpGetOf(nginx.readinessProbe, 'readinessProbe')).toEqual({ path: '/readyz', port });
    expect(httpGetOf(nginx.livenessProbe, 'livenessProbe')).toEqual({ path: '/', port: 8080 });
    expect(nginx.lifecycle?.preStop?.httpGet).toMatchObject({ path: '/drain', port, httpHeaders: [{ name: 'Authorization', value: `Bearer ${config.drain.token}` }] });
    expect(nginx).toMatchObject({ image: 'nginxinc/nginx-unprivileged:1.27-alpine', ports: [{ name: 'http', containerPort: 8080 }], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] });
    expect(nginx.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  const refusals: Array<[string, Record<string, string | number | boolean>, string]> = [
    [
      'readinessProbe',
      { 'nginx.readinessProbe.httpGet.path': '/', 'nginx.readinessProbe.httpGet.port': 8080 },
      'podwarden: the container "nginx" passed to podwarden.appContainer already has a readinessProbe, and podwarden\'s readinessProbe asks /readyz on port 7654, which fails the moment a drain starts: the pod would get two, and only one would run. Remove yours and let podwarden check the app (config.services). Keeping yours (podwarden.app.probes.readiness.enabled=false) means the drain no longer takes the pod out of its endpoints.',
    ],
    [
      'startupProbe',
      { 'nginx.startupProbe.tcpSocket.port': 8080 },
      'podwarden: the container "nginx" passed to podwarden.appContainer already has a startupProbe, and podwarden\'s startupProbe asks /startupz on port 7654, which passes once every service in config.services has been ready: the pod would get two, and only one would run. Remove yours and let podwarden check the app (config.services), or keep it and set podwarden.app.probes.startup.enabled=false.',
    ],
    [
      'livenessProbe',
      { 'nginx.livenessProbe.httpGet.path': '/healthz', 'nginx.livenessProbe.httpGet.port': 8080 },
      "podwarden: the container \"nginx\" passed to podwarden.appContainer already has a livenessProbe, and podwarden's livenessProbe asks the app's own port (app.port, app.probes.liveness.path): the pod would get two, and only one would run. Remove yours and set podwarden.app.port and podwarden.app.probes.liveness.path to the check it made, or keep it and set podwarden.app.probes.liveness.enabled=false.",
    ],
    [
      'lifecycle.preStop',
      { 'nginx.lifecycle.preStop.sleep.seconds': 5 },
      'podwarden: the container "nginx" passed to podwarden.appContainer already has a lifecycle.preStop, and podwarden\'s preStop calls /drain, which holds the container until the balancers have stopped sending to the pod: the pod would get two, and only one would run. Remove yours (the drain delay replaces a preStop sleep; put shutdown work in the app\'s SIGTERM handler), or keep it and set podwarden.app.preStop=false (nothing then drains the pod before SIGTERM).',
    ],
  ];

  it.each(refusals)('refuses a container that already has a %s, saying what, where and how to fix it', (_key, set, message) => {
    expect(renderError(nginxSet(set))).toContain(message);
    // helm lint renders with `fail` made non-fatal: it shows the message (and exits 0).
    const args = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
    const lint = helm(['lint', chartIn('umbrella-nginx'), '--strict', '--set', `podwarden.drain.token=${testToken}`, ...args]);
    expect(lint.stdout + lint.stderr).toContain(message.replaceAll('"', '\\"'));
  });

  it("keeps a probe of the chart's own when podwarden's is turned off, and a postStart next to podwarden's preStop", () => {
    const { docs } = render(
      nginxSet({ 'nginx.livenessProbe.httpGet.path': '/healthz', 'nginx.livenessProbe.httpGet.port': 8080, 'podwarden.app.probes.liveness.enabled': false, 'nginx.lifecycle.postStart.exec.command[0]': 'true' }),
    );
    const { nginx } = nginxPod(docs);
    expect(nginx.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 } });
    expect(nginx.lifecycle?.postStart).toEqual({ exec: { command: ['true'] } });
    expect(nginx.lifecycle?.preStop?.httpGet?.path).toBe('/drain');
  });

  it("takes the pod's grace period from the chart's own value, and gives podwarden the maxHold that fits it", async () => {
    const { docs } = render(nginxSet());
    const { deployment, spec, sidecar } = nginxPod(docs);
    expect(spec.terminationGracePeriodSeconds).toBe(45);
    // The ConfigMap is the dependency's (it does not see this pod): the file is the same as without the grace period...
    const configMap = configMapOf(docs);
    const file = configMap.data?.['podwarden.yaml'] ?? '';
    expect(file).toContain('maxHold: 16s');
    expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
    expect(deployment.spec?.template.metadata?.annotations?.['checksum/podwarden-config']).toBe(sha256(file));
    // ...and podwarden runs with maxHold = 45 s - drainDelay 14 s.
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_MAX_HOLD')).toBe('31s');
    const config = await loadRenderedConfig(file, containerEnv(sidecar));
    expect(config.drain.maxHold).toBe(31_000);
    expect(config.shutdown.drainDelay).toBe(14_000);
  });

  it("checks the chart's grace period against the drain", () => {
    expect(renderError(nginxSet({ terminationGracePeriodSeconds: 20 }))).toContain(
      "podwarden: terminationGracePeriodSeconds (20) is shorter than config.shutdown.drainDelay (14s) + timing.appShutdownSeconds (5s) + podwarden's stop (2s: checks only) = 21s",
    );
  });

  it("finds the nginx pods for the metrics Service, the PodMonitor and the NetworkPolicy without a podSelector", () => {
    const { docs } = render(nginxSet({ 'podwarden.metrics.podMonitor.enabled': true, 'podwarden.networkPolicy.enabled': true, 'podwarden.networkPolicy.appPorts[0]': 8080 }));
    const labels = nginxPod(docs).deployment.spec?.template.metadata?.labels;
    expect(labels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web', 'podwarden/instance': 'web-podwarden' });
    expect(selects(one<IService>(docs, 'Service', '-metrics').spec?.selector, labels)).toBe(true);
    expect(selects(one<PodMonitor>(docs, 'PodMonitor').spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(one<INetworkPolicy>(docs, 'NetworkPolicy').spec?.podSelector.matchLabels, labels)).toBe(true);
  });
});

const aliasTokens = { 'api.drain.token': testToken, 'worker.drain.token': `${testToken.slice(0, -6)}worker` };
const aliasSet = (set: Record<string, string | number | boolean> = {}) => ({ chart: chartIn('umbrella-aliases'), release: 'shop', namespace: 'shop', set: { ...aliasTokens, ...set } });

describe('two aliases of the dependency in one chart (fixtures/umbrella-aliases)', () => {
  it('names every object after its alias: no kind and name twice', () => {
    const { docs } = render(aliasSet());
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    const names = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.map((n) => n.replace(/-config-[0-9a-f]{10}$/, '-config-<hash>')).sort()).toEqual(
      [
        'ConfigMap/shop-podwarden-api-config-<hash>',
        'ConfigMap/shop-podwarden-worker-config-<hash>',
        'Deployment/shop-api',
        'Deployment/shop-worker',
        'Pod/shop-podwarden-api-test-metrics',
        'Pod/shop-podwarden-worker-test-metrics',
        'Service/shop-podwarden-api-metrics',
        'Service/shop-podwarden-worker-metrics',
      ].sort(),
    );
    const lint = helm(['lint', chartIn('umbrella-aliases'), '--strict', ...Object.entries(aliasTokens).flatMap(([k, v]) => ['--set', `${k}=${v}`])]);
    expect(lint.stdout + lint.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it("gives each workload its own alias's ConfigMap, token and timing, and each metrics Service its own pods", async () => {
    const { docs } = render(aliasSet());
    const tokens: string[] = [];
    for (const alias of ['api', 'worker'] as const) {
      const deployment = one<IDeployment>(docs, 'Deployment', `-${alias}`);
      const spec = podSpecOf(deployment);
      const sidecar = podwardenContainer(spec).container;
      const app = spec.containers.find((c) => c.name === alias) as IContainer;
      const configMap = configMapOf(docs, `shop-podwarden-${alias}-`);
      expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
      const config = await loadRenderedConfig(configMap.data?.['podwarden.yaml'] ?? '', containerEnv(sidecar));
      expect(config.services.map((s) => s.name)).toEqual([alias]);
      expect(app.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: `Bearer ${config.drain.token}` }]);
      tokens.push(config.drain.token ?? '');
      // Each Deployment gets the timing of its own alias's profile (ingress-nginx: 14 s; kube-proxy: 11 s).
      expect(config.shutdown.drainDelay).toBe(alias === 'api' ? 14_000 : 11_000);
      const labels = deployment.spec?.template.metadata?.labels;
      expect(selects(one<IService>(docs, 'Service', `-${alias}-metrics`).spec?.selector, labels)).toBe(true);
      const other = alias === 'api' ? 'worker' : 'api';
      expect(selects(one<IService>(docs, 'Service', `-${other}-metrics`).spec?.selector, labels)).toBe(false);
    }
    expect(tokens).toEqual([aliasTokens['api.drain.token'], aliasTokens['worker.drain.token']]);
    expect(objectsOfKind(docs, 'Deployment')).toHaveLength(2);
  });

  it('refuses two aliases with the same token', () => {
    expect(renderError(aliasSet({ 'worker.drain.token': testToken }))).toContain(
      'podwarden: the dependencies api and worker have the same drain.token, so whoever may drain the pods of one may drain the other\'s too. Give each its own: api.drain.token and worker.drain.token (openssl rand -hex 32).',
    );
  });

  it("refuses values that are not a dependency's own, since the names would not match the dependency's", () => {
    writeFileSync(
      path.join(chartIn('umbrella-aliases'), 'templates/changed-values.yaml'),
      '{{- if .Values.changedValues }}\n{{- include "podwarden.volumes" (dict "context" $ "values" (merge (dict "replicaCount" 3) .Values.api)) }}\n{{- end }}\n',
    );
    expect(renderError(aliasSet({ changedValues: true }))).toContain(
      'podwarden: the values given to podwarden\'s named templates are not the values of a podwarden dependency of this chart. Pass them unchanged, (dict "context" $ "values" .Values.podwarden), or .Values.<alias> for a dependency with an alias: the templates name the objects after that key, as the dependency does.',
    );
  });
});
