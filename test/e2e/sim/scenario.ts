import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Balancer, type HealthCheckOptions } from './balancer.js';
import { Deployment } from './deployment.js';
import { Endpoints } from './endpoints.js';
import type { PodTemplate, RolloutSpec, SidecarMode } from './pod-template.js';
import { Pod } from './pod.js';
import type { TerminationReport } from './termination.js';
import { Timeline } from './timeline.js';
import { type TrafficReport, TrafficClient } from './traffic.js';

export interface ScenarioOptions {
  readonly name: string;
  readonly template: PodTemplate;
  readonly rollout: RolloutSpec;
  /** Full rollouts; each replaces every pod once. */
  readonly rounds: number;
  readonly ratePerSecond: number;
  /** Endpoint propagation delay of the endpoint-driven balancer (kube-proxy / ingress). */
  readonly propagationMs: number;
  /** A second, health-checking balancer (half of the traffic goes through it). */
  readonly external?: HealthCheckOptions & { readonly propagationMs: number };
  /** Simulated work per request in the app (ms), so requests are in flight when a pod stops. */
  readonly workMs: number;
  readonly requestTimeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly appArgs: readonly string[];
  readonly podwardenArgs: readonly string[];
  /** Traffic keeps flowing this long after the last pod has gone. */
  readonly tailMs?: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly mode: SidecarMode;
  readonly rounds: number;
  readonly podsReplaced: number;
  readonly traffic: TrafficReport;
  readonly terminations: readonly TerminationReport[];
  /** Probe failures that would have restarted a container. */
  readonly restartsWanted: readonly string[];
  readonly durationMs: number;
  readonly timeline: Timeline;
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One rolling-update run: a Deployment of real pods behind the balancers,
 * steady client traffic, `rounds` full rollouts, and the count of every
 * request that failed. Everything it started is stopped before it returns or
 * throws.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const timeline = new Timeline();
  const endpoints = new Endpoints();
  const workDir = mkdtempSync(join(tmpdir(), 'podwarden-e2e-'));
  const balancers = [new Balancer({ name: 'kube-proxy', propagationMs: options.propagationMs, requestTimeoutMs: options.requestTimeoutMs }, endpoints, timeline)];
  if (options.external) {
    const { propagationMs, ...healthCheck } = options.external;
    balancers.push(new Balancer({ name: 'external-lb', propagationMs, requestTimeoutMs: options.requestTimeoutMs, healthCheck }, endpoints, timeline));
  }
  const context = {
    timeline,
    endpoints,
    appArgs: options.appArgs,
    podwardenArgs: options.podwardenArgs,
    appEnv: { WORK_MS: String(options.workMs) },
    workDir,
  };
  const deployment = new Deployment(
    options.rollout,
    async (_revision, name) => {
      const pod = new Pod(name, options.template, context);
      await pod.create();
      return pod;
    },
    timeline,
    options.readyTimeoutMs,
  );
  const traffic = new TrafficClient(balancers, { ratePerSecond: options.ratePerSecond, path: `/?work=${options.workMs}` }, timeline);
  let trafficStarted = false;
  try {
    await deployment.scaleUp(0);
    const joinMs = Math.max(options.propagationMs, options.external?.propagationMs ?? 0) + 10_000;
    await waitUntil('every balancer to send to every pod', joinMs, () => balancers.every((b) => b.rotation().length === options.rollout.replicas));
    traffic.start();
    trafficStarted = true;
    for (let round = 1; round <= options.rounds; round += 1) await deployment.rollout(round);
    const terminations = await deployment.settled();
    await new Promise((resolve) => setTimeout(resolve, options.tailMs ?? 1000));
    const report = await traffic.stop();
    trafficStarted = false;
    return {
      name: options.name,
      mode: options.template.mode,
      rounds: options.rounds,
      podsReplaced: terminations.length,
      traffic: report,
      terminations,
      restartsWanted: deployment.all.flatMap((pod) => pod.restartsWanted.map((r) => `${pod.name}: ${r}`)),
      durationMs: Math.round(timeline.now()),
      timeline,
    };
  } finally {
    if (trafficStarted) await traffic.stop();
    for (const balancer of balancers) balancer.close();
    await deployment.killAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}
