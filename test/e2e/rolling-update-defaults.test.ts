import { describe, it } from 'vitest';
import { renderChart } from './sim/chart.js';
import { shutdownTiming, withDrainDelay, withoutPodwarden } from './sim/pod-template.js';
import { expectDrained, expectExitedZero, expectNoRequestDropped, form, install, installValues, missingPieces, profileBalancers, rollouts, rounds, runInstalled, scenarioTimeout } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

const minRequests = form === 'full' ? 10_000 : 800;
const shortDrain = '1s';

const renderWithDrainDelay = (drainDelay: string) => renderChart({ ...installValues, set: [...installValues.set, `config.shutdown.drainDelay=${drainDelay}`] });

// Scenarios 1 to 3 of docs/rolling-update.md: the chart's defaults (profile ingress-nginx) behind
// the balancers that profile is for (kube-proxy and ingress-nginx), in both sidecar modes; the same
// app without podwarden; and a drain delay the chart refuses. The runs are independent (own pods,
// ports and balancers): side by side.
describe.concurrent('rolling update with the chart defaults', () => {
  it('loses requests without podwarden: balancers still send to pods that have stopped', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout } = await install();
    const result = await runInstalled('without-podwarden', { template: withoutPodwarden(template), rollout }, profileBalancers['ingress-nginx'], rollouts(rounds.before));
    expect(result.mode).toBe('none');
    expect(result.podsStopped).toBe(3 * rounds.before);
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(result.traffic.byOutcome.refused ?? 0).toBeGreaterThan(0);
    expect(Object.keys(result.traffic.failedByBalancer).sort()).toEqual(['ingress-nginx', 'kube-proxy']);
  });

  it('drops no request with podwarden as a native sidecar while every pod is replaced', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install();
    expect(template.mode).toBe('native');
    expect(timing.profile).toBe('ingress-nginx');
    expect(rollout).toMatchObject({ replicas: 3, maxSurge: 1, maxUnavailable: 0, minReadySeconds: timing.propagationSeconds });
    const result = await runInstalled('podwarden-native', { template, rollout }, profileBalancers['ingress-nginx'], rollouts(rounds.podwarden));
    // The balancer models fit the profile's propagation figure (on the scenario's clock).
    for (const b of result.balancers) expect(b.removalBoundMs, b.name).toBeLessThanOrEqual(timing.propagationSeconds * 1000 * result.timeScale);
    expectNoRequestDropped(expect, result, 3 * rounds.podwarden, minRequests);
    for (const t of result.terminations) {
      expectDrained(expect, t);
      expectExitedZero(expect, t);
    }
  });

  // sidecar.mode=container: podwarden gets SIGTERM as the app's preStop calls /drain; both join the one drain.
  it('drops no request with podwarden as a regular container (sidecar.mode=container)', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install({ mode: 'container' });
    expect(template.mode).toBe('container');
    const result = await runInstalled('podwarden-container', { template, rollout }, profileBalancers['ingress-nginx'], rollouts(rounds.podwarden));
    expectNoRequestDropped(expect, result, 3 * rounds.podwarden, minRequests);
    for (const t of result.terminations) {
      // The hook may see podwarden close as it exits: kubelet then logs FailedPreStopHook and sends SIGTERM, as it would anyway.
      expect(t.app.sigtermAt! - t.deletedAt, t.pod).toBeGreaterThanOrEqual(timing.propagationSeconds * 1000 * result.timeScale);
      expect(t.app.killed || t.sidecar?.killed, t.pod).toBe(false);
      expectExitedZero(expect, t);
    }
  });

  it(`loses requests with drainDelay ${shortDrain}, shorter than the balancers need`, { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install();
    const short = withDrainDelay(template, shortDrain);
    expect(shutdownTiming(short).drainDelayMs).toBeLessThan(timing.propagationSeconds * 1000);
    const result = await runInstalled('short-drain-delay', { template: short, rollout }, profileBalancers['ingress-nginx'], rollouts(rounds.other));
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(result.traffic.failedByBalancer['ingress-nginx'] ?? 0).toBeGreaterThan(0);
    for (const t of result.terminations) expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
  });

  it(`refuses drainDelay ${shortDrain} at render time, with the documented message, and accepts the profile's own`, { timeout: 120_000 }, async ({ expect }) => {
    const render = await renderWithDrainDelay(shortDrain);
    expect(render.ok).toBe(false);
    expect(render.ok ? '' : render.error).toContain(
      'podwarden: config.shutdown.drainDelay (1s) is shorter than timing.profile ingress-nginx needs: propagation 8s + readiness detection 4s ' +
        '(app.probes.readiness.periodSeconds 2 x failureThreshold 2) + timing.drainMarginSeconds 2s = 14s',
    );
    // The chart's default drain delay is the shortest it accepts: what scenario 2 runs with.
    const { timing } = await install();
    expect(timing.drainDelaySeconds).toBe(timing.propagationSeconds + timing.readinessDetectionSeconds + timing.drainMarginSeconds);
    expect((await renderWithDrainDelay(`${timing.drainDelaySeconds}s`)).ok).toBe(true);
    expect((await renderWithDrainDelay(`${timing.drainDelaySeconds - 1}s`)).ok).toBe(false);
  });
});
