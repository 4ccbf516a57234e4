/**
 * docs/kubernetes-library.md: the manifest and the program it shows are the
 * files in examples/library; every object is valid Kubernetes; the pod keeps
 * the chart's timing rule and points its probes and preStop hook at the port
 * the program listens on, with the Secret's token; and the program, run with
 * the pod's environment, answers those probes and drains on that hook.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IService } from 'kubernetes-models/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { cleanEnv, NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';
import { cleanupPodwardens, request, tempDir } from '../helpers/podwarden.js';
import { blockPort } from '../helpers/ports.js';
import { derivedGraceSeconds, drainWiringOf, graceSecondsOf, minDrainDelaySeconds, minGraceSeconds, minMaxHoldSeconds, readinessDetectionSeconds } from '../chart/drain-rules.js';
import { configMapOf, httpGetOf, objectsOfKind, one, render, repoRoot, selects, validateObject } from '../chart/support.js';
import { type LibraryPod, readLibraryManifest } from './library-manifest.js';

const docFile = 'docs/kubernetes-library.md';
const manifestFile = 'examples/library/kubernetes.yaml';
const programFile = 'examples/library/kubernetes.mjs';
/** What the manifest is written for, as its header and the doc say. */
const manifestProfile = 'ingress-nginx';
const namedProfiles = ['kube-proxy', 'ingress-nginx', 'aws-load-balancer-controller', 'gke-neg'] as const;

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** The one fenced block of `lang` in the doc that contains `marker`. */
function docBlock(lang: string, marker: string): string {
  const found = [...read(docFile).matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '').filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`${docFile} has ${found.length} \`\`\`${lang} blocks with ${JSON.stringify(marker)}, expected one`);
  return found[0]!;
}

const chartFigures = new Map<string, { propagationSeconds: number; drainMarginSeconds: number }>();
/** The propagation figure and drain margin the chart resolves for `profile` (its ConfigMap's podwarden/timing annotation). */
function chartTiming(profile: string) {
  let figures = chartFigures.get(profile);
  if (!figures) {
    const configMap = configMapOf(render({ set: { 'timing.profile': profile } }).docs);
    figures = JSON.parse(configMap.metadata?.annotations?.['podwarden/timing'] ?? '{}') as { propagationSeconds: number; drainMarginSeconds: number };
    chartFigures.set(profile, figures);
  }
  return figures;
}

let generated: string | undefined;
/** The doc's command that makes shop.yaml, run as written in a folder holding a copy of the example: the manifest a user applies. */
function generatedManifest(): string {
  if (generated === undefined) {
    const root = tempDir('podwarden-k8slib-');
    mkdirSync(path.join(root, 'examples/library'), { recursive: true });
    cpSync(path.join(repoRoot, manifestFile), path.join(root, manifestFile));
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', docBlock('sh', '> shop.yaml')], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`the doc's command failed (${result.status}):\n${result.stderr}`);
    generated = readFileSync(path.join(root, 'shop.yaml'), 'utf8');
  }
  return generated;
}

afterEach(async () => {
  await cleanupPodwardens();
});

describe(`${docFile} shows the example files`, () => {
  it('shows examples/library/kubernetes.yaml and kubernetes.mjs as they are', () => {
    expect(docBlock('yaml', 'kind: Deployment')).toBe(read(manifestFile));
    expect(docBlock('js', 'addHttpService(server')).toBe(read(programFile));
  });
});

describe('the manifest', () => {
  it('is valid Kubernetes, as written and as the documented command makes it, with a fresh token in the Secret and the preStop header', () => {
    for (const text of [read(manifestFile), generatedManifest()]) {
      const { docs } = readLibraryManifest(text);
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Secret/shop-drain-token', 'Deployment/shop', 'Service/shop', 'PodDisruptionBudget/shop']);
      for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    }
    const pod = readLibraryManifest(generatedManifest());
    expect(pod.token).toMatch(/^[0-9a-f]{64}$/);
    expect(drainWiringOf(pod.container).bearerToken).toBe(pod.token);
    expect(generatedManifest()).not.toContain('__DRAIN_TOKEN__');
    expect(readLibraryManifest(generatedManifest()).token).not.toBe(readLibraryManifest(read(manifestFile)).token);
  });

  it('points every probe and the preStop hook at the health port the program listens on, with the Secret token', () => {
    const pod = readLibraryManifest(generatedManifest());
    const port = pod.healthPort;
    const wiring = drainWiringOf(pod.container);
    expect(wiring.startup).toEqual({ path: '/startupz', port });
    expect(wiring.readiness).toEqual({ path: '/readyz', port });
    expect(httpGetOf(pod.container.livenessProbe, 'livenessProbe')).toEqual({ path: '/livez', port });
    expect(wiring.preStop).toEqual({ path: '/drain', port, scheme: 'HTTP' });
    expect(wiring.bearerToken).toBe(pod.token);
    expect(pod.container.ports).toEqual([
      { name: 'http', containerPort: pod.appPort, protocol: 'TCP' },
      { name: 'health', containerPort: port, protocol: 'TCP' },
    ]);
    // Kubernetes takes only 1 for startup and liveness; podwarden answers from memory, but within the app's event loop.
    for (const probe of [pod.container.startupProbe, pod.container.livenessProbe]) expect(probe?.successThreshold).toBe(1);
    for (const probe of [pod.container.startupProbe, pod.container.readinessProbe, pod.container.livenessProbe]) expect(probe?.timeoutSeconds).toBeGreaterThanOrEqual(2);
    // node as PID 1, so the kubelet's SIGTERM reaches it.
    expect(pod.container.command?.[0]).toBe('node');
  });

  it(`keeps the chart's timing rule with the chart's figures for ${manifestProfile}`, () => {
    const pod = readLibraryManifest(read(manifestFile));
    const { propagationSeconds, drainMarginSeconds } = chartTiming(manifestProfile);
    expect(read(manifestFile)).toContain(`# Timing, for ${manifestProfile} in front (propagation ${propagationSeconds} s):`);
    const grace = graceSecondsOf(pod.spec);
    expect(pod.drainDelaySeconds).toBeGreaterThanOrEqual(
      minDrainDelaySeconds({ propagationSeconds, readinessDetectionSeconds: readinessDetectionSeconds(pod.container.readinessProbe), marginSeconds: drainMarginSeconds }),
    );
    // The app's shutdown is the stop phase: within stopBudget, and the hard deadline 1 s later.
    expect(grace).toBeGreaterThanOrEqual(minGraceSeconds({ drainDelaySeconds: pod.drainDelaySeconds, shutdownSeconds: 0, stopSeconds: pod.stopBudgetSeconds + 1 }));
    expect(pod.maxHoldSeconds).toBeGreaterThanOrEqual(minMaxHoldSeconds({ graceSeconds: grace, drainDelaySeconds: pod.drainDelaySeconds }));
    expect(pod.deployment.spec?.minReadySeconds).toBe(propagationSeconds);
    expect(pod.deployment.spec?.strategy?.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it("gives the timing table's figures for every profile, and the manifest those of its own", () => {
    const pod = readLibraryManifest(read(manifestFile));
    const doc = read(docFile);
    const section = doc.slice(doc.indexOf('\n## Timing\n'), doc.indexOf('\n## How it differs'));
    const rows = new Map<string, string[]>();
    for (const line of section.split('\n')) {
      const m = /^\| `([a-z-]+)`[^|]*\|(.*)\|$/.exec(line);
      if (m?.[1] && m[2]) rows.set(m[1], m[2].split('|').map((c) => c.trim()));
    }
    for (const profile of namedProfiles) {
      const { propagationSeconds, drainMarginSeconds } = chartTiming(profile);
      const drain = Math.ceil(minDrainDelaySeconds({ propagationSeconds, readinessDetectionSeconds: readinessDetectionSeconds(pod.container.readinessProbe), marginSeconds: drainMarginSeconds }));
      const grace = derivedGraceSeconds(minGraceSeconds({ drainDelaySeconds: drain, shutdownSeconds: 0, stopSeconds: pod.stopBudgetSeconds + 1 }));
      const row = [propagationSeconds, drain, grace, minMaxHoldSeconds({ graceSeconds: grace, drainDelaySeconds: drain }), propagationSeconds];
      expect(rows.get(profile), `${docFile} has a row for ${profile}`).toEqual(row.map((s) => `${s} s`));
      if (profile === manifestProfile) {
        expect([propagationSeconds, pod.drainDelaySeconds, graceSecondsOf(pod.spec), pod.maxHoldSeconds, pod.deployment.spec?.minReadySeconds]).toEqual(row);
      }
    }
  });

  it('publishes the API port only, never the health port, and the Service and the PDB select the pods', () => {
    const pod = readLibraryManifest(read(manifestFile));
    const labels = pod.deployment.spec?.template.metadata?.labels;
    expect(selects(pod.deployment.spec?.selector.matchLabels, labels)).toBe(true);
    const service = one<IService>(pod.docs, 'Service');
    expect(selects(service.spec?.selector, labels)).toBe(true);
    const byName = new Map(pod.container.ports?.map((p) => [p.name, p.containerPort]));
    const targets = service.spec?.ports?.map((p) => (typeof p.targetPort === 'string' ? byName.get(p.targetPort) : p.targetPort));
    expect(targets).toEqual([pod.appPort]);
    for (const pdb of objectsOfKind<IPodDisruptionBudget>(pod.docs, 'PodDisruptionBudget')) expect(selects(pdb.spec?.selector?.matchLabels, labels)).toBe(true);
  });
});

/** The program, started with the pod's environment at free ports, its token file written as the kubelet mounts the Secret. */
async function startProgram(pod: LibraryPod, tokenFileContent: string | null = pod.token) {
  const dir = tempDir('podwarden-k8slib-');
  const tokenFile = path.join(dir, 'token');
  if (tokenFileContent !== null) writeFileSync(tokenFile, tokenFileContent);
  const healthPort = await blockPort('::');
  const appPort = await blockPort('::');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(pod.env)) if (value !== undefined) env[name] = value;
  Object.assign(env, { PODWARDEN_PORT: String(healthPort), PORT: String(appPort), PODWARDEN_DRAIN_TOKEN_FILE: tokenFile });
  const child = new NodeProcess([path.join(repoRoot, programFile)], { env, ownGroup: true });
  // The manifest's ports, to where this run listens.
  const local = new Map([
    [pod.healthPort, healthPort],
    [pod.appPort, appPort],
  ]);
  const get = (target: { path: string; port: number }, headers: Record<string, string> = {}) => {
    const port = local.get(target.port);
    if (port === undefined) throw new Error(`port ${target.port} is neither PODWARDEN_PORT nor PORT of the container`);
    return request(port, target.path, { headers });
  };
  return { child, tokenFile, get, url: (target: { path: string; port: number }) => `http://127.0.0.1:${local.get(target.port)}${target.path}` };
}

/** Ask `ask` until it answers `status`, or fail after `timeoutMs`. */
async function untilStatus(ask: () => Promise<{ status: number }>, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = (await ask()).status;
    if (last === status) return;
    if (Date.now() > deadline) throw new Error(`answered ${last}, not ${status}, for ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe("the program, run with the pod's environment", () => {
  it("answers the manifest's startup, readiness and liveness probes with 200, serves the API, and runs with the manifest's drain delay", async () => {
    const pod = readLibraryManifest(generatedManifest());
    const { child, get } = await startProgram(pod);
    try {
      await child.waitFor((l) => l.event === 'phase' && l.phase === 'running', 15_000);
      for (const probe of [pod.container.startupProbe, pod.container.readinessProbe, pod.container.livenessProbe]) {
        const target = httpGetOf(probe, 'probe');
        expect(await get(target), target.path).toMatchObject({ status: 200, body: 'ok' });
      }
      expect(await get({ path: '/', port: pod.appPort })).toMatchObject({ status: 200, body: 'hello from shop\n' });
      const json = JSON.parse((await get({ path: '/readyz', port: pod.healthPort }, { accept: 'application/json' })).body) as { shutdown: { drainDelaySeconds: number } };
      expect(json.shutdown.drainDelaySeconds).toBe(pod.drainDelaySeconds);
    } finally {
      child.kill();
    }
  });

  it('drains on the preStop call with the Secret token, answers it after the drain delay, and exits 0 on the SIGTERM that follows', async () => {
    const pod = readLibraryManifest(generatedManifest());
    const { child, get, url } = await startProgram(pod);
    try {
      await child.waitFor((l) => l.event === 'phase' && l.phase === 'running', 15_000);
      const hook = drainWiringOf(pod.container).preStop;
      const readyz = { path: '/readyz', port: pod.healthPort };
      // Without the token, or with another, nothing drains.
      expect((await get(hook)).status).toBe(401);
      expect((await get(hook, { authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401);
      expect((await get(readyz)).status).toBe(200);
      // The kubelet's call: the hook's path, port and headers as the pod spec gives them.
      const headers = Object.fromEntries((pod.container.lifecycle?.preStop?.httpGet?.httpHeaders ?? []).map((h) => [h.name, h.value]));
      const calledAt = performance.now();
      const answer = fetch(url(hook), { headers, signal: AbortSignal.timeout(60_000) }).then(async (res) => ({ status: res.status, body: await res.text(), ms: performance.now() - calledAt }));
      await untilStatus(() => get(readyz), 503, 5000);
      expect((await get({ path: '/livez', port: pod.healthPort })).status).toBe(200);
      const api = await fetch(url({ path: '/', port: pod.appPort }));
      expect(api.status).toBe(200);
      expect(api.headers.get('connection')).toBe('close');
      const drained = await answer;
      expect(drained).toMatchObject({ status: 200, body: 'drained\n' });
      expect(drained.ms).toBeGreaterThanOrEqual(pod.drainDelaySeconds * 1000 - 50);
      const signalledAt = performance.now();
      child.signal('SIGTERM');
      const exit = await child.exited;
      expect(exit.code, child.output).toBe(0);
      expect(exit.at - signalledAt).toBeLessThan((pod.stopBudgetSeconds + 1) * 1000);
      const phases = child.lines.filter((l) => l.event === 'phase').map((l) => l.phase);
      expect(phases).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    } finally {
      child.kill();
    }
  }, 60_000);

  it('drains on SIGTERM alone, as after a failed preStop hook: /readyz 503, /livez 200, the API serving', async () => {
    const pod = readLibraryManifest(generatedManifest());
    const { child, get } = await startProgram(pod);
    try {
      await child.waitFor((l) => l.event === 'phase' && l.phase === 'running', 15_000);
      child.signal('SIGTERM');
      await untilStatus(() => get({ path: '/readyz', port: pod.healthPort }), 503, 5000);
      expect((await get({ path: '/livez', port: pod.healthPort })).status).toBe(200);
      expect((await get({ path: '/', port: pod.appPort })).status).toBe(200);
      // A second SIGTERM skips the rest of the drain.
      child.signal('SIGTERM');
      expect((await child.exited).code, child.output).toBe(0);
    } finally {
      child.kill();
    }
  });

  it('refuses the unreplaced placeholder and a missing token file with exit code 2 and the fix, as the doc shows', async () => {
    const placeholder = readLibraryManifest(read(manifestFile));
    const refused = await startProgram(placeholder);
    expect((await refused.child.exited).code).toBe(2);
    expect(refused.child.stderr.replace(refused.tokenFile, placeholder.tokenFile)).toBe(docBlock('text', 'shop: the /drain token'));
    const missing = await startProgram(readLibraryManifest(generatedManifest()), null);
    expect((await missing.child.exited).code).toBe(2);
    expect(missing.child.stderr).toBe(`shop: cannot read the /drain token from ${missing.tokenFile} (ENOENT): mount the drain token Secret there, or set PODWARDEN_DRAIN_TOKEN\n`);
  });
});

describe('running it on your machine', () => {
  let shell: ChildProcess | undefined;
  afterEach(() => {
    if (shell?.pid !== undefined && shell.exitCode === null) process.kill(-shell.pid, 'SIGKILL');
  });

  it('starts with the documented command, answers /readyz and the API, and Ctrl-C stops it with 130', async () => {
    const healthPort = await blockPort('::');
    const appPort = await blockPort('::');
    shell = spawn('bash', ['-c', docBlock('sh', 'node examples/library/kubernetes.mjs')], {
      cwd: repoRoot,
      env: cleanEnv({ PODWARDEN_PORT: String(healthPort), PORT: String(appPort) }),
      stdio: 'ignore',
      detached: true,
    });
    const exited = once(shell, 'exit');
    await untilStatus(() => request(healthPort, '/readyz').catch(() => ({ status: 0 })), 200, 15_000);
    expect((await request(appPort, '/')).body).toBe('hello from shop\n');
    process.kill(-shell.pid!, 'SIGINT');
    expect((await exited)[0]).toBe(130);
  });
});
