import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { mostWithin, until } from '../helpers/core.js';
import { cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

afterEach(cleanupPodwardens);

// What the app sees of podwarden's checks: requests spread over the interval,
// not one burst per round (which probes and scrapes arriving meanwhile wait behind).
describe('podwarden serve with many checks of one interval', () => {
  it('spreads each round of requests over the interval after the first', async () => {
    const count = 40;
    const arrivals = new Map<string, number[]>();
    const app = createServer((request, response) => {
      const list = arrivals.get(request.url ?? '') ?? [];
      list.push(performance.now());
      arrivals.set(request.url ?? '', list);
      response.end('ok');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { port } = app.address() as AddressInfo;
    try {
      const services = Array.from({ length: count }, (_, i) => ({ name: `app-${i}`, type: 'http', url: `http://127.0.0.1:${port}/c/${i}`, interval: '1s', timeout: '500ms' }));
      const pw = await startPodwarden({ config: { services } });
      await until(() => arrivals.size === count && [...arrivals.values()].every((a) => a.length >= 3), 10_000, 'three requests for every check');
      expect((await pw.get('/readyz')).status).toBe(200);
      const round = (k: number) => [...arrivals.values()].map((a) => a[k]!);
      // The first round is at start, together; the next ones are spread in groups of 8, at
      // least ~90 ms apart: at most 8 of 40 in any 50 ms (a stall of ~100 ms on a loaded
      // machine may merge two groups: 16), where without the spread all 40 would be.
      expect(mostWithin(round(0), 250)).toBeGreaterThanOrEqual(count - 5);
      expect(mostWithin(round(1), 50)).toBeLessThanOrEqual(20);
      expect(mostWithin(round(2), 50)).toBeLessThanOrEqual(20);
      // No check's second request comes later than one interval after its first.
      for (const a of arrivals.values()) expect(a[1]! - a[0]!).toBeLessThan(1000 + 250);
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
