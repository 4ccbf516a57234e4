import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { CheckResults } from '../../src/checks/check-result.js';
import { type CheckAttempt, periodicCheck } from '../../src/checks/periodic-check.js';
import { ThresholdTracker } from '../../src/checks/threshold-tracker.js';
import { ServiceReadyNotifier } from '../../src/core/ready-notifier.js';
import { ShutdownTrigger } from '../../src/core/shutdown-watch.js';
import { mostWithin, sleep, until } from '../helpers/core.js';
import { runInServer } from './harness.js';

const timing = { interval: 100, timeout: 80, initialDelay: 0, successThreshold: 1, failureThreshold: 1 };

/** A check whose attempts follow `outcomes` (true: success), then keep the last one. */
function scripted(name: string, outcomes: boolean[], options: Partial<typeof timing> = {}) {
  let i = 0;
  const attempt: CheckAttempt = async () => {
    const ok = outcomes[Math.min(i++, outcomes.length - 1)];
    if (!ok) throw new Error(`attempt ${i} failed`);
  };
  const results = new CheckResults();
  return { service: periodicCheck({ name, type: 'test', results, ...timing, ...options, setup: () => ({ attempt }) }), results };
}

describe('ThresholdTracker (kubelet semantics)', () => {
  it('starts not ready and needs successThreshold consecutive successes', () => {
    const t = new ThresholdTracker(2, 3);
    expect(t.record(true)).toBe('unchanged-not-ready');
    expect(t.record(false)).toBe('unchanged-not-ready');
    expect(t.record(true)).toBe('unchanged-not-ready');
    expect(t.record(true)).toBe('ready');
  });

  it('needs failureThreshold consecutive failures to leave readiness; a success resets the run', () => {
    const t = new ThresholdTracker(1, 3);
    t.record(true);
    expect(t.record(false)).toBe('unchanged-ready');
    expect(t.record(false)).toBe('unchanged-ready');
    expect(t.record(true)).toBe('unchanged-ready');
    expect(t.record(false)).toBe('unchanged-ready');
    expect(t.record(false)).toBe('unchanged-ready');
    expect(t.record(false)).toBe('not-ready');
    expect(t.record(true)).toBe('ready');
  });
});

describe('periodicCheck in a Server', () => {
  it('flips readiness exactly on the threshold-th consecutive result', async () => {
    // 2 successes → ready; then 2 failures (stays ready), 1 success, 3 failures → not ready; then 2 successes → ready.
    const outcomes = [true, true, false, false, true, false, false, false, true, true];
    const { service, results } = scripted('scripted', outcomes, { successThreshold: 2, failureThreshold: 3, interval: 30 });
    const run = runInServer(service, results);
    await until(() => run.results.length >= outcomes.length, 3000);
    await sleep(5);
    const states = run.transitions.map((t) => t.state);
    expect(states).toEqual(['starting', 'ready', 'not-ready', 'ready']);
    // Each transition happened right after the attempt that crossed the threshold (attempt index 1, 7, 9).
    const resultAt = (i: number) => run.results[i]!.at.mono;
    expect(run.transitions[1]!.at).toBeGreaterThanOrEqual(resultAt(1));
    expect(run.transitions[1]!.at).toBeLessThan(resultAt(2));
    expect(run.transitions[2]!.at).toBeGreaterThanOrEqual(resultAt(7));
    expect(run.transitions[2]!.at).toBeLessThan(resultAt(8));
    expect(run.transitions[2]!.reason).toBe('attempt 8 failed');
    expect(run.transitions[3]!.at).toBeGreaterThanOrEqual(resultAt(9));
  });

  it('reports every attempt with name, type, outcome, duration and error', async () => {
    const { service, results } = scripted('reported', [true, false]);
    const run = runInServer(service, results);
    await until(() => run.results.length >= 2);
    expect(run.results[0]).toMatchObject({ name: 'reported', type: 'test', ok: true, error: undefined });
    expect(run.results[1]).toMatchObject({ name: 'reported', type: 'test', ok: false, error: 'attempt 2 failed' });
    expect(run.results[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.results[0]!.durationMs).toBeLessThan(50);
  });

  it('keeps the service starting, with the failure as its reason, until the first success', async () => {
    const { service, results } = scripted('late', [false, false, true]);
    const run = runInServer(service, results);
    await until(() => run.results.length >= 1);
    expect(run.state()).toBe('starting');
    expect(run.snapshot().reason).toBe('attempt 1 failed');
    await run.waitFor('ready', 2000);
  });

  it('fails an attempt at the timeout and never runs two attempts at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const attempt: CheckAttempt = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(250); // ignores its abort signal on purpose
      inFlight--;
    };
    const results = new CheckResults();
    const run = runInServer(periodicCheck({ name: 'slow', type: 'test', results, ...timing, interval: 50, timeout: 60, setup: () => ({ attempt }) }), results);
    await until(() => run.results.length >= 3, 3000);
    expect(maxInFlight).toBe(1);
    for (const r of run.results) {
      expect(r.ok).toBe(false);
      expect(r.error).toBe('timed out after 60ms');
      expect(r.durationMs).toBeGreaterThanOrEqual(55);
      expect(r.durationMs).toBeLessThan(150);
    }
    // The next attempt waits for the stuck one: starts are ≥ 250 ms apart, not 50.
    expect(run.results[1]!.at.mono - run.results[0]!.at.mono).toBeGreaterThanOrEqual(240);
  });

  it('aborts the attempt through its signal at the timeout', async () => {
    let abortedAfter: number | undefined;
    const attempt: CheckAttempt = (signal) =>
      new Promise((_, reject) => {
        const started = performance.now();
        signal.addEventListener('abort', () => {
          abortedAfter = performance.now() - started;
          reject(new Error('aborted'));
        });
      });
    const results = new CheckResults();
    const run = runInServer(periodicCheck({ name: 'abortable', type: 'test', results, ...timing, timeout: 70, setup: () => ({ attempt }) }), results);
    await until(() => run.results.length >= 1);
    expect(abortedAfter).toBeGreaterThanOrEqual(65);
    expect(abortedAfter).toBeLessThan(150);
    expect(run.results[0]!.error).toBe('timed out after 70ms');
  });

  it('waits initialDelay before the first attempt', async () => {
    const { service, results } = scripted('delayed', [true], { initialDelay: 300 });
    const started = performance.now();
    const run = runInServer(service, results);
    const readyAt = await run.waitFor('ready', 2000);
    expect(readyAt - started).toBeGreaterThanOrEqual(290);
    expect(readyAt - started).toBeLessThan(300 + 300);
  });

  it('stops promptly at shutdown, even mid-attempt, and closes its session', async () => {
    let closed = false;
    let attempts = 0;
    const attempt: CheckAttempt = async () => {
      attempts++;
      if (attempts > 1) await sleep(10_000); // stuck, ignoring its signal
    };
    const results = new CheckResults();
    const run = runInServer(
      periodicCheck({ name: 'stopper', type: 'test', results, ...timing, interval: 50, timeout: 20_000, setup: () => ({ attempt, close: () => void (closed = true) }) }),
      results,
    );
    await run.waitFor('ready');
    await until(() => attempts >= 2);
    const report = await run.stop();
    const snap = report.services.find((s) => s.name === 'stopper')!;
    expect(snap.state).toBe('stopped');
    expect(snap.stopDurationMs).toBeLessThan(250);
    expect(closed).toBe(true);
    // The attempt cut short by shutdown is not reported as a failure.
    expect(run.results.every((r) => r.ok)).toBe(true);
  });

  it('fails the service with the reason when setup throws', async () => {
    const results = new CheckResults();
    const run = runInServer(
      periodicCheck({
        name: 'broken',
        type: 'test',
        results,
        ...timing,
        setup: () => {
          throw new Error('cannot read CA file /nope: ENOENT');
        },
      }),
      results,
    );
    await run.waitFor('failed');
    expect(run.snapshot().reason).toBe('cannot read CA file /nope: ENOENT');
  });

  it('keeps attempts on the interval grid: timer drift does not add up', async () => {
    const { service, results } = scripted('steady', [true], { interval: 100 });
    // The loop is busy 10 ms of every 37, out of step with the checks: many timers fire late.
    const busy = setInterval(() => {
      const end = performance.now() + 10;
      while (performance.now() < end);
    }, 37);
    const run = runInServer(service, results);
    try {
      await until(() => run.results.length >= 25, 6000);
    } finally {
      clearInterval(busy);
    }
    // From the second attempt on (the first one's gap is the spread's), starts sit on a grid.
    // A timer fires up to 10 ms late, but the next start is computed from the grid, not from
    // the late start: the next one comes that much sooner (a start scheduled from the last
    // one would never come less than 100 ms after it). On a loaded machine more timers are
    // late, so more gaps are short; a block of more than half the interval moves the grid.
    const starts = run.results.slice(1).map((r) => r.at.mono);
    const gaps = starts.slice(1).map((at, k) => at - starts[k]!);
    expect(gaps.filter((gap) => gap < 97).length, `gaps between starts: ${gaps.map((g) => g.toFixed(1)).join(' ')}`).toBeGreaterThanOrEqual(2);
  });
});

describe('periodicCheck rounds of checks started together', () => {
  it('spreads them over the interval: the second attempt comes within one interval, each check at its own share of it', async () => {
    const count = 40;
    const interval = 1000;
    const starts = new Map<string, number[]>();
    const triggers = Array.from({ length: count }, () => new ShutdownTrigger()); // one per service, as in a Server
    const results = new CheckResults();
    results.on((r) => {
      const list = starts.get(r.name) ?? [];
      list.push(r.at.mono);
      starts.set(r.name, list);
    });
    const ready = new ServiceReadyNotifier({ ready: () => {}, notReady: () => {} });
    const running = triggers.map((trigger, i) =>
      periodicCheck({ name: `c${i}`, type: 'test', results, ...timing, interval, timeout: 500, setup: () => ({ attempt: async () => {} }) }).startWithReadyNotifier!(trigger.watch(), ready),
    );
    try {
      await until(() => starts.size === count && [...starts.values()].every((s) => s.length >= 3), 3 * interval + 2000, 'three attempts of every check');
    } finally {
      for (const trigger of triggers) trigger.fire('api');
      await Promise.all(running);
    }
    const firstRoundSpan = Math.max(...[...starts.values()].map((s) => s[0]!)) - Math.min(...[...starts.values()].map((s) => s[0]!));
    expect(firstRoundSpan).toBeLessThan(100); // they did start together
    const gaps = [...starts.values()].map((s) => s[1]! - s[0]!);
    // Never later than without the spread (timers may fire a little late).
    for (const gap of gaps) expect(gap).toBeLessThan(interval + 150);
    // Together, every check would start in the same millisecond of each round; spread, in
    // groups of 8 at least ~90 ms apart, at most 8 of 40 fall in any 50 ms of the second and
    // the third round (a stall of ~100 ms on a loaded machine may merge two groups: 16).
    expect(mostWithin([...starts.values()].map((s) => s[1]!), 50)).toBeLessThanOrEqual(20);
    expect(mostWithin([...starts.values()].map((s) => s[2]!), 50)).toBeLessThanOrEqual(20);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(interval * 0.6);
  });
});

describe('periodicCheck timers (fake clock)', () => {
  it('holds one timer per check, and none while a timed-out attempt hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      let calls = 0;
      const attempt: CheckAttempt = () => {
        calls++;
        return new Promise(() => {}); // hangs, ignoring its signal
      };
      const results = new CheckResults();
      const seen: string[] = [];
      results.on((r) => seen.push(r.error ?? 'ok'));
      const trigger = new ShutdownTrigger();
      const ready = new ServiceReadyNotifier({ ready: () => {}, notReady: () => {} });
      const running = periodicCheck({ name: 'hung', type: 'test', results, ...timing, interval: 10, timeout: 1000, setup: () => ({ attempt }) }).startWithReadyNotifier!(
        trigger.watch(),
        ready,
      );
      await vi.advanceTimersByTimeAsync(0);
      expect(calls).toBe(1);
      expect(vi.getTimerCount()).toBe(1); // the attempt's timeout, nothing per interval
      await vi.advanceTimersByTimeAsync(500);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(600);
      expect(seen).toEqual(['timed out after 1s']);
      expect(vi.getTimerCount()).toBe(0); // waiting for the attempt to return costs nothing per tick
      await vi.advanceTimersByTimeAsync(5000);
      expect(calls).toBe(1);
      trigger.fire('api');
      await running;
    } finally {
      vi.useRealTimers();
    }
  });
});
