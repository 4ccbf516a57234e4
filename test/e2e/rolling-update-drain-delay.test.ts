import { describe, expect, it } from 'vitest';
import { renderChart } from './sim/chart.js';
import { shutdownTiming, withDrainDelay } from './sim/pod-template.js';
import { baseOptions, externalBalancer, install, installValues, missingPieces, rounds, runAndRecord } from './rolling-update.js';

const missing = missingPieces();
if (missing) console.warn(`rolling-update (short drain delay) skipped: missing ${missing}`);

const shortDrain = '2s';

// Scenario 3 of docs/rolling-update.md: a drain delay shorter than the endpoint propagation.
describe.skipIf(missing !== undefined)(`rolling update with drainDelay ${shortDrain}, shorter than the propagation delay`, () => {
  it('loses requests once podwarden lets SIGTERM through before balancers have stopped sending', { timeout: 10 * 60_000 }, async () => {
    const { template, rollout, propagationMs } = await install('native');
    const short = withDrainDelay(template, shortDrain);
    expect(shutdownTiming(short).drainDelayMs).toBeLessThan(propagationMs);
    const result = await runAndRecord({
      name: 'short-drain-delay',
      template: short,
      rollout,
      rounds: rounds.shortDrain,
      propagationMs,
      external: externalBalancer(true),
      ...baseOptions(),
    });
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(result.traffic.failedByBalancer['kube-proxy'] ?? 0).toBeGreaterThan(0);
    for (const t of result.terminations) expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
  });

  it('is refused by the chart at render time, with the documented message', { timeout: 120_000 }, async () => {
    const render = await renderChart({ ...installValues, set: [...installValues.set, `config.shutdown.drainDelay=${shortDrain}`] });
    expect(render.ok).toBe(false);
    expect(render.ok ? '' : render.error).toContain(
      'config.shutdown.drainDelay (2s) is shorter than timing.endpointPropagationSeconds (5) + timing.drainMarginSeconds (2) = 7s',
    );
  });
});
