import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const soakScript = fileURLToPath(new URL('../../scripts/soak.mjs', import.meta.url));

interface SoakSummary {
  ok: boolean;
  problems: string[];
  baseline: Record<string, number>;
  cycles: Array<Record<string, number>>;
  memory: { peakMiB: number; rss: { growthPct?: number } };
  floods: { count: number; connections: number; closedByServer: number; responses: number };
  poller: { probes: Record<string, { count: number; statuses: Record<string, number>; errors: Record<string, number> }> };
  scrapes: { count: number; failures: number };
  activity: { serviceStateChanges: number; restarts: number; checkFailures: Record<string, number>; checkAttempts: Record<string, number> };
  exit: { code: number; stopMs: number };
}

/**
 * The short form of `make soak` (scripts/soak.mjs): 36 s in cycles of 4 s,
 * flapping checks, a crash-looping service restarted on failure, exec checks
 * leaving children and timing out, a pipelined flood each cycle. Asserts what is exact; RSS growth is only shown
 * (the long form reports it).
 */
describe('soak, short form', () => {
  it('no probe fails, and descriptors and processes return to their baseline after every cycle', async () => {
    const child = spawn(process.execPath, [soakScript, '--seconds', '36', '--cycle-seconds', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    const summary = JSON.parse(stdout) as SoakSummary;
    console.log(stderr.trim());
    expect(summary.problems).toEqual([]);
    expect(code).toBe(0);
    expect(summary.cycles.length).toBe(9);
    for (const cycle of summary.cycles.slice(1)) {
      for (const [key, value] of Object.entries(summary.baseline)) expect(cycle[key], `cycle ${cycle.cycle} ${key}`).toBe(value);
    }
    expect(summary.baseline).toMatchObject({ descendants: 0, zombies: 0, marked: 0 });
    for (const [path, probe] of Object.entries(summary.poller.probes)) {
      expect(probe.errors, path).toEqual({});
      expect(probe.count, path).toBeGreaterThan(250);
    }
    expect(summary.poller.probes['/livez']!.statuses).toEqual({ '200': summary.poller.probes['/livez']!.count });
    expect(Object.keys(summary.poller.probes['/readyz']!.statuses).sort()).toEqual(['200', '503']);
    expect(summary.scrapes.failures).toBe(0);
    // A pipelined flood every cycle: every connection closed by podwarden, never more than 8 answers each, memory bounded.
    expect(summary.floods.count).toBeGreaterThanOrEqual(8);
    expect(summary.floods.closedByServer).toBe(summary.floods.connections);
    expect(summary.floods.responses).toBeLessThanOrEqual(summary.floods.connections * 8);
    expect(summary.memory.peakMiB).toBeLessThanOrEqual(128);
    // It did what a soak should: flapping, restarting, exec attempts by the hundred.
    expect(summary.activity.restarts).toBeGreaterThanOrEqual(3);
    expect(summary.activity.checkFailures['flappy-http']).toBeGreaterThan(10);
    expect(summary.activity.checkAttempts['leaves-children']).toBeGreaterThan(80);
    expect(summary.activity.checkFailures['times-out']).toBeGreaterThan(15);
    expect(summary.exit.stopMs).toBeLessThan(5000);
  }, 90_000);
});
