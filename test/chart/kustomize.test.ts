/**
 * deploy/kustomize/podwarden: the component that adds podwarden to labelled
 * Deployments, built with the real `kubectl kustomize` and validated. Its /drain
 * token comes from the overlay; every build here runs in a copy of deploy/kustomize.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap } from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { type K8sObject, envValue, httpGetOf, kubectl, loadRenderedConfig, objectsOfKind, one, parseDocs, podSpecOf, podwardenContainer, repoRoot, requireTool, validateObject } from './support.js';

const token = 'a'.repeat(64);

/** A copy of deploy/kustomize at <root>/deploy/kustomize, with the example's token file when given. */
function copy(tokenFile: string | null = `token=${token}\n`): string {
  const root = mkdtempSync(path.join(tmpdir(), 'podwarden-kustomize-'));
  cpSync(path.join(repoRoot, 'deploy/kustomize'), path.join(root, 'deploy/kustomize'), { recursive: true });
  if (tokenFile !== null) writeFileSync(path.join(root, 'deploy/kustomize/example/drain-token.env'), tokenFile);
  return root;
}

function build(dir: string): K8sObject[] {
  const result = kubectl(['kustomize', dir]);
  if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseDocs(result.stdout);
}

describe('the kustomize component', () => {
  it('builds the example with kubectl kustomize into valid objects, twice the same', () => {
    const example = path.join(copy(), 'deploy/kustomize/example');
    const docs = build(example);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    expect(kubectl(['kustomize', example]).stdout).toBe(kubectl(['kustomize', example]).stdout);
  });

  it("adds podwarden as a native sidecar, wires the app container to it, and hands both the overlay's token", async () => {
    const docs = build(path.join(copy(), 'deploy/kustomize/example'));
    const spec = podSpecOf(one<IDeployment>(docs, 'Deployment'));
    const { container: sidecar, place } = podwardenContainer(spec);
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.args).toEqual(['serve', '--config', '/etc/podwarden/podwarden.yaml']);
    const configMap = one<IConfigMap>(docs, 'ConfigMap');
    // The generated name carries a content hash (a config change rolls the pods), and the volume follows it.
    expect(configMap.metadata?.name).toMatch(/^podwarden-config-[a-z0-9]{10}$/);
    expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toBe(token);
    const configText = configMap.data?.['podwarden.yaml'] ?? '';
    const config = await loadRenderedConfig(configText, { PODWARDEN_DRAIN_TOKEN: token });
    const port = config.server.port;
    const app = spec.containers[0];
    if (!app) throw new Error('no app container');
    expect(app.name).toBe('shop');
    expect(httpGetOf(app.startupProbe, 'startupProbe')).toEqual({ path: '/startupz', port });
    expect(httpGetOf(app.readinessProbe, 'readinessProbe')).toEqual({ path: '/readyz', port });
    // No liveness probe of podwarden's on the app: the workload's own stays (this one has none).
    expect(app.livenessProbe).toBeUndefined();
    expect(httpGetOf(sidecar.startupProbe, 'sidecar startupProbe')).toEqual({ path: '/startupz/podwarden', port });
    expect(httpGetOf(sidecar.livenessProbe, 'sidecar livenessProbe')).toEqual({ path: '/livez/podwarden', port });
    expect(app.lifecycle?.preStop?.httpGet).toEqual({ path: '/drain', port, scheme: 'HTTP', httpHeaders: [{ name: 'Authorization', value: `Bearer ${token}` }] });
    // /metrics on its own port; the drain state on an emptyDir.
    expect(sidecar.ports?.map((p) => p.containerPort)).toEqual([port, config.server.metricsPort]);
    expect(config.server.metricsPort).toBe(9464);
    const drain = (parseYaml(configText) as { drain: { stateFile: string; appCheck: string } }).drain;
    expect(drain).toMatchObject({ stateFile: '/run/podwarden/drain-state', appCheck: 'app' });
    expect(sidecar.volumeMounts?.find((m) => m.name === 'podwarden-state')?.mountPath).toBe('/run/podwarden');
    expect(spec.volumes?.find((v) => v.name === 'podwarden-state')?.emptyDir).toEqual({ sizeLimit: '1Mi' });
    // The chart's rule with its default profile (ingress-nginx: 8 s + 2 s x 2 + 2 s = 14 s).
    const grace = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const readiness = app.readinessProbe;
    expect(config.shutdown.drainDelay).toBeGreaterThanOrEqual((8 + (readiness?.periodSeconds ?? 0) * (readiness?.failureThreshold ?? 0) + 2) * 1000);
    expect(grace).toBeGreaterThanOrEqual(config.shutdown.drainDelay + 5000 + 2000);
    expect(config.drain.maxHold).toBeGreaterThanOrEqual(grace - config.shutdown.drainDelay);
    // Its own volumes and mounts stay.
    expect(spec.volumes?.map((v) => v.name).sort()).toEqual(['podwarden-config', 'podwarden-state', 'tmp']);
    expect(app.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('fails the build when the overlay gives no token, naming what is missing', () => {
    const root = copy(null);
    const example = path.join(root, 'deploy/kustomize/example');
    expect(kubectl(['kustomize', example]).stderr).toMatch(/env source files: \[drain-token\.env\]: .*drain-token\.env.*no such file or directory/);
    // An overlay without the podwarden-drain ConfigMap at all: the component's replacements have no source.
    writeFileSync(path.join(example, 'kustomization.yaml'), ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [deployment.yaml, service.yaml]', 'components: [../podwarden]', ''].join('\n'));
    const result = kubectl(['kustomize', example]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nothing selected by ConfigMap.[noVer].[noGrp]/podwarden-drain.[noNs]:data.token');
  });

  it('builds with the commands deploy/kustomize/README.md gives, run as written', () => {
    const root = copy(null);
    const readme = readFileSync(path.join(repoRoot, 'deploy/kustomize/README.md'), 'utf8');
    const script = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(script).toContain('openssl rand -hex 32');
    const kubectlDir = path.dirname(requireTool('kubectl', 'run `bash scripts/tools/helm.sh`'));
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${kubectlDir}${path.delimiter}${process.env.PATH ?? ''}` } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const docs = parseDocs(result.stdout);
    const made = readFileSync(path.join(root, 'deploy/kustomize/example/drain-token.env'), 'utf8').trim().slice('token='.length);
    expect(made).toMatch(/^[0-9a-f]{64}$/);
    expect(envValue(podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container, 'PODWARDEN_DRAIN_TOKEN')).toBe(made);
    rmSync(root, { recursive: true, force: true });
  });

  it('takes the token from any overlay (a literal here), and leaves Deployments without the podwarden/inject label alone', () => {
    const root = copy(null);
    const overlay = path.join(root, 'deploy/kustomize/example');
    writeFileSync(
      path.join(overlay, 'other.yaml'),
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
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [deployment.yaml, service.yaml, other.yaml]',
        'components: [../podwarden]',
        'configMapGenerator:',
        '  - name: podwarden-drain',
        `    literals: [token=rotated-${'b'.repeat(40)}]`,
        '    options:',
        '      disableNameSuffixHash: true',
        '      annotations: { config.kubernetes.io/local-config: "true" }',
        '',
      ].join('\n'),
    );
    const docs = build(overlay);
    const deployments = objectsOfKind<IDeployment>(docs, 'Deployment');
    expect(deployments.find((d) => d.metadata?.name === 'batch')?.spec?.template.spec).toEqual({ containers: [{ name: 'batch', image: 'busybox' }] });
    const spec = podSpecOf(deployments.find((d) => d.metadata?.name === 'shop') as IDeployment);
    expect(envValue(podwardenContainer(spec).container, 'PODWARDEN_DRAIN_TOKEN')).toBe(`rotated-${'b'.repeat(40)}`);
    expect(spec.containers[0]?.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: `Bearer rotated-${'b'.repeat(40)}` }]);
    // The token source is local config: used by the replacements, never applied.
    expect(docs.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata.name)).toEqual([expect.stringMatching(/^podwarden-config-/)]);
  });
});
