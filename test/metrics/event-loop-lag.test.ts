import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { type Harness, startHarness } from '../http/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const value = (exposition: string, series: string) => Number(new RegExp(`^${series} ([\\d.e+-]+)$`, 'm').exec(exposition)?.[1]);

describe('event-loop lag', () => {
  it('one delay histogram feeds both podwarden_event_loop_lag_seconds and nodejs_eventloop_lag_*', async () => {
    h = await startHarness({ http: { eventLoop: { sampleInterval: 100, maxLag: 5000 } } });
    const calm = (await h.get('/metrics')).body;
    expect(value(calm, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.1);

    const until = performance.now() + 300;
    while (performance.now() < until); // block the loop
    // podwarden's monitor reports the lag of its last window (100 ms here)…
    let seen = 0;
    for (let waited = 0; waited < 1000 && seen <= 200; waited += 10) {
      await sleep(10);
      seen = Math.max(seen, h.http.eventLoop.lagMs);
    }
    expect(seen).toBeGreaterThan(200);
    // …and the process metrics every delay since the last scrape, from the same histogram.
    await sleep(200);
    const lagged = (await h.get('/metrics')).body;
    expect(value(lagged, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.2);
    expect(value(lagged, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
