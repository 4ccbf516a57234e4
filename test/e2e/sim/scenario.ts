import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Balancer } from './balancer.js';
import { type BalancerSpec, makeBalancer } from './balancer-models.js';
import { Deployment } from './deployment.js';
import { Endpoints } from './endpoints.js';
import type { PodTemplate, RolloutSpec, SidecarMode } from './pod-template.js';
import { type ContainerRestart, Pod } from './pod.js';
import type { TerminationReport } from './termination.js';
import { scaleRollout, scaleTemplate } from './time-scale.js';
import { Timeline } from './timeline.js';
import { type TrafficReport, TrafficClient } from './traffic.js';

/** What a scenario's action gets: the running Deployment, the balancers and the clock. */
export interface ScenarioRun {
  readonly deployment: Deployment;
  readonly balancers: readonly Balancer[];
  readonly timeline: Timeline;
  /** Resolves after `ms` of the scenario's (scaled) clock. */
  sleep(ms: number): Promise<void>;
}

export interface ScenarioOptions {
  readonly name: string;
  /** As rendered (full scale); the scenario scales it by `timeScale`. */
  readonly template: PodTemplate;
  readonly rollout: RolloutSpec;
  /** The clock scale (time-scale.ts): 1 in the full form. */
  readonly timeScale: number;
  /** The balancers in front of the pods; the traffic is spread evenly over them. */
  readonly balancers: readonly BalancerSpec[];
  /** What happens to the Deployment while the traffic flows: rollouts, a scale-down, node shutdowns, a broken app. */
  readonly act: (run: ScenarioRun) => Promise<void>;
  readonly ratePerSecond: number;
  /** Simulated work per request in the app (ms), so requests are in flight when a pod stops. */
  readonly workMs: number;
  readonly requestTimeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly appArgs: readonly string[];
  readonly podwardenArgs: readonly string[];
  /** Traffic keeps flowing this long (real ms) after the last pod has gone. */
  readonly tailMs?: number;
  /** Seeds the balancers' phases and churn (default 1). */
  readonly seed?: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly mode: SidecarMode;
  readonly timeScale: number;
  /** Pods stopped (deleted, or shut down by kubelet). */
  readonly podsStopped: number;
  readonly traffic: TrafficReport;
  readonly terminations: readonly TerminationReport[];
  /** Containers kubelet restarted after a failed probe. */
  readonly restarts: readonly ContainerRestart[];
  /** Each balancer and how long, on this clock, its model takes at most to stop sending to a draining pod. */
  readonly balancers: ReadonlyArray<{ readonly name: string; readonly removalBoundMs: number }>;
  readonly durationMs: number;
  /**
   * The harness's own event-loop delay while the traffic flowed (ms): every
   * simulated kubelet, controller and balancer timer runs late by this much.
   * Scenarios that share the harness process run side by side share it too.
   */
  readonly harnessDelayMs: { readonly p99: number; readonly max: number };
  readonly timeline: Timeline;
  /** The pods' recent output and events, by pod, for failure messages. */
  describe(pod: string): string;
  /** What a pod's container printed (its last 32 KiB): `app`, or `podwarden` (its last instance). */
  output(pod: string, container: 'app' | 'podwarden'): string;
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * One run: a Deployment of real pods behind the balancers, steady client
 * traffic, the scenario's action, and the count of every request that failed.
 * Everything it started is stopped before it returns or throws.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const timeline = new Timeline();
  const endpoints = new Endpoints();
  const workDir = mkdtempSync(join(tmpdir(), 'podwarden-e2e-'));
  const template = scaleTemplate(options.template, options.timeScale);
  const rollout = scaleRollout(options.rollout, options.timeScale);
  const balancerContext = { endpoints, timeline, timeScale: options.timeScale, requestTimeoutMs: options.requestTimeoutMs, seed: options.seed ?? 1 };
  const balancers = options.balancers.map((spec, i) => makeBalancer(spec, i, balancerContext));
  const context = {
    timeline,
    endpoints,
    appArgs: options.appArgs,
    podwardenArgs: options.podwardenArgs,
    appEnv: { WORK_MS: String(options.workMs) },
    workDir,
    timeScale: options.timeScale,
  };
  const deployment = new Deployment(
    rollout,
    async (_revision, name) => {
      const pod = new Pod(name, template, context);
      await pod.create();
      return pod;
    },
    timeline,
    options.readyTimeoutMs,
  );
  const traffic = new TrafficClient(balancers, { ratePerSecond: options.ratePerSecond, path: `/?work=${options.workMs}` }, timeline);
  let trafficStarted = false;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    await deployment.scaleUp(0);
    await waitUntil('every balancer to send to every pod', options.readyTimeoutMs, () => balancers.every((b) => b.rotation().length === deployment.replicas));
    traffic.start();
    trafficStarted = true;
    delay.reset();
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    await options.act({ deployment, balancers, timeline, sleep });
    const terminations = await deployment.settled();
    await new Promise((resolve) => setTimeout(resolve, options.tailMs ?? 1000));
    const report = await traffic.stop();
    trafficStarted = false;
    return {
      name: options.name,
      mode: template.mode,
      timeScale: options.timeScale,
      podsStopped: terminations.length,
      traffic: report,
      terminations,
      restarts: deployment.all.flatMap((pod) => pod.restarts),
      balancers: balancers.map((b) => ({ name: b.name, removalBoundMs: Math.round(b.removalBoundMs) })),
      durationMs: Math.round(timeline.now()),
      harnessDelayMs: { p99: Math.round(delay.percentile(99) / 1e6), max: Math.round(delay.max / 1e6) },
      timeline,
      describe: (name) => deployment.all.find((pod) => pod.name === name)?.describe() ?? timeline.describe(name),
      output: (name, container) => {
        const pod = deployment.all.find((p) => p.name === name);
        return (container === 'app' ? pod?.app : pod?.sidecar)?.process?.output ?? '';
      },
    };
  } finally {
    delay.disable();
    if (trafficStarted) await traffic.stop();
    for (const balancer of balancers) balancer.close();
    await deployment.killAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}
