/**
 * deploy/kustomize/podwarden: the component that adds podwarden to labelled
 * Deployments and StatefulSets, built with the real `kubectl kustomize` and
 * validated. Its /drain token comes from the overlay; every build here runs in a
 * copy of deploy/kustomize. The documented commands run as written.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IConfigMap } from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { type Workload, build, buildError, configTextOf, copy, fencedBlocks, markdownSection, overlays, removeCopies, shippedFiles, timingRuleBreaks, token, workload } from './kustomize-build.js';
import { type K8sObject, envValue, httpGetOf, kubectl, loadRenderedConfig, one, parseDocs, podwardenContainer, repoRoot, requireTool } from './support.js';

afterAll(removeCopies);

/** A kustomization.yaml from its lines. */
function kustomization(...lines: string[]): string {
  return ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...lines, ''].join('\n');
}

/** The token generator an overlay needs, with a literal token. */
const literalToken = (value: string): string[] => [
  'configMapGenerator:',
  '  - name: podwarden-drain',
  `    literals: [token=${value}]`,
  '    options:',
  '      disableNameSuffixHash: true',
  '      annotations: { config.kubernetes.io/local-config: "true" }',
];

describe('the kustomize component', () => {
  it('builds each shipped overlay into valid objects, twice the same', () => {
    const root = copy();
    const kinds = (docs: K8sObject[]): string[] => docs.map((d) => d.kind).sort();
    expect(kinds(build(path.join(root, overlays.example)))).toEqual(['ConfigMap', 'Deployment', 'Service']);
    expect(kinds(build(path.join(root, overlays.existing)))).toEqual(['ConfigMap', 'Deployment', 'Service', 'Service', 'StatefulSet']);
    expect(kinds(build(path.join(root, overlays.podwardenFirst)))).toEqual(['ConfigMap', 'Deployment', 'Service', 'Service', 'StatefulSet']);
    for (const overlay of Object.values(overlays)) {
      const dir = path.join(root, overlay);
      expect(kubectl(['kustomize', dir]).stdout).toBe(kubectl(['kustomize', dir]).stdout);
    }
  });

  it("adds podwarden as a native sidecar, wires the app container to it, and hands both the overlay's token", async () => {
    const docs = build(path.join(copy(), overlays.example));
    const spec = workload(docs, 'Deployment', 'shop').spec.template.spec;
    const { container: sidecar, place } = podwardenContainer(spec);
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.args).toEqual(['serve', '--config', '/etc/podwarden/podwarden.yaml']);
    const configMap = one<IConfigMap>(docs, 'ConfigMap');
    // The generated name carries a content hash (a config change rolls the pods), and the volume follows it.
    expect(configMap.metadata?.name).toMatch(/^podwarden-config-[a-z0-9]{10}$/);
    expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toBe(token);
    const configText = configTextOf(docs, spec);
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
    expect(app.lifecycle).toEqual({ preStop: { httpGet: { path: '/drain', port, scheme: 'HTTP', httpHeaders: [{ name: 'Authorization', value: `Bearer ${token}` }] } } });
    // /metrics on its own port; the drain state on an emptyDir.
    expect(sidecar.ports?.map((p) => p.containerPort)).toEqual([port, config.server.metricsPort]);
    expect(config.server.metricsPort).toBe(9464);
    const drain = (parseYaml(configText) as { drain: { stateFile: string; appCheck: string } }).drain;
    expect(drain).toMatchObject({ stateFile: '/run/podwarden/drain-state', appCheck: 'app' });
    expect(sidecar.volumeMounts?.find((m) => m.name === 'podwarden-state')?.mountPath).toBe('/run/podwarden');
    expect(spec.volumes?.find((v) => v.name === 'podwarden-state')?.emptyDir).toEqual({ sizeLimit: '1Mi' });
    // No grace period of the component's: Kubernetes' default 30 s, which the config's timing is for.
    expect(spec.terminationGracePeriodSeconds).toBeUndefined();
    expect(await timingRuleBreaks(docs, spec, app)).toEqual([]);
    // Its own volumes and mounts stay; podwarden's come after them.
    expect(spec.volumes?.map((v) => v.name)).toEqual(['tmp', 'podwarden-config', 'podwarden-state']);
    expect(app.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('fails the build without a token or without the config, naming what is missing', () => {
    const example = path.join(copy(false), overlays.example);
    expect(buildError(example)).toMatch(/env source files: \[drain-token\.env\]: .*drain-token\.env.*no such file or directory/);
    // No podwarden-drain ConfigMap at all: the component's replacement has no source.
    writeFileSync(path.join(example, 'kustomization.yaml'), kustomization('resources: [deployment.yaml, service.yaml, ../podwarden/config]', 'components: [../podwarden]'));
    expect(buildError(example)).toContain('nothing selected by ConfigMap.[noVer].[noGrp]/podwarden-drain.[noNs]:data.token');
    // The token but not the config among the resources: no pod that mounts a ConfigMap that is not there.
    writeFileSync(path.join(example, 'kustomization.yaml'), kustomization('resources: [deployment.yaml, service.yaml]', 'components: [../podwarden]', ...literalToken('t'.repeat(64))));
    expect(buildError(example)).toContain('nothing selected by ConfigMap.[noVer].[noGrp]/podwarden-config.[noNs]:metadata.name');
  });

  it('takes the token from any overlay (a literal here), and leaves Deployments without the podwarden/inject label alone', () => {
    const overlay = path.join(copy(false), overlays.example);
    writeFileSync(
      path.join(overlay, 'other.yaml'),
      ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: batch }', 'spec:', '  selector: { matchLabels: { app: batch } }', '  template:', '    metadata: { labels: { app: batch } }', '    spec: { containers: [{ name: batch, image: busybox }] }', ''].join('\n'),
    );
    const rotated = `rotated-${'b'.repeat(40)}`;
    writeFileSync(path.join(overlay, 'kustomization.yaml'), kustomization('resources: [deployment.yaml, service.yaml, other.yaml, ../podwarden/config]', 'components: [../podwarden]', ...literalToken(rotated)));
    const docs = build(overlay);
    expect(workload(docs, 'Deployment', 'batch').spec.template.spec).toEqual({ containers: [{ name: 'batch', image: 'busybox' }] });
    const spec = workload(docs, 'Deployment', 'shop').spec.template.spec;
    expect(envValue(podwardenContainer(spec).container, 'PODWARDEN_DRAIN_TOKEN')).toBe(rotated);
    expect(spec.containers[0]?.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: `Bearer ${rotated}` }]);
    // The token source and the component's wiring are local config: used in the build, never applied.
    expect(docs.filter((d) => d.kind !== 'Deployment' && d.kind !== 'Service').map((d) => d.metadata.name)).toEqual([expect.stringMatching(/^podwarden-config-/)]);
  });

  it('leaves DaemonSets and Jobs alone, even when labelled', () => {
    const overlay = path.join(copy(), overlays.example);
    const template = ['  template:', '    metadata: { labels: { app: agent } }', '    spec: { restartPolicy: Never, containers: [{ name: agent, image: busybox }] }'];
    writeFileSync(
      path.join(overlay, 'others.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: { name: agent, labels: { podwarden/inject: "true" } }',
        'spec:',
        '  selector: { matchLabels: { app: agent } }',
        ...template.map((l) => l.replace('restartPolicy: Never, ', '')),
        '---',
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata: { name: once, labels: { podwarden/inject: "true" } }',
        'spec:',
        ...template,
        '',
      ].join('\n'),
    );
    const text = readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8');
    writeFileSync(path.join(overlay, 'kustomization.yaml'), text.replace('  - service.yaml\n', '  - service.yaml\n  - others.yaml\n'));
    const docs = build(overlay);
    expect(workload(docs, 'DaemonSet', 'agent').spec.template.spec).toEqual({ containers: [{ name: 'agent', image: 'busybox' }] });
    expect(workload(docs, 'Job', 'once').spec.template.spec).toEqual({ restartPolicy: 'Never', containers: [{ name: 'agent', image: 'busybox' }] });
    expect(podwardenContainer(workload(docs, 'Deployment', 'shop').spec.template.spec).place).toBe('initContainers');
  });
});

describe('the kustomize docs', () => {
  const kubectlDir = (): string => path.dirname(requireTool('kubectl', 'run `bash scripts/tools/helm.sh`'));

  /** Run a document's sh blocks in order, as a reader would, in one copy without token files: each block's result. */
  function runBlocks(blocks: readonly string[]): { stdout: string; stderr: string; status: number | null }[] {
    const root = copy(false);
    const env = { ...process.env, PATH: `${kubectlDir()}${path.delimiter}${process.env.PATH ?? ''}` };
    return blocks.map((script) => spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: root, encoding: 'utf8', env }));
  }

  /** Each wired workload of a build has a token made by `openssl rand -hex 32`, the same in all. */
  function expectMadeToken(stdout: string): void {
    const docs = parseDocs(stdout);
    const tokens = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet').map((d) => envValue(podwardenContainer((d as Workload).spec.template.spec).container, 'PODWARDEN_DRAIN_TOKEN'));
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
  }

  for (const [file, heading] of [
    ['deploy/kustomize/README.md', null],
    ['docs/helm.md', '## Kustomize'],
  ] as const) {
    const text = (): string => (heading ? markdownSection(file, heading) : readFileSync(path.join(repoRoot, file), 'utf8'));

    it(`${file}: every command builds, run as written`, () => {
      const blocks = fencedBlocks(text(), 'sh');
      expect(blocks.length).toBeGreaterThanOrEqual(2);
      expect(blocks.join('\n')).toContain('openssl rand -hex 32');
      for (const result of runBlocks(blocks)) {
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expectMadeToken(result.stdout);
      }
    });

    it(`${file}: every YAML snippet is the text of a YAML file under deploy/kustomize, which the tests build`, () => {
      const blocks = fencedBlocks(text(), 'yaml');
      expect(blocks.length).toBeGreaterThan(0);
      const files = [...shippedFiles()];
      for (const block of blocks) expect(files.filter(([, content]) => content.includes(block)).map(([name]) => name), block).not.toEqual([]);
    });
  }
});
