import { describe, expect, it } from 'vitest';
import { baseOptions, externalBalancer, install, missingPieces, rounds, runAndRecord } from './rolling-update.js';

// Missing pieces (helm, the chart, the built CLI) fail the suite: it never skips.
const missing = missingPieces();
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

// Scenario 2 of docs/rolling-update.md, with sidecar.mode=container: podwarden gets SIGTERM
// as the app's preStop calls /drain; both join the one drain, so the app is still held.
describe('rolling update with podwarden as a regular container (sidecar.mode=container)', () => {
  it('drops no request while every pod is replaced', { timeout: 15 * 60_000 }, async () => {
    const { template, rollout, propagationMs } = await install('container');
    expect(template.mode).toBe('container');
    const result = await runAndRecord({
      name: 'podwarden-container',
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
      // The hook may see podwarden close as it exits: kubelet then logs FailedPreStopHook and sends SIGTERM, as it would anyway.
      expect(t.app.sigtermAt! - t.deletedAt, t.pod).toBeGreaterThanOrEqual(propagationMs);
      expect(t.app.killed || t.sidecar?.killed, t.pod).toBe(false);
      expect(t.app.exit?.code, t.pod).toBe(0);
      expect(t.sidecar?.exit?.code, t.pod).toBe(0);
    }
  });
});
