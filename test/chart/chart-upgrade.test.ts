/**
 * `helm upgrade`, `helm rollback` and `kubectl rollout undo` with the real helm and kubectl
 * and no cluster, against an API server stub (api-server-stub.ts).
 *
 * From chart 0.1.0: the 0.1.0 release (the packaged 0.1.0 chart and a 0.1.0 user's values,
 * test/chart/fixtures/upgrade) is made by `helm install --dry-run=client` and handed to
 * helm's in-memory release storage (HELM_DRIVER=memory, HELM_MEMORY_DRIVER_DATA); `helm
 * upgrade --dry-run=client` then runs helm's real upgrade path — the stored release, its
 * values, --reuse-values and --reset-then-reuse-values, the new chart's schema and
 * templates. Nothing is applied.
 *
 * A config change: helm installs, upgrades, rolls back and uninstalls for real against the
 * stub's object store (releases in Secrets, as by default), so the test sees what helm
 * creates, keeps and deletes; the ReplicaSets the Deployment controller would make are put
 * in by hand, so the real `kubectl rollout undo` has a history to go back to.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IPodSpec, IService } from 'kubernetes-models/v1';
import { type ApiServerStub, type StoredObject, startApiServerStub, stubKubeconfig } from './api-server-stub.js';
import { type K8sObject, chartDir, configMapOf, helmBinary, helmEnv, one, parseDocs, podSpecOf, podwardenContainer, repoRoot, requireTool, sha256, testToken, validateObject } from './support.js';

const fixtures = path.join(repoRoot, 'test/chart/fixtures/upgrade');
const oldChart = path.join(fixtures, 'podwarden-0.1.0.tgz');
const oldValues = path.join(fixtures, 'values-0.1.0.yaml');
const newValues = path.join(fixtures, 'values-0.2.0.yaml');

let stub: ApiServerStub | undefined;
let env: NodeJS.ProcessEnv = {};

type RunResult = { code: number; stdout: string; stderr: string };

/** A tool, run asynchronously: the API stub answers from this process's event loop. */
function runAsync(file: string, args: readonly string[], runEnv: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: runEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** helm with the 0.1.0 release in its in-memory storage. */
function runHelm(args: readonly string[]): Promise<RunResult> {
  return runAsync(helmBinary(), args, env);
}

interface Release {
  version: number;
  info: { status: string };
  config?: Record<string, unknown>;
  manifest: string;
  /** The config ConfigMap is a hook (pre-install, pre-upgrade, pre-rollback), not in the manifest. */
  hooks?: Array<{ manifest: string; events: string[] }>;
}

/** `helm upgrade web <this chart> -n shop --dry-run=client -o json …` on top of the stored 0.1.0 release. */
async function upgrade(args: readonly string[]): Promise<{ ok: true; release: Release } | { ok: false; error: string }> {
  const result = await runHelm(['upgrade', 'web', chartDir, '--namespace', 'shop', '--dry-run=client', '--output', 'json', ...args]);
  if (result.code !== 0) return { ok: false, error: result.stderr };
  return { ok: true, release: JSON.parse(result.stdout) as Release };
}

async function upgradeError(args: readonly string[]): Promise<string> {
  const result = await upgrade(args);
  if (result.ok) throw new Error('helm upgrade succeeded but was expected to fail');
  return result.error;
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-upgrade-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  stub = await startApiServerStub();
  writeFileSync(kubeconfig, stubKubeconfig(stub.url, 'shop'));
  env = { ...helmEnv(), KUBECONFIG: kubeconfig };
  // The 0.1.0 release as `helm install` would have stored it.
  const installed = await runHelm(['install', 'web', oldChart, '--namespace', 'shop', '--dry-run=client', '--output', 'json', '--values', oldValues]);
  if (installed.code !== 0) throw new Error(`installing the 0.1.0 chart failed:\n${installed.stderr}`);
  const release = JSON.parse(installed.stdout) as Release & { chart: { metadata: { version: string } } };
  expect(release.chart.metadata.version).toBe('0.1.0');
  release.info.status = 'deployed';
  const data = path.join(dir, 'releases.json');
  writeFileSync(data, JSON.stringify([release]));
  env = { ...env, HELM_DRIVER: 'memory', HELM_MEMORY_DRIVER_DATA: data };
  const listed = await runHelm(['list', '--namespace', 'shop']);
  expect(listed.stdout).toMatch(/^web\s+shop\s+1\s+.*deployed\s+podwarden-0\.1\.0\s+0\.1\.0\s*$/m);
}, 60_000);

afterAll(async () => {
  await stub?.close();
});

describe('helm upgrade from chart 0.1.0', () => {
  it("stops on the 0.1.0 user's values with the upgrade note's first message", async () => {
    expect(await upgradeError(['--values', oldValues])).toContain(
      'podwarden: drain.tokenSalt is gone since chart 0.2.0: a token derived from the namespace, the release and a salt can be computed by anyone who knows them. Remove drain.tokenSalt (--set drain.tokenSalt=null) and set drain.token to a secret of your own (openssl rand -hex 32); see docs/helm.md, "Upgrading from 0.1.0".',
    );
  });

  it('names each breaking change in turn, as the values are fixed one by one', async () => {
    const steps: Array<[string[], string]> = [
      [['--set', 'drain.tokenSalt=null'], 'podwarden: networkPolicy.from is networkPolicy.metricsFrom since chart 0.2.0'],
      [['--set', 'networkPolicy.from=null'], 'podwarden: drain.token is not set.'],
      [['--set', `drain.token=${testToken}`], 'podwarden: timing.endpointPropagationSeconds (20) is set, but timing.profile is ingress-nginx'],
      [['--set', 'timing.profile=custom'], 'podwarden: config.shutdown.drainDelay (25s) is shorter than timing.profile custom needs: propagation 20s + readiness detection 4s'],
    ];
    const args = ['--values', oldValues];
    for (const [fix, next] of steps) {
      args.push(...fix);
      expect(await upgradeError(args), fix.join(' ')).toContain(next);
    }
    args.push('--set', 'config.shutdown.drainDelay=null');
    const last = await upgrade(args);
    expect(last.ok ? '' : last.error).toBe('');
  });

  it('passes with the values the upgrade note describes, and changes what it says', async () => {
    const result = await upgrade(['--values', newValues]);
    if (!result.ok) throw new Error(result.error);
    expect(result.release.version).toBe(2);
    expect(result.release.info.status).toBe('pending-upgrade');
    const docs = parseDocs(result.release.manifest);
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    const spec = podSpecOf(one<IDeployment>(docs, 'Deployment'));
    const sidecar = podwardenContainer(spec).container;
    expect(sidecar.env?.find((e) => e.name === 'PODWARDEN_DRAIN_TOKEN')?.value).toBe(testToken);
    expect(sidecar.image).toBe('ghcr.io/podwarden/podwarden:0.2.0');
    expect(spec.terminationGracePeriodSeconds).toBe(45);
    expect(one<IService>(docs, 'Service', '-metrics').spec?.ports?.map((p) => p.port)).toEqual([9464]);
    const app = spec.containers.find((c) => c.name === 'app');
    expect(app?.livenessProbe?.httpGet).toEqual({ path: '/', port: 8080 });
    const configMap = configMapOf(parseDocs((result.release.hooks ?? []).map((h) => h.manifest).join('\n---\n')));
    expect(configMap.data?.['podwarden.yaml']).toContain('drainDelay: 26s');
    expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMap.metadata?.name);
  });

  it('--reuse-values stops with a message that names --reset-then-reuse-values', async () => {
    const reused = await upgradeError(['--reuse-values']);
    expect(reused).toContain(
      'podwarden: these values have no timing.profile, which the values.yaml of chart 0.2.0 sets: they are the values of an older chart (helm upgrade --reuse-values keeps the old chart\'s defaults). Upgrade with --reset-then-reuse-values, or pass your values files again; see docs/helm.md, "Upgrading from 0.1.0".',
    );
  });

  it('--reset-then-reuse-values passes with the --set changes the upgrade note lists', async () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Upgrading from 0.1.0'));
    const command = /```sh\n(helm upgrade [^`]*--reset-then-reuse-values[^`]*?)\n```/.exec(section)?.[1];
    expect(command, 'docs/helm.md shows the --reset-then-reuse-values command').toBeDefined();
    // The documented command, with this test's chart, release and token, as a dry run.
    const args = (command ?? '')
      .replaceAll('\\\n', ' ')
      .replace('$(openssl rand -hex 32)', testToken)
      .split(/\s+/)
      .filter(Boolean)
      .slice(4)
      .map((a) => a.replace(/^'(.*)'$/, '$1'));
    const result = await upgrade(args);
    if (!result.ok) throw new Error(result.error);
    expect(result.release.config).toMatchObject({ drain: { token: testToken }, timing: { profile: 'custom', endpointPropagationSeconds: 20 } });
    expect(result.release.config?.drain).not.toHaveProperty('tokenSalt');
  });
});

/** The ReplicaSet the Deployment controller makes for the Deployment's template now, as revision `revision`: what `kubectl rollout undo` goes back to. */
function recordRevision(api: ApiServerStub, namespace: string, name: string, revision: number): StoredObject {
  const deployment = api.objects('Deployment', namespace).get(name);
  if (!deployment) throw new Error(`no Deployment ${name}`);
  const spec = deployment.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
  const hash = sha256(JSON.stringify(spec.template)).slice(0, 10);
  const template = structuredClone(spec.template);
  template.metadata.labels['pod-template-hash'] = hash;
  const replicaSet: StoredObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`,
      namespace,
      labels: template.metadata.labels,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { ...spec.selector.matchLabels, 'pod-template-hash': hash } }, template },
  };
  api.put(replicaSet);
  api.put({ ...deployment, metadata: { ...deployment.metadata, annotations: { ...deployment.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) } } });
  return replicaSet;
}

/** The name of the ConfigMap a pod template (of a Deployment or a ReplicaSet) mounts at podwarden-config. */
function configMapNameOf(workload: StoredObject | K8sObject | undefined): string | undefined {
  const spec = (workload?.spec as { template?: { spec?: IPodSpec } } | undefined)?.template?.spec;
  return spec?.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name;
}

describe('a config change through helm upgrade, kubectl rollout undo, helm rollback and helm uninstall', () => {
  const namespace = 'shop';
  let shopEnv: NodeJS.ProcessEnv = {};
  const helmShop = (args: readonly string[]) => runAsync(helmBinary(), args, shopEnv);
  const kubectlShop = (args: readonly string[]) => runAsync(requireTool('kubectl', 'run `bash scripts/tools/helm.sh`'), args, shopEnv);
  const api = () => {
    if (!stub) throw new Error('no API stub');
    return stub;
  };
  const configMaps = () => api().objects('ConfigMap', namespace);
  const deployment = () => api().objects('Deployment', namespace).get('shop-podwarden');
  const ok = (result: RunResult) => expect(result.code, result.stderr).toBe(0);
  const revisions: { first?: string; second?: string; firstReplicaSet?: StoredObject; secondReplicaSet?: StoredObject } = {};

  beforeAll(() => {
    const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'podwarden-history-')), 'kubeconfig');
    writeFileSync(kubeconfig, stubKubeconfig(api().url, namespace));
    // helm's default release storage (Secrets, through the stub): installs and upgrades are applied.
    shopEnv = { ...helmEnv(), KUBECONFIG: kubeconfig };
  });

  it("revision 2 with a changed config mounts a ConfigMap of its own and leaves revision 1's in place", async () => {
    ok(await helmShop(['install', 'shop', chartDir, '--namespace', namespace, '--set', `drain.token=${testToken}`]));
    revisions.first = configMapNameOf(deployment());
    const first = configMaps().get(revisions.first ?? '');
    expect(first?.immutable).toBe(true);
    expect(String((first?.data as Record<string, string>)['podwarden.yaml'])).toContain('drainDelay: 14s');
    revisions.firstReplicaSet = recordRevision(api(), namespace, 'shop-podwarden', 1);

    ok(await helmShop(['upgrade', 'shop', chartDir, '--namespace', namespace, '--set', `drain.token=${testToken}`, '--set', 'timing.profile=kube-proxy']));
    revisions.second = configMapNameOf(deployment());
    expect(revisions.second).toMatch(/^shop-podwarden-config-[0-9a-f]{10}$/);
    expect(revisions.second).not.toBe(revisions.first);
    const second = configMaps().get(revisions.second ?? '');
    const secondFile = String((second?.data as Record<string, string>)['podwarden.yaml']);
    expect(secondFile).toContain('drainDelay: 11s');
    expect((deployment()?.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['checksum/podwarden-config']).toBe(sha256(secondFile));
    // Helm left revision 1's ConfigMap in place, unchanged.
    expect(configMaps().get(revisions.first ?? '')?.data).toEqual(first?.data);
    revisions.secondReplicaSet = recordRevision(api(), namespace, 'shop-podwarden', 2);

    // The Deployment of revision 1, which its ReplicaSet (and `kubectl rollout undo`) brings back, mounts a ConfigMap that exists.
    const manifest = await helmShop(['get', 'manifest', 'shop', '--namespace', namespace, '--revision', '1']);
    ok(manifest);
    const firstDeployment = one<K8sObject>(parseDocs(manifest.stdout), 'Deployment');
    expect(configMapNameOf(firstDeployment)).toBe(revisions.first);
    expect(configMaps().has(revisions.first ?? '')).toBe(true);
  });

  it("kubectl rollout undo brings back revision 1's template, and its ConfigMap is there", async () => {
    ok(await kubectlShop(['rollout', 'undo', 'deployment/shop-podwarden', '--namespace', namespace]));
    expect(configMapNameOf(deployment())).toBe(revisions.first);
    const file = String((configMaps().get(revisions.first ?? '')?.data as Record<string, string>)['podwarden.yaml']);
    expect((deployment()?.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['checksum/podwarden-config']).toBe(sha256(file));
  });

  it("helm rollback to revision 1 mounts revision 1's ConfigMap, and leaves revision 2's to its ReplicaSet", async () => {
    ok(await helmShop(['rollback', 'shop', '1', '--namespace', namespace]));
    expect(configMapNameOf(deployment())).toBe(revisions.first);
    expect(configMaps().has(revisions.first ?? '')).toBe(true);
    expect(configMaps().has(revisions.second ?? '')).toBe(true);
    // And back to revision 2's config: the ConfigMap it needs is there again.
    ok(await helmShop(['upgrade', 'shop', chartDir, '--namespace', namespace, '--set', `drain.token=${testToken}`, '--set', 'timing.profile=kube-proxy']));
    expect(configMapNameOf(deployment())).toBe(revisions.second);
    ok(await helmShop(['rollback', 'shop', '3', '--namespace', namespace]));
    expect(configMapNameOf(deployment())).toBe(revisions.first);
  });

  /** The cleanup command of docs/helm.md, run as written with bash (kubectl from the test's tools). */
  async function cleanup(): Promise<RunResult> {
    const doc = readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8');
    const script = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((block) => block.includes('component=podwarden-config'));
    expect(script, 'docs/helm.md shows the cleanup command').toBeDefined();
    const kubectlDir = path.dirname(requireTool('kubectl', 'run `bash scripts/tools/helm.sh`'));
    return runAsync('bash', ['-eu', '-c', script ?? ''], { ...shopEnv, PATH: `${kubectlDir}${path.delimiter}${process.env.PATH ?? ''}` });
  }

  it('the cleanup in docs/helm.md deletes the ConfigMaps that nothing mounts any more, and only those', async () => {
    // Revision 2's ReplicaSet falls out of the Deployment's revisionHistoryLimit.
    api().objects('ReplicaSet', namespace).delete(revisions.secondReplicaSet?.metadata.name ?? '');
    // What the cleanup must leave: another release's, and a ConfigMap that is not podwarden's.
    const other = structuredClone(configMaps().get(revisions.second ?? ''));
    if (!other) throw new Error('no ConfigMap to copy');
    api().put({ ...other, metadata: { ...other.metadata, name: 'other-podwarden-config-0123456789', labels: { ...other.metadata.labels, 'app.kubernetes.io/instance': 'other' } } });
    api().put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-settings', namespace, labels: { 'app.kubernetes.io/instance': 'shop' } }, data: {} });
    const before = [...configMaps().keys()].sort();

    const result = await cleanup();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([`configmap "${revisions.second}" deleted from ${namespace} namespace`]);
    expect([...configMaps().keys()].sort()).toEqual(before.filter((name) => name !== revisions.second));
    // What the Deployment and revision 1's ReplicaSet mount stays.
    expect(configMaps().has(revisions.first ?? '')).toBe(true);
    expect(configMapNameOf(revisions.firstReplicaSet)).toBe(revisions.first);
  });

  it('helm uninstall leaves the ConfigMaps, and the same cleanup removes them once nothing mounts them', async () => {
    ok(await helmShop(['uninstall', 'shop', '--namespace', namespace]));
    expect(deployment()).toBeUndefined();
    expect(configMaps().has(revisions.first ?? '')).toBe(true);
    // The garbage collector removes the ReplicaSets of the deleted Deployment.
    for (const name of [...api().objects('ReplicaSet', namespace).keys()]) api().objects('ReplicaSet', namespace).delete(name);
    const result = await cleanup();
    expect(result.code).toBe(0);
    expect([...configMaps().values()].filter((c) => c.metadata.labels?.['app.kubernetes.io/instance'] === 'shop' && c.metadata.labels['app.kubernetes.io/component'] === 'podwarden-config')).toEqual([]);
    expect(configMaps().has('other-podwarden-config-0123456789')).toBe(true);
  });
});
