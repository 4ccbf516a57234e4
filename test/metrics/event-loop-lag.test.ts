import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { sampleValue } from '../helpers/exposition.js';
import { type Harness, startHarness } from '../http/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const value = (exposition: string, series: string) => sampleValue(exposition, series) ?? NaN;

describe('event-loop lag', () => {
  it('one delay histogram feeds both podwarden_event_loop_lag_seconds and nodejs_eventloop_lag_*', async () => {
    h = await startHarness({ http: { eventLoop: { sampleInterval: 100, maxLag: 5000 } } });
    // What the loop lagged before the block, whatever else the machine is doing; the block is made longer than that.
    const calm = value((await h.get('/metrics')).body, 'nodejs_eventloop_lag_max_seconds');
    expect(calm).toBeGreaterThanOrEqual(0);
    const blockMs = 300 + Math.ceil(calm * 1000);
    const until = performance.now() + blockMs;
    while (performance.now() < until); // block the loop
    // A block is seen to within the sampling timers' 100 ms period, less the up to 1 ms by which Node's millisecond
    // timer clock lets a tick run early.
    const atLeast = blockMs - 101;
    // podwarden's monitor reports the lag of its last window (100 ms here)…
    let seen = 0;
    for (let waited = 0; waited < 1000 && seen <= atLeast; waited += 10) {
      await sleep(10);
      seen = Math.max(seen, h.http.eventLoop.lagMs);
    }
    expect(seen).toBeGreaterThan(atLeast);
    // …and the process metrics every delay since the last scrape, from the same histogram.
    await sleep(200);
    const lagged = (await h.get('/metrics')).body;
    expect(value(lagged, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(atLeast / 1000);
    expect(value(lagged, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
