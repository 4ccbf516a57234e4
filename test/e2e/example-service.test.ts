/**
 * examples/service (README.md, server.mjs, fake-db.mjs, kubernetes.yaml): the
 * manifest is valid Kubernetes and keeps the library recipe's rules; the
 * program, run with the manifest's environment against the fake database,
 * is ready only once its pool is open and holds its exit while a job runs;
 * the README's commands work as written; and three pods of it roll under the
 * rolling-update simulation without a failed request.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { IService } from 'kubernetes-models/v1';
import { cleanEnv, NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';
import { request, tempDir } from '../helpers/podwarden.js';
import { blockPort, freePort } from '../helpers/ports.js';
import { drainWiringOf, graceSecondsOf, minDrainDelaySeconds, minGraceSeconds, minMaxHoldSeconds, readinessDetectionSeconds } from '../chart/drain-rules.js';
import { configMapOf, httpGetOf, one, render, repoRoot, selects, validateObject } from '../chart/support.js';
import { type LibraryPod, readLibraryManifest } from '../docs/library-manifest.js';
import { durationMs, inProcess, shutdownTiming } from './sim/pod-template.js';
import { expectNoRequestDropped, install, missingPieces, profileBalancers, rollouts, rounds, runInstalled, scenarioTimeout } from './rolling-update.js';

const readmeFile = 'examples/service/README.md';
const manifestFile = 'examples/service/kubernetes.yaml';
const program = path.join(repoRoot, 'examples/service/server.mjs');
const fakeDb = path.join(repoRoot, 'examples/service/fake-db.mjs');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

const missing = missingPieces() ?? (existsSync(path.join(repoRoot, 'dist/index.js')) ? undefined : 'the podwarden library (dist/index.js; npm run build)');
if (missing) throw new Error(`the example service needs ${missing}: run make test, which installs and builds them`);

/** The README's fenced sh blocks that contain `marker`: exactly one. */
function readmeBlock(marker: string): string {
  const found = [...read(readmeFile).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`${readmeFile} has ${found.length} sh blocks with ${JSON.stringify(marker)}, expected one`);
  return found[0]!;
}

/** The README's command that makes jobs.yaml, run as written in a folder holding a copy of the manifest. */
function generatedManifest(): string {
  const root = tempDir('podwarden-example-service-');
  spawnSync('mkdir', ['-p', path.join(root, 'examples/service')]);
  spawnSync('cp', [path.join(repoRoot, manifestFile), path.join(root, manifestFile)]);
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', readmeBlock('> jobs.yaml')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the README's command failed (${result.status}):\n${result.stderr}`);
  return readFileSync(path.join(root, 'jobs.yaml'), 'utf8');
}

/** Ask `ask` until it answers `status`, or fail after `timeoutMs`. */
async function untilStatus(ask: () => Promise<{ status: number }>, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = (await ask().catch(() => ({ status: 0 }))).status;
    if (last === status) return;
    if (Date.now() > deadline) throw new Error(`answered ${last}, not ${status}, for ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One line-protocol query to the fake database, on a connection of its own. */
async function dbQuery(port: number, line: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const answer = once(createInterface({ input: socket }), 'line');
  socket.write(`${line}\n`);
  const [text] = (await answer) as [string];
  socket.end();
  return text;
}

const children: NodeProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** fake-db.mjs on `port`, once it listens. */
async function startDb(port: number): Promise<NodeProcess> {
  const db = new NodeProcess([fakeDb, String(port)], { ownGroup: true });
  children.push(db);
  await db.waitFor((l) => l.msg === 'fake-db listening', 15_000);
  return db;
}

/** server.mjs with the pod's environment at free ports, the database at `dbPort`, and `env` on top. */
async function startProgram(pod: LibraryPod, dbPort: number, env: Record<string, string> = {}) {
  const healthPort = await blockPort('::');
  const appPort = await blockPort('::');
  const podEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(pod.env)) if (value !== undefined) podEnv[name] = value;
  const child = new NodeProcess([program], {
    env: { ...podEnv, PODWARDEN_PORT: String(healthPort), PORT: String(appPort), PODWARDEN_DRAIN_TOKEN: pod.token, DATABASE_URL: `tcp://127.0.0.1:${dbPort}`, ...env },
    ownGroup: true,
  });
  children.push(child);
  return { child, healthPort, appPort };
}

describe('the manifest', () => {
  it('is valid Kubernetes, as written and as the README makes it, with a fresh token in the Secret and the preStop header', () => {
    for (const text of [read(manifestFile), generatedManifest()]) {
      const { docs } = readLibraryManifest(text);
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Secret/jobs-drain-token', 'Deployment/jobs', 'Service/jobs', 'PodDisruptionBudget/jobs']);
      for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    }
    const pod = readLibraryManifest(generatedManifest());
    expect(pod.token).toMatch(/^[0-9a-f]{64}$/);
    expect(drainWiringOf(pod.container).bearerToken).toBe(pod.token);
  });

  it('points the probes and the preStop hook at the health port, publishes the API port only, and sets the database address', () => {
    const pod = readLibraryManifest(read(manifestFile));
    const port = pod.healthPort;
    const wiring = drainWiringOf(pod.container);
    expect(wiring.startup).toEqual({ path: '/startupz', port });
    expect(wiring.readiness).toEqual({ path: '/readyz', port });
    expect(httpGetOf(pod.container.livenessProbe, 'livenessProbe')).toEqual({ path: '/livez', port });
    expect(wiring.preStop).toEqual({ path: '/drain', port, scheme: 'HTTP' });
    expect(wiring.bearerToken).toBe(pod.token);
    expect(pod.container.command?.[0]).toBe('node');
    expect(pod.env.DATABASE_URL).toMatch(/^tcp:\/\/[a-z0-9.-]+:\d+$/);
    const service = one<IService>(pod.docs, 'Service');
    expect(selects(service.spec?.selector, pod.deployment.spec?.template.metadata?.labels)).toBe(true);
    const byName = new Map(pod.container.ports?.map((p) => [p.name, p.containerPort]));
    expect(service.spec?.ports?.map((p) => (typeof p.targetPort === 'string' ? byName.get(p.targetPort) : p.targetPort))).toEqual([pod.appPort]);
  });

  it("keeps the chart's timing rule for ingress-nginx, with a stop budget longer than the longest job the API takes", async () => {
    const pod = readLibraryManifest(generatedManifest());
    const configMap = configMapOf(render({ set: { 'timing.profile': 'ingress-nginx' } }).docs);
    const { propagationSeconds, drainMarginSeconds } = JSON.parse(configMap.metadata?.annotations?.['podwarden/timing'] ?? '{}') as { propagationSeconds: number; drainMarginSeconds: number };
    expect(read(manifestFile)).toContain(`# Timing, for ingress-nginx in front (propagation ${propagationSeconds} s):`);
    const grace = graceSecondsOf(pod.spec);
    expect(pod.drainDelaySeconds).toBeGreaterThanOrEqual(minDrainDelaySeconds({ propagationSeconds, readinessDetectionSeconds: readinessDetectionSeconds(pod.container.readinessProbe), marginSeconds: drainMarginSeconds }));
    expect(grace).toBeGreaterThanOrEqual(minGraceSeconds({ drainDelaySeconds: pod.drainDelaySeconds, shutdownSeconds: 0, stopSeconds: pod.stopBudgetSeconds + 1 }));
    expect(pod.maxHoldSeconds).toBeGreaterThanOrEqual(minMaxHoldSeconds({ graceSeconds: grace, drainDelaySeconds: pod.drainDelaySeconds }));
    expect(pod.deployment.spec?.minReadySeconds).toBe(propagationSeconds);
    // The longest job, as the running API states it when refusing a longer one: it holds the stop, so it fits in the stop budget.
    const dbPort = await freePort();
    await startDb(dbPort);
    const { child, appPort } = await startProgram(pod, dbPort);
    await child.waitFor((l) => l.event === 'phase' && l.phase === 'running', 15_000);
    const refused = await postJob(appPort, { ms: 10_000_000 });
    expect(refused.status).toBe(400);
    const longest = Number(/from 0 to (\d+)/.exec(refused.body)?.[1]);
    expect((await postJob(appPort, { ms: longest })).status).toBe(202);
    expect(pod.stopBudgetSeconds * 1000).toBeGreaterThan(longest);
  });
});

function postJob(port: number, body: unknown): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: JSON.stringify(body) }).then(async (res) => ({ status: res.status, body: await res.text() }));
}

describe("the program, with the manifest's environment and the fake database", () => {
  it('is not ready until the database listens and the pool has opened its connections', async () => {
    const pod = readLibraryManifest(generatedManifest());
    const dbPort = await freePort();
    const { child, healthPort, appPort } = await startProgram(pod, dbPort);
    await untilStatus(() => request(healthPort, '/livez'), 200, 15_000);
    await child.waitFor((l) => l.event === 'db-connect-failed', 15_000);
    expect((await request(healthPort, '/readyz')).status).toBe(503);
    expect((await request(healthPort, '/startupz')).status).toBe(503);
    // The API depends on the pool: it does not listen yet.
    await expect(request(appPort, '/')).rejects.toThrow(/ECONNREFUSED/);
    await startDb(dbPort);
    await untilStatus(() => request(healthPort, '/readyz'), 200, 15_000);
    const opened = child.lines.findIndex((l) => l.event === 'db-pool-open');
    const ready = child.lines.findIndex((l) => l.event === 'phase' && l.phase === 'running');
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(ready).toBeGreaterThan(opened);
    expect(child.lines[opened]).toMatchObject({ size: Number(pod.env.DB_POOL_SIZE) });
    expect((await request(appPort, '/')).body).toMatch(/^hello from /);
  });

  it('holds the exit after SIGTERM while a job runs, until it is done, and exits 0', async () => {
    const pod = readLibraryManifest(generatedManifest());
    const dbPort = await freePort();
    await startDb(dbPort);
    // The manifest's 14 s drain delay, shortened: the hold comes after it either way.
    const { child, healthPort, appPort } = await startProgram(pod, dbPort, { PODWARDEN_DRAIN_DELAY: '1s' });
    await child.waitFor((l) => l.event === 'phase' && l.phase === 'running', 15_000);
    const jobMs = 4000;
    const posted = await postJob(appPort, { ms: jobMs });
    expect(posted.status).toBe(202);
    const { id } = JSON.parse(posted.body) as { id: string };
    await untilStatus(async () => ({ status: (JSON.parse((await request(appPort, `/jobs/${id}`)).body) as { state: string }).state === 'running' ? 1 : 0 }), 1, 5000);
    const signalledAt = performance.now();
    child.signal('SIGTERM');
    await untilStatus(() => request(healthPort, '/readyz'), 503, 5000);
    const metrics = await request(healthPort, '/metrics');
    expect(metrics.body).toMatch(/^podwarden_server_holds 1$/m);
    // Past the drain delay the process waits on the job, and the job still sees the database.
    await child.waitFor((l) => l.event === 'hold-wait', 10_000);
    expect(child.alive).toBe(true);
    const exit = await child.exited;
    expect(exit.code, child.output).toBe(0);
    expect(exit.at - signalledAt).toBeGreaterThan(jobMs - 1000);
    expect(await dbQuery(dbPort, `GET job:${id}`)).toBe('done');
    const events = child.lines.map((l) => String(l.event));
    expect(events.indexOf('job-done')).toBeLessThan(events.indexOf('db-pool-closed'));
    expect(child.lines.find((l) => l.event === 'exit')).toMatchObject({ exitCode: 0 });
  }, 60_000);
});

describe('the README, run on your machine', () => {
  let shell: ChildProcess | undefined;
  afterEach(() => {
    if (shell?.pid !== undefined && shell.exitCode === null) process.kill(-shell.pid, 'SIGKILL');
  });

  it('starts with its commands, answers the curl commands, and Ctrl-C stops it with 130', async () => {
    const [healthPort, appPort, dbPort] = [await blockPort('::'), await blockPort('::'), await freePort()];
    const start = readmeBlock('node examples/service/server.mjs').replaceAll('15432', String(dbPort));
    shell = spawn('bash', ['-c', start], { cwd: repoRoot, env: cleanEnv({ PODWARDEN_PORT: String(healthPort), PORT: String(appPort) }), stdio: 'ignore', detached: true });
    const exited = once(shell, 'exit');
    await untilStatus(() => request(healthPort, '/readyz'), 200, 15_000);
    const curls = readmeBlock('curl -fsS localhost:8080/').replaceAll('7654', String(healthPort)).replaceAll('8080', String(appPort));
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', curls], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // /readyz answers `ok` without a newline; the job runs (or is about to) while the metrics are read.
    expect(run.stdout).toMatch(/^okhello from .*\n\{"id":"1","ms":5000,"state":"queued"\}\n\{"id":"1","ms":5000,"state":"(queued|running)"/);
    expect(run.stdout).toMatch(/^podwarden_server_holds [01]$/m);
    process.kill(-shell.pid!, 'SIGINT');
    expect((await exited)[0]).toBe(130);
  });
});

// docs/rolling-update.md, "In-process apps": the chart's Deployment (ingress-nginx, its balancers, and in-cluster clients
// that keep their connections) with the example service as its one container, SIGTERM at deletion.
describe('rolling update', () => {
  it('drops no request while three pods of the example service are replaced', { timeout: scenarioTimeout }, async () => {
    const dbPort = await freePort();
    await startDb(dbPort);
    const installed = await install();
    const shutdown = (installed.template.podwardenConfig?.shutdown ?? {}) as Record<string, unknown>;
    const health = { port: 'health' } as const;
    const template = inProcess(
      installed.template,
      { startup: { ...health, path: '/startupz' }, readiness: { ...health, path: '/readyz' }, liveness: { ...health, path: '/livez' } },
      { ...shutdownTiming(installed.template), stopTimeoutMs: durationMs(shutdown.stopTimeout ?? '5s') },
    );
    const result = await runInstalled('example-service', { template, rollout: installed.rollout }, [...profileBalancers['ingress-nginx'], { model: 'kube-proxy-keepalive' }], rollouts(rounds.other), {
      appArgs: [path.join(repoRoot, 'test/e2e/apps/service-app.mjs'), `tcp://127.0.0.1:${dbPort}`],
    });
    expectNoRequestDropped(expect, result, 3 * rounds.other);
    for (const t of result.terminations) expect(t.app.exit?.code, `${t.pod}\n${result.describe(t.pod)}`).toBe(0);
  });
});
