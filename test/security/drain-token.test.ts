import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from '../http/harness.js';

// The guard reads timingSafeEqual from Node's crypto module at each comparison (it loads node:crypto only with a token).
const compare = vi.spyOn(process.getBuiltinModule('node:crypto'), 'timingSafeEqual');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const token = 'drain-guard-5d1f0c77a2';

describe('the /drain token comparison', () => {
  it('runs in constant time: one timingSafeEqual of two SHA-256 digests per request, whatever was sent', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 50 } }, http: { drain: { token } } });
    const attempts: Array<[string | undefined, number]> = [
      [undefined, 401],
      ['', 401],
      ['Bearer', 401],
      ['Basic ' + token, 401],
      [`Bearer ${token.slice(0, -1)}`, 401], // a prefix
      [`Bearer ${token}0`, 401], // one character more
      [`Bearer ${'x'.repeat(token.length)}`, 401], // same length
      [`Bearer ${'x'.repeat(8000)}`, 401], // much longer
      [`Bearer ${token} extra`, 401],
      [`bearer ${token}`, 200], // the scheme is case-insensitive (RFC 9110)
    ];
    for (const [authorization, status] of attempts) {
      compare.mockClear();
      const res = await h.get('/drain', authorization === undefined ? {} : { headers: { authorization } });
      expect(res.status, String(authorization).slice(0, 40)).toBe(status);
      expect(compare, String(authorization).slice(0, 40)).toHaveBeenCalledTimes(1);
      const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
      expect([a.length, b.length]).toEqual([32, 32]);
    }
  });

  it('without a token, refuses (403) before comparing anything, unless allowUnauthenticated', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 50 } } });
    compare.mockClear();
    expect((await h.get('/drain', { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    expect(compare).not.toHaveBeenCalled();
  });

  const outside = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  it.runIf(outside)('from a source outside drain.allowFrom, refuses (403) before comparing anything', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 50 } }, http: { host: '0.0.0.0', drain: { token, allowFrom: ['10.255.0.0/16'] } } });
    compare.mockClear();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: outside, localAddress: outside, port: h!.http.address()!.port, path: '/drain', headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(403);
    expect(compare).not.toHaveBeenCalled();
    expect(h.server.phase).toBe('running');
  });
});
