/**
 * The timing profiles and the one render-time rule: what each profile renders into the
 * pod and podwarden's config, the table in docs/helm.md that says so, and every refused
 * combination with the values it names and the smallest fix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap } from 'kubernetes-models/v1';
import { type RenderOptions, one, podSpecOf, render, renderError, repoRoot } from './support.js';
import { derivedGraceSeconds, minDrainDelaySeconds, minGraceSeconds, minMaxHoldSeconds, readinessDetectionSeconds } from './drain-rules.js';

interface Timing {
  profile: string;
  propagationSeconds: number;
  readinessDetectionSeconds: number;
  drainMarginSeconds: number;
  drainDelaySeconds: number;
  appShutdownSeconds: number;
  podwardenStopSeconds: number;
  terminationGracePeriodSeconds: number;
  maxHoldSeconds: number;
  minReadySeconds: number;
}

/** The resolved timing (the ConfigMap's podwarden/timing annotation) and what the render made of it. */
function timingOf(options: RenderOptions = {}) {
  const { docs } = render(options);
  const configMap = one<IConfigMap>(docs, 'ConfigMap', '-config');
  const timing = JSON.parse(configMap.metadata?.annotations?.['podwarden/timing'] ?? '{}') as Timing;
  const config = parseYaml(configMap.data?.['podwarden.yaml'] ?? '') as { shutdown: { drainDelay: string }; drain: { maxHold: string; allowFrom?: string[] } };
  const deployment = one<IDeployment>(docs, 'Deployment');
  const app = podSpecOf(deployment).containers.find((c) => c.name === 'app');
  return { timing, config, deployment, spec: podSpecOf(deployment), app };
}

const namedProfiles = ['kube-proxy', 'ingress-nginx', 'aws-load-balancer-controller', 'gke-neg'] as const;

describe('the timing profiles', () => {
  it.each(namedProfiles)('%s: drainDelay, grace, maxHold and minReadySeconds follow its propagation figure', (profile) => {
    const { timing, config, deployment, spec, app } = timingOf({ set: { 'timing.profile': profile } });
    expect(timing.profile).toBe(profile);
    // The rule, with the chart's defaults: readiness 2 s x 2, margin 2 s, app 5 s, podwarden 2 s (checks only).
    expect(timing.readinessDetectionSeconds).toBe(readinessDetectionSeconds(app?.readinessProbe));
    expect(timing.drainDelaySeconds).toBe(minDrainDelaySeconds({ propagationSeconds: timing.propagationSeconds, readinessDetectionSeconds: timing.readinessDetectionSeconds, marginSeconds: timing.drainMarginSeconds }));
    expect(config.shutdown.drainDelay).toBe(`${timing.drainDelaySeconds}s`);
    expect(timing.terminationGracePeriodSeconds).toBe(
      derivedGraceSeconds(minGraceSeconds({ drainDelaySeconds: timing.drainDelaySeconds, shutdownSeconds: timing.appShutdownSeconds, stopSeconds: timing.podwardenStopSeconds })),
    );
    expect(spec.terminationGracePeriodSeconds).toBe(timing.terminationGracePeriodSeconds);
    expect(config.drain.maxHold).toBe(`${minMaxHoldSeconds({ graceSeconds: timing.terminationGracePeriodSeconds, drainDelaySeconds: timing.drainDelaySeconds })}s`);
    expect(deployment.spec?.minReadySeconds).toBe(timing.propagationSeconds);
  });

  it('sets drain.allowFrom to the node addresses for the AWS profile only', () => {
    expect(timingOf({ set: { 'timing.profile': 'aws-load-balancer-controller' } }).config.drain.allowFrom).toEqual(['hostIPs']);
    for (const profile of ['kube-proxy', 'ingress-nginx', 'gke-neg']) expect(timingOf({ set: { 'timing.profile': profile } }).config.drain.allowFrom, profile).toBeUndefined();
  });

  it('defaults to ingress-nginx', () => {
    expect(timingOf().timing.profile).toBe('ingress-nginx');
  });

  it('custom takes timing.endpointPropagationSeconds', () => {
    const { timing } = timingOf({ set: { 'timing.profile': 'custom', 'timing.endpointPropagationSeconds': 20 } });
    expect(timing).toMatchObject({ propagationSeconds: 20, drainDelaySeconds: 26, terminationGracePeriodSeconds: 33, maxHoldSeconds: 7, minReadySeconds: 20 });
  });

  it('matches the table in docs/helm.md', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Choosing a timing profile'));
    const rows = new Map<string, string[]>();
    for (const line of section.split('\n')) {
      const m = /^\| `([a-z-]+)`[^|]*\|(.*)\|$/.exec(line);
      if (m?.[1] && m[2]) rows.set(m[1], m[2].split('|').map((c) => c.trim()));
    }
    for (const profile of namedProfiles) {
      const row = rows.get(profile);
      expect(row, `docs/helm.md has a row for ${profile}`).toBeDefined();
      const { timing } = timingOf({ set: { 'timing.profile': profile } });
      // | profile | propagation | drainDelay | grace | maxHold | minReadySeconds | drain.allowFrom | where the figure comes from |
      expect(row?.slice(0, 5), profile).toEqual([
        `${timing.propagationSeconds} s`,
        `${timing.drainDelaySeconds} s`,
        `${timing.terminationGracePeriodSeconds} s`,
        `${timing.maxHoldSeconds} s`,
        `${timing.minReadySeconds} s`,
      ]);
    }
  });

  it('keeps a drainDelay, grace, maxHold and minReadySeconds the user sets when they pass the rule', () => {
    const { timing, config, deployment } = timingOf({ set: { 'config.shutdown.drainDelay': '20s', terminationGracePeriodSeconds: 60, 'config.drain.maxHold': '2m', minReadySeconds: 0 } });
    expect(timing).toMatchObject({ drainDelaySeconds: 20, terminationGracePeriodSeconds: 60, maxHoldSeconds: 120, minReadySeconds: 0 });
    expect(config.shutdown.drainDelay).toBe('20s');
    expect(config.drain.maxHold).toBe('2m');
    expect(deployment.spec?.minReadySeconds).toBe(0);
  });

  it("counts podwarden's stopBudget only where a module service needs it", () => {
    const services = [
      { name: 'app', type: 'http', url: 'http://127.0.0.1:8080/' },
      { name: 'worker', type: 'module', module: './worker.mjs' },
    ];
    const { timing } = timingOf({ extraArgs: ['--set-json', `config.services=${JSON.stringify(services)}`] });
    expect(timing).toMatchObject({ podwardenStopSeconds: 16, terminationGracePeriodSeconds: 35 });
    expect(renderError({ set: { terminationGracePeriodSeconds: 34 }, extraArgs: ['--set-json', `config.services=${JSON.stringify(services)}`] })).toContain(
      "+ podwarden's stop (config.shutdown.stopBudget 15s + 1s: module services) = 35s",
    );
  });

  it('externalTrafficPolicy: Local raises the readiness failureThreshold so a draining pod keeps serving until the node is out', () => {
    const { timing, app } = timingOf({ valuesFiles: ['external-traffic-local-values.yaml'] });
    // (19 - 1) x 2 s = 36 s >= kube-proxy 5 s + 10 s x 3 node health checks = 35 s.
    expect(app?.readinessProbe?.failureThreshold).toBe(19);
    expect(timing).toMatchObject({ readinessDetectionSeconds: 38, drainDelaySeconds: 45, terminationGracePeriodSeconds: 52 });
  });
});

describe('the rule refuses, naming the values and the smallest fix', () => {
  it('drainDelay shorter than propagation + readiness detection + margin, as docs/helm.md shows it', () => {
    const first = renderError({ set: { 'config.shutdown.drainDelay': '3s' } }).split('\n')[0] ?? '';
    expect(readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8')).toContain(`\n${first}\n`);
    expect(renderError({ set: { 'config.shutdown.drainDelay': '3s' } })).toContain(
      'podwarden: config.shutdown.drainDelay (3s) is shorter than timing.profile ingress-nginx needs: propagation 8s + readiness detection 4s (app.probes.readiness.periodSeconds 2 x failureThreshold 2) + timing.drainMarginSeconds 2s = 14s; balancers would still send requests to a pod that has begun to stop. Raise config.shutdown.drainDelay to at least 14s (or remove it: the chart then uses 14s), or choose the timing.profile of your balancers.',
    );
    expect(renderError({ set: { 'config.shutdown.drainDelay': '13500ms' } })).toContain('config.shutdown.drainDelay (13.5s) is shorter than');
    expect(render({ set: { 'config.shutdown.drainDelay': '14000ms' } }).docs.length).toBeGreaterThan(0);
  });

  it('counts a slower readiness probe in the drain', () => {
    expect(renderError({ set: { 'config.shutdown.drainDelay': '14s', 'app.probes.readiness.periodSeconds': 5 } })).toContain('readiness detection 10s (app.probes.readiness.periodSeconds 5 x failureThreshold 2)');
  });

  it('terminationGracePeriodSeconds shorter than drainDelay + appShutdownSeconds + podwarden stop', () => {
    expect(renderError({ set: { terminationGracePeriodSeconds: 20 } })).toContain(
      "podwarden: terminationGracePeriodSeconds (20) is shorter than config.shutdown.drainDelay (14s) + timing.appShutdownSeconds (5s) + podwarden's stop (2s: checks only) = 21s: the kubelet would kill the pod before it drains and stops. Raise terminationGracePeriodSeconds to at least 21 (or set it to null: the chart then uses 30).",
    );
    expect(render({ set: { terminationGracePeriodSeconds: 21 } }).docs.length).toBeGreaterThan(0);
    expect(renderError({ set: { 'timing.appShutdownSeconds': 20, terminationGracePeriodSeconds: 30 } })).toContain('+ timing.appShutdownSeconds (20s)');
    // Left unset, the grace period grows with the app's shutdown instead.
    expect(timingOf({ set: { 'timing.appShutdownSeconds': 20 } }).timing.terminationGracePeriodSeconds).toBe(36);
  });

  it("the app liveness probe's own grace period", () => {
    expect(renderError({ set: { 'app.probes.liveness.terminationGracePeriodSeconds': 10 } })).toContain(
      'podwarden: app.probes.liveness.terminationGracePeriodSeconds (10) is shorter than config.shutdown.drainDelay (14s) + timing.appShutdownSeconds (5s) = 19s: a liveness restart runs the preStop drain within it, so the kubelet would kill the app before the drain ends. Raise it to at least 19, or set it to null (the pod\'s grace period).',
    );
    expect(render({ set: { 'app.probes.liveness.terminationGracePeriodSeconds': 19 } }).docs.length).toBeGreaterThan(0);
  });

  it('drain.maxHold shorter than what the pod may still spend after the drain', () => {
    expect(renderError({ set: { 'config.drain.maxHold': '5s' } })).toContain(
      'podwarden: config.drain.maxHold (5s) is shorter than terminationGracePeriodSeconds (30) - config.shutdown.drainDelay (14s) = 16s: podwarden, a native sidecar, gets SIGTERM only after the app has exited, so it could let the drain go while the pod is still terminating. Raise config.drain.maxHold to at least 16s, or remove it (the chart then uses 16s).',
    );
    expect(render({ set: { 'config.drain.maxHold': '16s' } }).docs.length).toBeGreaterThan(0);
  });

  it('a readiness failureThreshold too low for externalTrafficPolicy: Local', () => {
    expect(renderError({ valuesFiles: ['external-traffic-local-values.yaml'], set: { 'app.probes.readiness.failureThreshold': 3 } })).toContain(
      'podwarden: app.probes.readiness.failureThreshold (3) x periodSeconds (2) is too short for timing.externalTrafficPolicyLocal: kube-proxy sends a node\'s balancer traffic to its draining pod only while the pod is Ready, and the balancer takes up to propagation 5s + healthCheckIntervalSeconds 10 x unhealthyThreshold 3 = 35s to take the node out; (failureThreshold - 1) x periodSeconds must cover that. Raise app.probes.readiness.failureThreshold to at least 19, or set it to null (the chart then uses 19).',
    );
  });

  it('custom without its figure, and a figure with a named profile', () => {
    expect(renderError({ set: { 'timing.profile': 'custom' } })).toContain('podwarden: timing.profile is custom but timing.endpointPropagationSeconds is not set');
    expect(renderError({ set: { 'timing.endpointPropagationSeconds': 20 } })).toContain(
      'podwarden: timing.endpointPropagationSeconds (20) is set, but timing.profile is ingress-nginx, which has its own figure (8s); set timing.profile=custom to use yours, or remove timing.endpointPropagationSeconds',
    );
  });

  it('applies around an existing workload too (the ConfigMap checks it)', () => {
    expect(renderError({ set: { 'app.enabled': false, 'podSelector.app': 'shop', 'config.shutdown.drainDelay': '2s' } })).toContain('podwarden: config.shutdown.drainDelay (2s) is shorter than');
  });
});
