/**
 * `helm upgrade` from chart 0.1.0, with the real helm and no cluster: the 0.1.0 release
 * (the packaged 0.1.0 chart and a 0.1.0 user's values, test/chart/fixtures/upgrade) is
 * made by `helm install --dry-run=client` and handed to helm's in-memory release storage
 * (HELM_DRIVER=memory, HELM_MEMORY_DRIVER_DATA); `helm upgrade --dry-run=client` then runs
 * helm's real upgrade path — the stored release, its values, --reuse-values and
 * --reset-then-reuse-values, the new chart's schema and templates — against a stub that
 * answers only the API server's version and discovery. Nothing is applied.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import { chartDir, helmBinary, helmEnv, one, parseDocs, podSpecOf, podwardenContainer, repoRoot, testToken, validateObject } from './support.js';

const fixtures = path.join(repoRoot, 'test/chart/fixtures/upgrade');
const oldChart = path.join(fixtures, 'podwarden-0.1.0.tgz');
const oldValues = path.join(fixtures, 'values-0.1.0.yaml');
const newValues = path.join(fixtures, 'values-0.2.0.yaml');

let api: Server | undefined;
let env: NodeJS.ProcessEnv = {};

/** An API server that answers what `helm upgrade --dry-run=client` asks: the version and discovery. */
async function startApiStub(): Promise<string> {
  const bodies: Record<string, object> = {
    '/version': { major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  };
  api = createServer((req, res) => {
    const body = bodies[(req.url ?? '').split('?')[0] ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
  });
  await new Promise<void>((resolve) => api?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

/** helm, run asynchronously: the API stub answers from this process's event loop. */
function runHelm(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(helmBinary(), args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

interface Release {
  version: number;
  info: { status: string };
  config?: Record<string, unknown>;
  manifest: string;
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
  const server = await startApiStub();
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'stub', cluster: { server } }],
      users: [{ name: 'stub', user: {} }],
      contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'shop' } }],
      'current-context': 'stub',
    }),
  );
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
  await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
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
    expect(result.release.manifest).toContain('drainDelay: 26s');
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
