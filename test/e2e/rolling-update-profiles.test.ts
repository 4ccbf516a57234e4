import { describe, it } from 'vitest';
import { type Profile, expectDrained, expectNoRequestDropped, install, missingPieces, profileBalancers, rollouts, rounds, runInstalled, scenarioTimeout } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

const others: Profile[] = ['kube-proxy', 'aws-load-balancer-controller', 'gke-neg'];

// Scenarios 4 and 5 of docs/rolling-update.md: each timing profile behind the balancers it is meant
// for (the default, ingress-nginx, runs in rolling-update-defaults), a profile meant for a short
// propagation behind a cloud balancer, and a Service with externalTrafficPolicy: Local behind an NLB
// whose targets are the nodes, one pod per node: kube-proxy sends a node's traffic to its
// terminating pod only while the pod is serving (Ready), so readiness must hold until the NLB has
// taken the node out. Independent runs, side by side.
describe.concurrent('rolling update: each timing profile against its own balancers', () => {
  for (const profile of others) {
    it(`drops no request with timing.profile ${profile}`, { timeout: scenarioTimeout }, async ({ expect }) => {
      const { template, rollout, timing } = await install({ set: [`timing.profile=${profile}`] });
      expect(timing.profile).toBe(profile);
      const result = await runInstalled(`profile-${profile}`, { template, rollout }, profileBalancers[profile], rollouts(rounds.profile));
      // Each balancer model stops sending within the profile's propagation figure (on the scenario's clock).
      for (const b of result.balancers) expect(b.removalBoundMs, b.name).toBeLessThanOrEqual(timing.propagationSeconds * 1000 * result.timeScale);
      expectNoRequestDropped(expect, result, 3 * rounds.profile);
      for (const t of result.terminations) expectDrained(expect, t);
    });
  }

  // The "before": the kube-proxy profile's 11 s drain behind an ALB whose health check needs up to 30 s.
  it('loses requests with timing.profile kube-proxy behind an AWS ALB', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install({ set: ['timing.profile=kube-proxy'] });
    const result = await runInstalled('profile-kube-proxy-behind-alb', { template, rollout }, [{ model: 'aws-alb' }], rollouts(rounds.before));
    expect(result.balancers[0]!.removalBoundMs).toBeGreaterThan(timing.drainDelaySeconds * 1000 * result.timeScale);
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(Object.keys(result.traffic.failedByBalancer)).toEqual(['aws-alb']);
    // The pods drained as configured; the ALB kept sending after they stopped.
    for (const t of result.terminations) expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
  });

  it('drops no request with timing.externalTrafficPolicyLocal.enabled', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout, timing } = await install({ set: ['timing.profile=kube-proxy', 'timing.externalTrafficPolicyLocal.enabled=true'] });
    const readiness = template.app.readinessProbe!;
    // The chart keeps a draining pod serving for (failureThreshold - 1) x period >= propagation + the NLB's node check.
    expect((readiness.failureThreshold - 1) * readiness.periodSeconds).toBeGreaterThanOrEqual(timing.propagationSeconds + 10 * 3);
    const result = await runInstalled('etp-local', { template, rollout }, [{ model: 'aws-nlb-local' }], rollouts(rounds.other));
    expectNoRequestDropped(expect, result, 3 * rounds.other);
    for (const t of result.terminations) expectDrained(expect, t);
  });

  it('loses requests when readiness fails at once (the model off: the kube-proxy profile as it is)', { timeout: scenarioTimeout }, async ({ expect }) => {
    const { template, rollout } = await install({ set: ['timing.profile=kube-proxy'] });
    const result = await runInstalled('etp-local-readiness-at-once', { template, rollout }, [{ model: 'aws-nlb-local' }], rollouts(rounds.before));
    expect(result.traffic.failed).toBeGreaterThan(0);
    // Dropped by the node's kube-proxy: no local endpoint left that is ready or serving.
    expect(result.traffic.byOutcome['no-endpoint'] ?? 0).toBeGreaterThan(0);
  });
});
