import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('probe endpoints (kube-apiserver semantics)', () => {
  it('answers 503 listing the failing members until every member is ready, then ok', async () => {
    h = await startHarness({ services: { db: {} } });
    const before = await h.get('/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toBe('[+]podwarden ok\n[-]db failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    expect(before.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect((await h.get('/startupz')).status).toBe(503);
    expect(await h.get('/livez')).toMatchObject({ status: 200, body: 'ok' });

    h.services.db!.ready();
    await until(() => h!.server.service('db')?.state === 'ready');
    expect(await h.get('/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect(await h.get('/startupz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('?verbose lists each member as [+]name ok and closes with "<probe> check passed"', async () => {
    h = await startHarness({ services: { db: {}, cache: {} } });
    h.services.db!.ready();
    h.services.cache!.ready();
    await until(() => h!.server.service('cache')?.state === 'ready');
    expect((await h.get('/readyz?verbose')).body).toBe('[+]podwarden ok\n[+]db ok\n[+]cache ok\n[+]shutdown ok\nreadyz check passed\n');
    expect((await h.get('/startupz?verbose')).body).toBe('[+]podwarden ok\n[+]db ok\n[+]cache ok\nstartupz check passed\n');
    expect((await h.get('/livez?verbose')).body).toBe('[+]podwarden ok\n[+]shutdown ok\nlivez check passed\n');
  });

  it('withholds failure reasons unless exposeDetails is on', async () => {
    h = await startHarness({ services: { db: {} } });
    h.services.db!.ready();
    h.services.db!.notReady('connection refused by 10.0.0.5:5432');
    await until(() => h!.server.service('db')?.state === 'not-ready');
    const withheld = await h.get('/readyz?verbose');
    expect(withheld.body).toContain('[-]db failed: reason withheld\n');
    expect(withheld.body).not.toContain('10.0.0.5');
    expect(JSON.stringify(await (await fetch(`${h.base}/readyz`, { headers: { accept: 'application/json' } })).json())).not.toContain('10.0.0.5');
    await h.close();

    h = await startHarness({ services: { db: {} }, http: { exposeDetails: true } });
    h.services.db!.ready();
    h.services.db!.notReady('connection refused by 10.0.0.5:5432');
    await until(() => h!.server.service('db')?.state === 'not-ready');
    expect((await h.get('/readyz')).body).toContain('[-]db failed: not-ready: connection refused by 10.0.0.5:5432\n');
  });

  it('?exclude= is repeatable, leaves checks out, and warns about names that match nothing', async () => {
    h = await startHarness({ services: { db: {}, cache: {} } });
    h.services.cache!.ready();
    await until(() => h!.server.service('cache')?.state === 'ready');
    expect((await h.get('/readyz')).status).toBe(503);
    expect(await h.get('/readyz?exclude=db')).toMatchObject({ status: 200, body: 'ok' });
    const both = await h.get('/readyz?verbose&exclude=db&exclude=cache&exclude=nope');
    expect(both.status).toBe(200);
    expect(both.body).toBe('[+]podwarden ok\n[+]shutdown ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n');
  });

  it('/<probe>/<name> answers for one member; unknown names and non-members are 404', async () => {
    h = await startHarness({ services: { db: {}, worker: { probes: ['liveness'] } } });
    h.services.worker!.ready();
    await until(() => h!.server.service('worker')?.state === 'ready');
    expect(await h.get('/readyz/db')).toMatchObject({ status: 503, body: '[-]db failed: reason withheld\nreadyz check failed\n' });
    expect(await h.get('/livez/worker')).toMatchObject({ status: 200, body: 'ok' });
    expect(await h.get('/livez/worker?verbose')).toMatchObject({ status: 200, body: '[+]worker ok\nlivez check passed\n' });
    expect(await h.get('/livez/podwarden')).toMatchObject({ status: 200, body: 'ok' });
    expect(await h.get('/startupz/podwarden')).toMatchObject({ status: 200, body: 'ok' });
    expect(await h.get('/readyz/shutdown')).toMatchObject({ status: 200, body: 'ok' });
    for (const path of ['/livez/db', '/readyz/worker', '/startupz/shutdown', '/readyz/nope', '/livez/%2e%2e']) {
      expect((await h.get(path)).status, path).toBe(404);
    }
  });

  it('/startupz stays 200 once every startup member has been ready, while /readyz follows readiness', async () => {
    h = await startHarness({ services: { db: {} } });
    h.services.db!.ready();
    await until(() => h!.server.service('db')?.state === 'ready');
    h.services.db!.notReady('lost connection');
    await until(() => h!.server.service('db')?.state === 'not-ready');
    expect((await h.get('/readyz')).status).toBe(503);
    expect((await h.get('/startupz')).status).toBe(200);
  });

  it('liveness is opt-in: a failing service fails /livez only when it lists liveness', async () => {
    h = await startHarness({ services: { db: {}, worker: { probes: ['readiness', 'liveness'] } } });
    h.services.db!.ready();
    h.services.worker!.ready();
    await until(() => h!.server.service('worker')?.state === 'ready');
    h.services.db!.notReady('database blip');
    await until(() => h!.server.service('db')?.state === 'not-ready');
    expect((await h.get('/livez')).status).toBe(200);
    h.services.worker!.fail('crashed');
    await until(() => h!.server.service('worker')?.state === 'failed');
    expect(await h.get('/livez')).toMatchObject({ status: 503, body: '[+]podwarden ok\n[-]worker failed: reason withheld\n[+]shutdown ok\nlivez check failed\n' });
  });

  it('Accept: application/json returns states, timings and the phase', async () => {
    h = await startHarness({ services: { db: {} } });
    const failing = await fetch(`${h.base}/readyz`, { headers: { accept: 'application/json' } });
    expect(failing.status).toBe(503);
    expect(failing.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await failing.json()) as { status: string; phase: string; checks: Array<Record<string, unknown>>; shutdown: Record<string, unknown> };
    expect(body).toMatchObject({ probe: 'readyz', status: 'failed', phase: 'starting', shutdown: { phase: 'starting', drainDelaySeconds: 0.2 } });
    expect(body.checks.map((c) => [c.name, c.status, c.state])).toEqual([
      ['podwarden', 'ok', 'ready'],
      ['db', 'failed', 'starting'],
      ['shutdown', 'ok', undefined],
    ]);
    const self = body.checks[0]!;
    expect(Date.parse(self.startedAt as string)).toBeLessThanOrEqual(Date.now());
    expect(self.readyDurationSeconds).toBeGreaterThanOrEqual(0);
    expect(self.reason).toBeUndefined();

    const one = await fetch(`${h.base}/startupz/podwarden`, { headers: { accept: 'application/json' } });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { checks: unknown[] }).checks).toHaveLength(1);
    expect((await fetch(`${h.base}/startupz/nope`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('HEAD answers with the status and no body', async () => {
    h = await startHarness({ services: { db: {} } });
    const ready = await h.get('/readyz', { method: 'HEAD' });
    expect(ready).toMatchObject({ status: 503, body: '' });
    expect(await h.get('/livez', { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect((await h.get('/livez/nope', { method: 'HEAD' })).status).toBe(404);
  });

  it('while draining, /readyz fails at once and /livez stays 200 with the phase and time left', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 3000, stopBudget: 2000 } } });
    expect((await h.get('/readyz')).status).toBe(200);
    void h.server.drain('test');
    const ready = await h.get('/readyz');
    expect(ready.status).toBe(503);
    // The phase is no secret: shown without exposeDetails.
    expect(ready.body).toMatch(/^\[\+\]podwarden ok\n\[-\]shutdown failed: draining, [23]s of 3s left\nreadyz check failed\n$/);
    expect(await h.get('/livez')).toMatchObject({ status: 200, body: 'ok' });
    expect((await h.get('/livez?verbose')).body).toMatch(/^\[\+\]podwarden ok\n\[\+\]shutdown ok: draining, [23]s of 3s left\nlivez check passed\n$/);
    const json = (await (await fetch(`${h.base}/livez`, { headers: { accept: 'application/json' } })).json()) as { shutdown: Record<string, unknown> };
    expect(json.shutdown).toMatchObject({ phase: 'draining', drainDelaySeconds: 3 });
    expect(json.shutdown.drainLeftSeconds).toBeGreaterThan(2);
    expect(Date.parse(json.shutdown.drainEndsAt as string)).toBeGreaterThan(Date.now() + 2000);

    h.signals.send('SIGTERM');
    const afterSignal = (await (await fetch(`${h.base}/livez`, { headers: { accept: 'application/json' } })).json()) as { shutdown: Record<string, unknown> };
    // deadline = remaining drain (~3 s) + stopBudget (2 s) + 1 s
    expect(afterSignal.shutdown.deadlineLeftSeconds).toBeGreaterThan(5);
    expect(afterSignal.shutdown.deadlineLeftSeconds).toBeLessThanOrEqual(6);
  });
});
