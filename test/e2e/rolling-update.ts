import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExpectStatic } from 'vitest';
import type { BalancerSpec } from './sim/balancer-models.js';
import { type ChartTiming, chartAvailable, podTemplateOf, renderChart, rolloutOf, timingOf } from './sim/chart.js';
import type { PodTemplate, RolloutSpec } from './sim/pod-template.js';
import { type ScenarioOptions, type ScenarioResult, type ScenarioRun, runScenario } from './sim/scenario.js';
import type { TerminationReport } from './sim/termination.js';

/**
 * Shared setup of the rolling-update scenarios: the chart render they take
 * their pod template from, the two forms (short in `make test`, full with
 * ROLLING_UPDATE=full), and the result files.
 */

const root = resolve(import.meta.dirname, '../..');
export const appScript = join(root, 'examples/app/server.mjs');
/** The podwarden CLI under test (`npm run build`); PODWARDEN_E2E_CLI points at another build. */
export const podwardenCli = process.env.PODWARDEN_E2E_CLI ?? join(root, 'dist/cli/main.js');
export const resultsDir = join(root, '.cache/rolling-update');

/** `full` (ROLLING_UPDATE=full, `make rolling-update`) or `short` (the default in `make test`). */
export const form = process.env.ROLLING_UPDATE === 'full' ? 'full' : 'short';

/**
 * The clock scale (sim/time-scale.ts): the short form runs every duration of
 * the chart and of the balancer models at a fifth of real time, the full form
 * at real time.
 */
export const timeScale = form === 'full' ? 1 : 0.2;

/** Rollouts per scenario; each replaces all 3 pods. */
export const rounds = form === 'full' ? { before: 3, podwarden: 5, profile: 2, other: 2 } : { before: 1, podwarden: 1, profile: 1, other: 1 };

/**
 * Scenarios of one test file that run at once in this harness process, whose
 * event loop runs every simulated timer: a late timer is a late kubelet,
 * controller or balancer, and on the short form's clock 100 ms late is 500 ms
 * of simulated time. The full form sends 350 requests/s per scenario, two at
 * a time; the short form 100, four at a time.
 */
const parallel = form === 'full' ? 2 : 4;
let running = 0;
const queue: Array<() => void> = [];

async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= parallel) await new Promise<void>((resolve) => queue.push(resolve));
  running += 1;
  try {
    return await run();
  } finally {
    running -= 1;
    queue.shift()?.();
  }
}

/** A scenario's test timeout: in the full form it may wait for a slot behind the file's other scenarios. */
export const scenarioTimeout = form === 'full' ? 90 * 60_000 : 10 * 60_000;

/**
 * Client requests per second, through the balancers together. The short form
 * runs up to six scenarios side by side in one harness process, whose event
 * loop runs every simulated timer: at 100 each it stays prompt (the figures
 * report its delay) on a 2-core machine that also runs the rest of the suite.
 */
export const ratePerSecond = form === 'full' ? 350 : 100;

/** What is missing for the podwarden scenarios to run, or undefined when everything is there. */
export function missingPieces(): string | undefined {
  const missing = [];
  if (!chartAvailable()) missing.push('the Helm chart (charts/podwarden/templates/deployment.yaml) or helm (bash scripts/tools/helm.sh)');
  if (!existsSync(podwardenCli)) missing.push(`the podwarden CLI (${podwardenCli}; npm run build)`);
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

/** The /drain token of the simulated install (the chart requires one of at least 32 characters). */
export const drainToken = 'rolling-update-simulation-drain-token-0123456789';

/**
 * The values the simulated install sets on top of the chart's defaults, the
 * ones a user of the example app would set: three replicas, the drain token,
 * the app's liveness path, and the chart's default `app` check aimed at the
 * example app's /health. Everything else (probes, timing profile, grace
 * period, strategy) is the chart's default unless a scenario says otherwise.
 */
export const installValues = {
  set: ['replicaCount=3', `drain.token=${drainToken}`, 'app.probes.liveness.path=/health'],
  setJson: ['config.services=[{"name":"app","type":"http","url":"http://127.0.0.1:{{ .Values.app.port }}/health","interval":"2s","timeout":"1s","failureThreshold":3}]'],
};

/** The timing profiles of the chart (docs/helm.md, "Choosing a timing profile"). */
export type Profile = 'kube-proxy' | 'ingress-nginx' | 'aws-load-balancer-controller' | 'gke-neg';

/**
 * The balancers a profile is meant for, as the simulation models them
 * (sim/balancer-models.ts). In-cluster clients reach the pods through
 * kube-proxy in every case; the ingress or cloud balancer of the profile
 * carries the other half of the traffic.
 */
export const profileBalancers: Record<Profile, BalancerSpec[]> = {
  'kube-proxy': [{ model: 'kube-proxy' }],
  'ingress-nginx': [{ model: 'kube-proxy' }, { model: 'ingress-nginx' }],
  'aws-load-balancer-controller': [{ model: 'kube-proxy' }, { model: 'aws-alb' }],
  'gke-neg': [{ model: 'kube-proxy' }, { model: 'gke-neg' }],
};

export interface Install {
  readonly template: PodTemplate;
  readonly rollout: RolloutSpec;
  /** The chart's derived timing (the rendered ConfigMap's podwarden/timing annotation). */
  readonly timing: ChartTiming;
}

/** Extra values of one scenario's render. */
export interface InstallOptions {
  readonly mode?: 'native' | 'container';
  readonly set?: readonly string[];
}

/** Render the chart (`helm template`) with the install's values and read the pod template, strategy and timing from it. */
export async function install(options: InstallOptions = {}): Promise<Install> {
  const set = [...installValues.set, `sidecar.mode=${options.mode ?? 'native'}`, ...(options.set ?? [])];
  const render = await renderChart({ ...installValues, set });
  if (!render.ok) throw new Error(`helm template failed:\n${render.error}`);
  return { template: podTemplateOf(render.manifests), rollout: rolloutOf(render.manifests), timing: timingOf(render.manifests) };
}

/** `rounds` rollouts, one after the other. */
export function rollouts(count: number): (run: ScenarioRun) => Promise<void> {
  return async ({ deployment }) => {
    for (let round = 1; round <= count; round += 1) await deployment.rollout(round);
  };
}

/** Poll `done` every 20 ms until it holds; throws after `timeoutMs`, naming `what`. */
export async function waitFor(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Options every scenario shares. */
function baseOptions(): Pick<ScenarioOptions, 'timeScale' | 'ratePerSecond' | 'workMs' | 'requestTimeoutMs' | 'readyTimeoutMs' | 'appArgs' | 'podwardenArgs'> {
  return { timeScale, ratePerSecond, workMs: 10, requestTimeoutMs: 5000, readyTimeoutMs: 60_000, appArgs: [appScript], podwardenArgs: [podwardenCli, 'serve'] };
}

/**
 * Run and record scenario `name`: the pods of an install's template (or of one
 * made from it) and rollout behind `balancers`, while `act` does its part,
 * with the options every scenario shares; `appArgs` starts another app (an
 * in-process one, test/e2e/apps/).
 */
export function runInstalled(
  name: string,
  { template, rollout }: Pick<Install, 'template' | 'rollout'>,
  balancers: readonly BalancerSpec[],
  act: ScenarioOptions['act'],
  options: { readonly appArgs?: readonly string[] } = {},
): Promise<ScenarioResult> {
  return runAndRecord({ name, template, rollout, balancers, act, ...baseOptions(), ...options });
}

/**
 * A run that dropped no request: `podsStopped` pods stopped (after at least
 * `minRequests` requests, when given), no request failed nor left a failure
 * sample, and no container was restarted.
 */
export function expectNoRequestDropped(expect: ExpectStatic, result: ScenarioResult, podsStopped: number, minRequests?: number): void {
  expect(result.podsStopped).toBe(podsStopped);
  if (minRequests !== undefined) expect(result.traffic.requests).toBeGreaterThanOrEqual(minRequests);
  expect(result.traffic.samples).toEqual([]);
  expect(result.traffic.failed).toBe(0);
  expect(result.restarts).toEqual([]);
}

/** A pod that drained before it stopped: the app's preStop (the /drain call) answered 200, and neither container was killed. */
export function expectDrained(expect: ExpectStatic, t: TerminationReport): void {
  expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
  expect(t.app.killed || t.sidecar?.killed, t.pod).toBe(false);
}

/** Both containers of a stopped pod exited 0. */
export function expectExitedZero(expect: ExpectStatic, t: TerminationReport): void {
  expect(t.app.exit?.code, t.pod).toBe(0);
  expect(t.sidecar?.exit?.code, t.pod).toBe(0);
}

/** Run a scenario, write its figures to .cache/rolling-update/<name>.json and print a one-line summary. */
export async function runAndRecord(options: ScenarioOptions): Promise<ScenarioResult> {
  const result = await slot(() => runScenario(options));
  mkdirSync(resultsDir, { recursive: true });
  const { timeline, describe: _describe, output: _output, ...figures } = result;
  writeFileSync(join(resultsDir, `${options.name}.json`), JSON.stringify({ form, ...figures, events: timeline.events }, null, 2));
  console.log(summary(result));
  return result;
}

/** One line: scenario, requests, failures by kind and by balancer, pods stopped, duration. */
export function summary(result: ScenarioResult): string {
  const t = result.traffic;
  const kinds = Object.entries(t.byOutcome)
    .filter(([kind]) => kind !== 'ok')
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const through = Object.entries(t.failedByBalancer)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return (
    `[rolling-update ${form}] ${result.name} (${result.mode}, clock ×${result.timeScale}): ${t.failed} failed of ${t.requests} requests` +
    `${kinds ? ` (${kinds}; through ${through})` : ''}, ${result.podsStopped} pods stopped, ${result.restarts.length} container restarts, ` +
    `${(t.durationMs / 1000).toFixed(1)} s of traffic at ${t.ratePerSecond.toFixed(0)} req/s, p99 ${t.latencyMs.p99.toFixed(0)} ms, ` +
    `harness delay p99 ${result.harnessDelayMs.p99} ms, max ${result.harnessDelayMs.max} ms`
  );
}
