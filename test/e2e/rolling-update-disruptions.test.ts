import { describe, it } from 'vitest';
import { durationMs } from './sim/pod-template.js';
import type { Pod } from './sim/pod.js';
import { expectDrained, expectExitedZero, expectNoRequestDropped, install, missingPieces, profileBalancers, rollouts, rounds, runInstalled, scenarioTimeout, waitFor } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

const balancers = profileBalancers['ingress-nginx'];

// Scenarios 6 to 9 of docs/rolling-update.md: the other ways pods leave and come back, with the
// chart's defaults behind the default profile's balancers. Independent runs, side by side.
describe.concurrent('rolling update: disruptions other than a rollout', () => {
  it('a liveness restart of the app container: back in the balancers within startup + readiness time, not maxHold', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install();
    let broken: Pod | undefined;
    const result = await runInstalled('liveness-restart', { template, rollout }, balancers, async ({ deployment, balancers: live, timeline }) => {
      broken = deployment.pods[0]!.pod;
      const pod = broken;
      // The app's /health answers 500 from now on: its liveness probe and podwarden's app check fail; / still serves.
      pod.app.process!.signal('SIGUSR2');
      timeline.mark('app-broken', { pod: pod.name });
      await waitFor(`${pod.name} restarted and ready`, 60_000, () => pod.restarts[0]?.restartedAt !== undefined && pod.ready);
      await waitFor(`every balancer sending to ${pod.name} again`, 60_000, () => live.every((b) => b.rotation().includes(pod.name)));
    });
    const pod = broken!;
    const scale = result.timeScale;
    expect(result.restarts).toHaveLength(1);
    const restart = result.restarts[0]!;
    expect(restart).toMatchObject({ pod: pod.name, container: 'app' });
    expect(restart.reason).toMatch(/^liveness probe failed: HTTP 500/);
    // kubelet ran the preStop drain, then SIGTERM: the app finished its requests and exited 0.
    expect(restart.stop?.preStop?.result).toBe('HTTP 200');
    expect(restart.stop?.exit?.code).toBe(0);
    expect(restart.stop?.killed).toBe(false);

    // podwarden let the drain go because the app check went failed -> ready, not because maxHold ran out.
    const output = result.output(pod.name, 'podwarden');
    expect(output, result.describe(pod.name)).toMatch(/"kind":"undrained","source":"app-restarted"/);
    expect(output).not.toMatch(/"source":"maxHold"/);

    // Ready again within the restarted container's startup probe + the app check + the readiness probe (plus 1 s for two processes to start), well inside maxHold.
    const events = result.timeline.events.filter((e) => e.pod === pod.name && e.t >= restart.restartedAt!);
    const readyAt = events.find((e) => e.kind === 'pod-ready')!.t;
    const appCheck = (template.podwardenConfig!.services as Array<Record<string, unknown>>).find((s) => s.name === 'app')!;
    const startupPlusReadiness = (template.app.startupProbe!.periodSeconds + template.app.readinessProbe!.periodSeconds) * 1000 + durationMs(appCheck.interval);
    const drainedAt = restart.stop!.preStop!.endedAt;
    expect(readyAt - restart.restartedAt!).toBeLessThanOrEqual(startupPlusReadiness * scale + 1000);
    expect(readyAt - drainedAt).toBeLessThan(timing.maxHoldSeconds * 1000 * scale);
    // ... and back in every balancer within its propagation.
    for (const b of result.balancers) {
      const added = events.find((e) => e.kind === 'balancer-add' && e.balancer === b.name);
      expect(added, b.name).toBeDefined();
      expect(added!.t - readyAt, b.name).toBeLessThanOrEqual(b.removalBoundMs + 500);
    }
    // The app kept serving while broken, and was drained before it was killed.
    expect(result.traffic.samples).toEqual([]);
    expect(result.traffic.failed).toBe(0);
  });

  it('pods that leave by readiness only (graceful node shutdown, kubelet eviction): no request dropped', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout } = await install();
    const result = await runInstalled('node-shutdown', { template, rollout }, balancers, async ({ deployment }) => {
      // One node after another; the ReplicaSet replaces each pod once kubelet has stopped it.
      for (const { pod } of [...deployment.pods]) await deployment.shutDown(pod);
    });
    expectNoRequestDropped(expect, result, 3);
    for (const t of result.terminations) {
      expect(t.how).toBe('shutdown');
      expectDrained(expect, t);
      expectExitedZero(expect, t);
      // Every balancer had let the pod go, by its readiness alone, before the app got SIGTERM.
      const events = result.timeline.events.filter((e) => e.pod === t.pod && e.t >= t.deletedAt);
      for (const b of result.balancers) {
        const removed = events.find((e) => e.kind === 'balancer-remove' && e.balancer === b.name);
        expect(removed && removed.t <= t.app.sigtermAt!, `${t.pod} ${b.name}\n${result.describe(t.pod)}`).toBe(true);
      }
      // and podwarden drained once and never let the drain go.
      const output = result.output(t.pod, 'podwarden');
      expect(output).toMatch(/"kind":"completed"/);
      expect(output).not.toMatch(/"kind":"undrained"/);
    }
  });

  it('a scale-down that deletes several pods at once: no request dropped', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout } = await install({ set: ['replicaCount=5'] });
    expect(rollout.replicas).toBe(5);
    const result = await runInstalled('scale-down', { template, rollout }, balancers, ({ deployment }) => deployment.scaleTo(2));
    expect(result.podsStopped).toBe(3);
    const deleted = result.terminations.map((t) => t.deletedAt);
    expect(Math.max(...deleted) - Math.min(...deleted)).toBeLessThan(100);
    expect(result.traffic.samples).toEqual([]);
    expect(result.traffic.failed).toBe(0);
    for (const t of result.terminations) expectDrained(expect, t);
  });

  it('a rollout with maxSurge 0 (an old pod goes before its replacement exists): no request dropped', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout } = await install({ set: ['strategy.rollingUpdate.maxSurge=0', 'strategy.rollingUpdate.maxUnavailable=1'] });
    expect(rollout).toMatchObject({ maxSurge: 0, maxUnavailable: 1 });
    const result = await runInstalled('max-surge-0', { template, rollout }, balancers, rollouts(rounds.other));
    expectNoRequestDropped(expect, result, 3 * rounds.other);
    for (const t of result.terminations) expectDrained(expect, t);
  });
});
