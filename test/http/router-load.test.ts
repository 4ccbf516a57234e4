import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const counted = (exposition: string, probe: string, code: number) =>
  Number(new RegExp(`probe_requests_total\\{probe="${probe}",code="${code}",agent="other"\\} (\\d+)`).exec(exposition)?.[1] ?? 0);

describe('the router behind the fast path', () => {
  it('kubelet probes and scrapes are answered before it is loaded, with the same answers and counting', async () => {
    h = await startHarness({ preloadRouter: false, services: { db: {} } });
    const failing = await h.get('/readyz');
    expect(failing.status).toBe(503);
    expect(failing.body).toContain('[-]db failed: reason withheld\n');
    h.services.db!.ready();
    expect(await h.get('/livez')).toMatchObject({ status: 200, body: 'ok' });
    const scrape = await h.get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(scrape.headers.get('cache-control')).toBe('no-store');
    const open = await h.get('/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(open.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(open.body.endsWith('# EOF\n')).toBe(true);
    const after = (await h.get('/metrics')).body;
    expect(counted(after, 'readyz', 503)).toBe(1);
    expect(counted(after, 'livez', 200)).toBe(1);
    expect(counted(after, 'metrics', 200)).toBe(2); // a scrape is counted once answered, after it rendered
  });

  it('requests that arrive while it loads wait for it and are all answered', async () => {
    h = await startHarness({ preloadRouter: false, services: { db: {} } });
    h.services.db!.ready();
    const answers = await Promise.all([
      h.get('/readyz?verbose'),
      h.get('/readyz', { headers: { accept: 'application/json' } }),
      h.get('/livez/podwarden'),
      h.get('/drain'),
      h.get('/nope'),
      h.get('/metrics', { method: 'HEAD' }),
      h.get('/readyz'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 403, 404, 200, 200]);
    expect(answers[0]!.body).toContain('[+]db ok');
    expect(JSON.parse(answers[1]!.body)).toMatchObject({ probe: 'readyz', status: 'ok' });
    expect(answers[4]!.body).toBe('not found\n');
  });
});
