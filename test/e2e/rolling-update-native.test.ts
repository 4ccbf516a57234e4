import { describe, expect, it } from 'vitest';
import { baseOptions, externalBalancer, install, missingPieces, rounds, runAndRecord } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

// Scenario 2 of docs/rolling-update.md: the chart's defaults, podwarden as a native sidecar.
describe('rolling update with podwarden as a native sidecar (chart defaults)', () => {
  it('drops no request while every pod is replaced', { timeout: 15 * 60_000 }, async () => {
    const { template, rollout, propagationMs } = await install('native');
    expect(template.mode).toBe('native');
    expect(rollout).toMatchObject({ replicas: 3, maxSurge: 1, maxUnavailable: 0 });
    const result = await runAndRecord({
      name: 'podwarden-native',
      template,
      rollout,
      rounds: rounds.podwarden,
      propagationMs,
      external: externalBalancer(true),
      ...baseOptions(),
    });
    expect(result.podsReplaced).toBe(3 * rounds.podwarden);
    expect(result.traffic.requests).toBeGreaterThanOrEqual(10_000);
    expect(result.traffic.samples).toEqual([]);
    expect(result.traffic.failed).toBe(0);
    expect(result.restartsWanted).toEqual([]);
    for (const t of result.terminations) {
      expect(t.app.preStop?.result, t.pod).toBe('HTTP 200');
      expect(t.app.killed || t.sidecar?.killed, t.pod).toBe(false);
      expect(t.app.exit?.code, t.pod).toBe(0);
      expect(t.sidecar?.exit?.code, t.pod).toBe(0);
    }
  });
});
