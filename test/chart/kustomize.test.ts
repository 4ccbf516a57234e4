/**
 * deploy/kustomize/podwarden: the component that adds podwarden to labelled
 * Deployments, built with the real `kubectl kustomize` and validated.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap } from 'kubernetes-models/v1';
import { parseConfig } from '../../src/config/load-config.js';
import { type K8sObject, envValue, httpGetOf, kubectl, objectsOfKind, one, parseDocs, podSpecOf, podwardenContainer, repoRoot, validateObject } from './support.js';

function build(dir: string): K8sObject[] {
  const result = kubectl(['kustomize', dir]);
  if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseDocs(result.stdout);
}

const exampleDir = path.join(repoRoot, 'deploy/kustomize/example');

describe('the kustomize component', () => {
  it('builds the example with kubectl kustomize into valid objects, twice the same', () => {
    const docs = build(exampleDir);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    expect(kubectl(['kustomize', exampleDir]).stdout).toBe(kubectl(['kustomize', exampleDir]).stdout);
  });

  it('adds podwarden as a native sidecar, wires the app container to it, and hands both the same token', async () => {
    const docs = build(exampleDir);
    const spec = podSpecOf(one<IDeployment>(docs, 'Deployment'));
    const { container: sidecar, place } = podwardenContainer(spec);
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.args).toEqual(['serve', '--config', '/etc/podwarden/podwarden.yaml']);
    const configMap = one<IConfigMap>(docs, 'ConfigMap');
    // The generated name carries a content hash (a config change rolls the pods), and the volume follows it.
    expect(configMap.metadata?.name).toMatch(/^podwarden-config-[a-z0-9]{10}$/);
    expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
    const token = envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN');
    expect(token).toBe('podwarden-kustomize-drain-guard');
    const config = await parseConfig(configMap.data?.['podwarden.yaml'] ?? '', { env: { PODWARDEN_DRAIN_TOKEN: token } });
    const port = config.server.port;
    const app = spec.containers[0];
    if (!app) throw new Error('no app container');
    expect(app.name).toBe('shop');
    expect(httpGetOf(app.startupProbe, 'startupProbe')).toEqual({ path: '/startupz', port });
    expect(httpGetOf(app.readinessProbe, 'readinessProbe')).toEqual({ path: '/readyz', port });
    expect(httpGetOf(app.livenessProbe, 'livenessProbe')).toEqual({ path: '/livez', port });
    expect(httpGetOf(sidecar.startupProbe, 'sidecar startupProbe')).toEqual({ path: '/startupz/podwarden', port });
    expect(httpGetOf(sidecar.livenessProbe, 'sidecar livenessProbe')).toEqual({ path: '/livez/podwarden', port });
    expect(app.lifecycle?.preStop?.httpGet).toEqual({ path: '/drain', port, scheme: 'HTTP', httpHeaders: [{ name: 'Authorization', value: `Bearer ${config.drain.token}` }] });
    // The timing rules the chart enforces hold for the component too.
    expect((spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(config.shutdown.drainDelay + config.shutdown.stopBudget + 5000);
    expect(config.shutdown.drainDelay).toBeGreaterThanOrEqual(7000);
    // Its own volumes and mounts stay.
    expect(spec.volumes?.map((v) => v.name).sort()).toEqual(['podwarden-config', 'tmp']);
    expect(app.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('leaves Deployments without the podwarden/inject label alone, and follows a token edited in drain-token.env', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'podwarden-kustomize-'));
    cpSync(path.join(repoRoot, 'deploy/kustomize/podwarden'), path.join(root, 'podwarden'), { recursive: true });
    cpSync(exampleDir, path.join(root, 'app'), { recursive: true });
    writeFileSync(path.join(root, 'podwarden/drain-token.env'), 'token=rotated-guard-2\n');
    writeFileSync(
      path.join(root, 'app/other.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: batch }',
        'spec:',
        '  selector: { matchLabels: { app: batch } }',
        '  template:',
        '    metadata: { labels: { app: batch } }',
        '    spec: { containers: [{ name: batch, image: busybox }] }',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(root, 'app/kustomization.yaml'), ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [deployment.yaml, service.yaml, other.yaml]', 'components: [../podwarden]', ''].join('\n'));
    const docs = build(path.join(root, 'app'));
    const deployments = objectsOfKind<IDeployment>(docs, 'Deployment');
    const batch = deployments.find((d) => d.metadata?.name === 'batch');
    expect(batch?.spec?.template.spec).toEqual({ containers: [{ name: 'batch', image: 'busybox' }] });
    const spec = podSpecOf(deployments.find((d) => d.metadata?.name === 'shop') as IDeployment);
    expect(envValue(podwardenContainer(spec).container, 'PODWARDEN_DRAIN_TOKEN')).toBe('rotated-guard-2');
    expect(spec.containers[0]?.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: 'Bearer rotated-guard-2' }]);
    // The token source is local config: used by the replacements, never applied.
    expect(docs.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata.name)).toEqual([expect.stringMatching(/^podwarden-config-/)]);
  });
});
