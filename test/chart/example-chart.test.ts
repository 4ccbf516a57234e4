/**
 * examples/helm/shop: a chart that depends on charts/podwarden (file://) and
 * wires its own Deployment with podwarden's named templates. Built with the
 * real `helm dependency build` in a copy of the tree, so the repo stays clean.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap, IService } from 'kubernetes-models/v1';
import { type PrometheusRule, type ServiceMonitor } from './monitoring-objects.js';
import { containerEnv, helm, helmBinary, helmEnv, httpGetOf, loadRenderedConfig, one, podSpecOf, podwardenContainer, render, renderError, repoRoot, selects, sha256, testToken, validateObject } from './support.js';

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
    expect(config.services.map((s) => [s.name, [...s.probes].sort()])).toEqual([
      ['shop', ['readiness', 'startup']],
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
