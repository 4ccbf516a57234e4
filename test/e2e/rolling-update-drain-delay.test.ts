import { describe, it } from 'vitest';
import { renderChart } from './sim/chart.js';
import { shutdownTiming, withDrainDelay } from './sim/pod-template.js';
import { baseOptions, externalBalancer, install, installValues, missingPieces, rounds, runAndRecord } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

const shortDrain = '2s';

const renderWithDrainDelay = (drainDelay: string) => renderChart({ ...installValues, set: [...installValues.set, `config.shutdown.drainDelay=${drainDelay}`] });

// Scenario 3 of docs/rolling-update.md: the drain delay against the endpoint propagation delay.
// The runs are independent (own pods, ports and balancers), so they run side by side.
describe.concurrent('rolling update: drain delay against endpoint propagation', () => {
  it(`loses requests with drainDelay ${shortDrain}, shorter than the propagation delay`, { timeout: 10 * 60_000 }, async ({ expect }) => {
    const { template, rollout, propagationMs } = await install('native');
    const short = withDrainDelay(template, shortDrain);
    expect(shutdownTiming(short).drainDelayMs).toBeLessThan(propagationMs);
    const result = await runAndRecord({
      name: 'short-drain-delay',
      template: short,
      rollout,
      rounds: rounds.drainDelay,
      propagationMs,
      external: externalBalancer(true),
      ...baseOptions(),
    });
    expect(result.traffic.failed).toBeGreaterThan(0);
    expect(result.traffic.failedByBalancer['kube-proxy'] ?? 0).toBeGreaterThan(0);
    for (const t of result.terminations) expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
  });

  it(`refuses drainDelay ${shortDrain} at render time, with the documented message`, { timeout: 120_000 }, async ({ expect }) => {
    const render = await renderWithDrainDelay(shortDrain);
    expect(render.ok).toBe(false);
    expect(render.ok ? '' : render.error).toContain(
      'config.shutdown.drainDelay (2s) is shorter than timing.endpointPropagationSeconds (5) + timing.drainMarginSeconds (2) = 7s',
    );
  });

  it('drops nothing with the shortest drain delay the chart accepts (propagation + margin)', { timeout: 10 * 60_000 }, async ({ expect }) => {
    const { template, rollout, propagationMs, marginMs } = await install('native');
    const shortest = `${(propagationMs + marginMs) / 1000}s`;
    expect((await renderWithDrainDelay(shortest)).ok).toBe(true);
    const result = await runAndRecord({
      name: 'shortest-accepted-drain-delay',
      template: withDrainDelay(template, shortest),
      rollout,
      rounds: rounds.drainDelay,
      propagationMs,
      external: externalBalancer(true),
      ...baseOptions(),
    });
    expect(result.traffic.samples).toEqual([]);
    expect(result.traffic.failed).toBe(0);
  });
});
