import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chartAvailable, chartValues, podTemplateOf, renderChart, rolloutOf } from './sim/chart.js';
import type { PodTemplate, RolloutSpec } from './sim/pod-template.js';
import { type ScenarioOptions, type ScenarioResult, runScenario } from './sim/scenario.js';

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

/** Rollouts per scenario; each replaces all 3 pods. */
export const rounds = form === 'full' ? { before: 5, podwarden: 20, drainDelay: 5 } : { before: 1, podwarden: 4, drainDelay: 1 };

/** Client requests per second, through the balancers together. */
export const ratePerSecond = 350;

/** What is missing for the podwarden scenarios to run, or undefined when everything is there. */
export function missingPieces(): string | undefined {
  const missing = [];
  if (!chartAvailable()) missing.push('the Helm chart (charts/podwarden/templates/deployment.yaml) or helm (bash scripts/tools/helm.sh)');
  if (!existsSync(podwardenCli)) missing.push(`the podwarden CLI (${podwardenCli}; npm run build)`);
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

/**
 * The values the simulated install uses on top of the chart's defaults: three
 * replicas, and podwarden's `app` check aimed at the example app's /health
 * once a second. Everything else (probes, timings, grace period, drain token,
 * strategy) is the chart's default.
 */
export const installValues = {
  set: ['replicaCount=3'],
  setJson: ['config.services=[{"name":"app","type":"http","url":"http://127.0.0.1:{{ .Values.app.port }}/health","interval":"1s"}]'],
};

export interface Install {
  readonly template: PodTemplate;
  readonly rollout: RolloutSpec;
  /** timing.endpointPropagationSeconds of the chart's values, in ms: the simulated kube-proxy's propagation delay. */
  readonly propagationMs: number;
  /** timing.drainMarginSeconds of the chart's values, in ms. */
  readonly marginMs: number;
}

/** Render the chart (`helm template`) in a sidecar mode and read the pod template, strategy and propagation from it. */
export async function install(mode: 'native' | 'container' = 'native'): Promise<Install> {
  const render = await renderChart({ ...installValues, set: [...installValues.set, `sidecar.mode=${mode}`] });
  if (!render.ok) throw new Error(`helm template failed:\n${render.error}`);
  const values = await chartValues();
  const timing = (values.timing ?? {}) as Record<string, unknown>;
  return {
    template: podTemplateOf(render.manifests),
    rollout: rolloutOf(render.manifests),
    propagationMs: Number(timing.endpointPropagationSeconds ?? 5) * 1000,
    marginMs: Number(timing.drainMarginSeconds ?? 2) * 1000,
  };
}

/**
 * The external load balancer: registers pods from the endpoints after 1 s and
 * takes them out of rotation only by its own health check of podwarden's
 * /readyz (the app's /health without podwarden): every 1 s, 2 failures out,
 * 2 successes in. Its removal time (≤ 3 s) is inside the chart's
 * endpointPropagationSeconds + drainMarginSeconds.
 */
export function externalBalancer(withPodwarden: boolean): NonNullable<ScenarioOptions['external']> {
  return { path: withPodwarden ? '/readyz' : '/health', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 2, healthyThreshold: 2, propagationMs: 1000 };
}

/** Options every scenario shares. */
export function baseOptions(): Pick<ScenarioOptions, 'ratePerSecond' | 'workMs' | 'requestTimeoutMs' | 'readyTimeoutMs' | 'appArgs' | 'podwardenArgs'> {
  return { ratePerSecond, workMs: 10, requestTimeoutMs: 5000, readyTimeoutMs: 60_000, appArgs: [appScript], podwardenArgs: [podwardenCli, 'serve'] };
}

/** Run a scenario, write its figures to .cache/rolling-update/<name>.json and print a one-line summary. */
export async function runAndRecord(options: ScenarioOptions): Promise<ScenarioResult> {
  const result = await runScenario(options);
  mkdirSync(resultsDir, { recursive: true });
  const { timeline, ...figures } = result;
  writeFileSync(join(resultsDir, `${options.name}.json`), JSON.stringify({ form, ...figures, events: timeline.events }, null, 2));
  console.log(summary(result));
  return result;
}

/** One line: scenario, requests, failures by kind, pods replaced, duration. */
export function summary(result: ScenarioResult): string {
  const t = result.traffic;
  const kinds = Object.entries(t.byOutcome)
    .filter(([kind]) => kind !== 'ok')
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return (
    `[rolling-update ${form}] ${result.name} (${result.mode}): ${t.failed} failed of ${t.requests} requests` +
    `${kinds ? ` (${kinds})` : ''}, ${result.podsReplaced} pods replaced in ${result.rounds} rollouts, ` +
    `${(t.durationMs / 1000).toFixed(1)} s of traffic at ${t.ratePerSecond.toFixed(0)} req/s, p99 ${t.latencyMs.p99.toFixed(0)} ms`
  );
}
