import { describe, expect, it } from 'vitest';
import { withoutPodwarden } from './sim/pod-template.js';
import { baseOptions, externalBalancer, install, missingPieces, rounds, runAndRecord } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

// Scenario 1 of docs/rolling-update.md, the "before": the same app, probes and balancers,
// no preStop hook. SIGTERM reaches the app as its endpoint starts to propagate.
describe('rolling update without podwarden', () => {
  it('loses requests: balancers still send to pods that have stopped', { timeout: 10 * 60_000 }, async () => {
    const { template, rollout, propagationMs } = await install('native');
    const result = await runAndRecord({
      name: 'without-podwarden',
      template: withoutPodwarden(template),
      rollout,
      rounds: rounds.before,
      propagationMs,
      external: externalBalancer(false),
      ...baseOptions(),
    });
    expect(result.mode).toBe('none');
    expect(result.podsReplaced).toBe(3 * rounds.before);
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(result.traffic.byOutcome.refused ?? 0).toBeGreaterThan(0);
    expect(Object.keys(result.traffic.failedByBalancer).sort()).toEqual(['external-lb', 'kube-proxy']);
  });
});
