import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/core.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('/drain', () => {
  it('answers 200 once the drain delay has passed, to every concurrent caller, and stops nothing', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 600 } }, http: { drain: { allowUnauthenticated: true } }, services: { db: {} } });
    h.services.db!.ready();
    await until(() => h!.server.service('db')?.state === 'ready');
    const callers = [
      h.get('/drain'),
      h.get('/drain', { method: 'POST' }),
      h.get('/drain', { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      sleep(200).then(() => h!.get('/drain', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })),
    ];
    await sleep(50);
    expect((await h.get('/readyz')).status).toBe(503);
    const answers = await Promise.all(callers);
    const ends = answers.map((a, i) => a.ms + (i === 3 ? 200 : 0));
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: 'drained\n' });
    expect(Math.min(...ends)).toBeGreaterThanOrEqual(550);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(150);
    expect(h.server.phase).toBe('drained');
    expect(h.server.service('db')?.state).toBe('ready');
    expect(await h.get('/livez')).toMatchObject({ status: 200 });
    expect((await h.get('/readyz')).status).toBe(503);
    // Once drained, another call answers at once.
    expect((await h.get('/drain')).ms).toBeLessThan(100);
  });

  it('is 403 when no token is configured, and nothing changes', async () => {
    h = await startHarness();
    const refused = await h.get('/drain');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('no drain token is configured');
    expect((await h.get('/drain', { method: 'POST', headers: bearer('anything') })).status).toBe(403);
    expect(h.server.phase).toBe('running');
    expect((await h.get('/readyz')).status).toBe(200);
  });

  it('with a token, is 401 without the right bearer token and nothing changes; the right token drains', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 100 } }, http: { drain: { token: 's3cret-token' } } });
    for (const headers of [{}, bearer('wrong'), bearer('s3cret-token-longer'), bearer('s3cret-toke'), { authorization: 's3cret-token' }, { authorization: 'Basic czNjcmV0LXRva2Vu' }]) {
      const answer = await h.get('/drain', { method: 'POST', headers });
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="podwarden"');
      expect(answer.body).not.toContain('s3cret');
    }
    expect(h.server.phase).toBe('running');
    expect((await h.get('/readyz')).status).toBe(200);
    expect(await h.get('/drain', { headers: { authorization: 'bearer s3cret-token' } })).toMatchObject({ status: 200, body: 'drained\n' });
    expect(h.server.phase).toBe('drained');
  });

  it('completes when the drain delay is longer than every server timeout, which still apply elsewhere', async () => {
    h = await startHarness({
      server: { shutdown: { drainDelay: 1500 } },
      http: { drain: { allowUnauthenticated: true }, timeouts: { connection: 300, request: 300, headers: 300, keepAlive: 300 } },
    });
    const drained = await h.get('/drain');
    expect(drained).toMatchObject({ status: 200, body: 'drained\n' });
    expect(drained.ms).toBeGreaterThanOrEqual(1450);

    // An idle connection that never sends a request is closed by the connection timeout.
    const port = h.http.address()!.port;
    const idle = connect(port, '127.0.0.1');
    const start = performance.now();
    await new Promise((resolve) => idle.on('close', resolve));
    expect(performance.now() - start).toBeLessThan(1400);
  });

  it('joins a drain SIGTERM started; SIGTERM after a completed /drain stops at once', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 500, stopBudget: 1000 } }, http: { drain: { allowUnauthenticated: true } } });
    const drain = h.get('/drain');
    await sleep(100);
    expect(h.server.phase).toBe('draining');
    const answer = await drain;
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeGreaterThanOrEqual(450);
    const t0 = performance.now();
    h.signals.send('SIGTERM');
    const report = await h.run;
    expect(performance.now() - t0).toBeLessThan(300);
    expect(report.exitCode).toBe(0);
  });
});
