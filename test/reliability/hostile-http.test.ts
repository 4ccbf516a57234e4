import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/core.js';
import { type Podwarden, cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';
import { faulty } from './support/faulty-service.js';
import { Poller, type PollerReport, statusesOf } from './support/poller.js';
import { openFds } from './support/processes.js';
import { SlowClient, get, rawExchange } from './support/raw-http.js';

/**
 * Hostile clients against one real `podwarden serve` with its default HTTP
 * limits, while a kubelet-like poller (its own process: kube-probe/1.31, a
 * new connection per probe, 1 s timeout, every 100 ms) must see nothing but
 * 200 from /livez and /readyz. The drain delay (11 s) is longer than every
 * timeout of the health server; the last test drains through it.
 */

const token = 'hostile-suite-guard-3c9e';
let pw: Podwarden;
let poller: Poller;
let baselineFds = 0;

/** The soft limit on open descriptors, which podwarden inherits from this process. */
function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s{2,}/)[1] ?? 0);
}

beforeAll(async () => {
  // A thousand idle connections cost a thousand descriptors on each side.
  const limit = openFilesLimit();
  if (limit < 2500) throw new Error(`the hostile-client suite needs \`ulimit -n\` of at least 2500 (it is ${limit}); raise it in the shell that runs the tests`);
  pw = await startPodwarden({
    config: { shutdown: { drainDelay: '11s', stopBudget: '3s' }, services: [faulty('app', 'steady')] },
    env: { PODWARDEN_DRAIN_TOKEN: token },
  });
  await pw.waitState('app', 'ready');
  poller = new Poller(pw.base);
  await sleep(300);
  baselineFds = await settledFds();
});

afterAll(async () => {
  poller?.kill();
  await cleanupPodwardens();
});

/** podwarden's open descriptors once they stop changing (the poller's connections come and go). */
async function settledFds(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    samples.push(openFds(pw.pid));
    await sleep(20);
  }
  return Math.min(...samples);
}

// Each test judges the probes of its own window.
let windowStart = 0;
beforeEach(async () => {
  await poller.window();
  windowStart = performance.now();
});

/** The poller saw only 200s, no timeouts, no refused connections, since the test began (a window of at least 350 ms: a few probes). */
async function expectPollerClean(): Promise<PollerReport> {
  await sleep(windowStart + 350 - performance.now());
  const report = await poller.window();
  expect(report.failures).toEqual([]);
  expect(statusesOf(report, '/livez')).toEqual([200]);
  expect(statusesOf(report, '/readyz')).toEqual([200]);
  return report;
}

const drainEvents = () => pw.events('drain').length;

describe('hostile HTTP clients (the real podwarden serve, a kubelet-like poller throughout)', () => {
  it('slow clients are cut at the headers timeout (5 s) or the request timeout (10 s) with 408', async () => {
    const slowHeaders = Array.from({ length: 100 }, () => new SlowClient(pw.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 500));
    const silent = Array.from({ length: 50 }, () => new SlowClient(pw.port, '', '', 1000));
    const slowBody = Array.from(
      { length: 50 },
      () => new SlowClient(pw.port, `POST /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1000\r\n\r\n`, 'a', 500),
    );
    await until(() => openFds(pw.pid) >= baselineFds + 200, 5000, 'podwarden to accept every slow client');
    const headers = await Promise.all(slowHeaders.map((c) => c.closed));
    const idle = await Promise.all(silent.map((c) => c.closed));
    const body = await Promise.all(slowBody.map((c) => c.closed));
    for (const c of [...headers, ...idle]) {
      expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
      expect(c.ms).toBeGreaterThan(4500);
      expect(c.ms).toBeLessThan(8000);
    }
    for (const c of body) {
      expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
      expect(c.ms).toBeGreaterThan(9500);
      expect(c.ms).toBeLessThan(13_000);
    }
    expect(drainEvents()).toBe(0);
    await until(() => openFds(pw.pid) <= baselineFds, 3000, 'descriptors back to the baseline');
    await expectPollerClean();
  });

  it('1 MB of headers, thousands of headers or an over-long request line get 431; 15 KiB of headers are fine', async () => {
    const refused431 = async () => (await pw.metric('podwarden_probe_requests_total', { probe: 'other', code: '431', agent: 'other' })) ?? 0;
    const before = await refused431();
    const big = await Promise.all(Array.from({ length: 20 }, () => rawExchange(pw.port, get('/readyz', { 'x-big': 'a'.repeat(1 << 20) }))));
    // podwarden answers 431 and closes while the client is still sending, so the client's kernel may take the reset
    // before the client has read the answer: a reset is the peer's view, the count is podwarden's.
    for (const r of big) expect(r.statuses.length === 0 ? r.error : r.statuses).toSatisfy((seen) => ['ECONNRESET', 'EPIPE'].includes(seen as string) || JSON.stringify(seen) === '[431]');
    expect(await refused431()).toBe(before + 20);
    // Oversized headers that arrive in one read are always answered, with no reset to race.
    expect((await rawExchange(pw.port, get('/readyz', { 'x-big': 'a'.repeat(20_000) }))).statuses).toEqual([431]);
    const many = await rawExchange(pw.port, get('/readyz', Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, '1']))));
    expect(many.statuses).toEqual([431]);
    expect((await rawExchange(pw.port, get(`/${'a'.repeat(17_000)}`))).statuses).toEqual([431]);
    expect(await rawExchange(pw.port, get('/readyz', { 'x-big': 'a'.repeat(15_000) }))).toMatchObject({ statuses: [200], body: 'ok' });
    await expectPollerClean();
  });

  it('thousands of query parameters are answered at once', async () => {
    const plain = await rawExchange(pw.port, get(`/livez?${Array.from({ length: 5000 }, () => 'a').join('&')}`));
    expect(plain).toMatchObject({ statuses: [200], body: 'ok' });
    const excludes = Array.from({ length: 1000 }, (_, i) => `exclude=n${i}`).join('&');
    const verbose = await rawExchange(pw.port, get(`/readyz?verbose&${excludes}`));
    expect(verbose.statuses).toEqual([200]);
    expect(verbose.body).toMatch(/^\[\+\]podwarden ok\n\[\+\]app ok\n\[\+\]shutdown ok\nwarn: some health checks cannot be excluded: no matches for "n0","n1",.*"n999"\nreadyz check passed\n$/);
    expect(verbose.ms).toBeLessThan(1000);
    const json = await rawExchange(pw.port, get(`/readyz?${excludes}`, { accept: 'application/json' }));
    expect(json.statuses).toEqual([200]);
    expect(JSON.parse(json.body)).toMatchObject({ status: 'ok' });
    const same = await rawExchange(pw.port, get(`/readyz?${Array.from({ length: 1200 }, () => 'exclude=app').join('&')}`));
    expect(same).toMatchObject({ statuses: [200], body: 'ok' });
    await expectPollerClean();
  });

  it('very long paths get 404, never echoed', async () => {
    const long = await rawExchange(pw.port, get(`/${'a'.repeat(15_000)}`));
    expect(long).toMatchObject({ statuses: [404], body: 'not found\n' });
    expect(await rawExchange(pw.port, get(`/readyz/${'n'.repeat(200)}`))).toMatchObject({ statuses: [404], body: 'not found\n' });
    expect((await rawExchange(pw.port, get(`/readyz/${'n'.repeat(63)}`))).statuses).toEqual([404]);
    expect((await rawExchange(pw.port, get(`/${'../'.repeat(3000)}metrics`))).statuses).toEqual([404]);
    await expectPollerClean();
  });

  it('encoded and dot-segment paths never reach another route', async () => {
    const cases: Array<[string, number]> = [
      ['/readyz/%2e%2e/metrics', 404],
      ['/readyz/../metrics', 404],
      ['/livez/..%2f..%2fmetrics', 404],
      ['/readyz/%2e%2e%2fmetrics', 404],
      ['/readyz/podwarden%2f..', 404],
      ['/readyz%2f', 404],
      ['//readyz', 404],
      ['/./readyz', 404],
      ['/readyz/', 404],
      ['/READYZ', 404],
      ['/readyz;a=b', 404],
      ['/readyz%00', 404],
      ['/readyz/%00', 404],
      ['/readyz\\..\\metrics', 404],
      ['/%2e%2e/%2e%2e/etc/passwd', 404],
      ['/metrics/..', 404],
      ['/drain/../readyz', 404],
      ['/drain%2f', 404],
      ['/drain/', 404],
      ['/drain/..', 404],
      ['/%64rain', 401], // percent-decoded to /drain: the same route, still guarded
      ['/readyz/%', 400],
      ['/readyz/%zz', 400],
      ['*', 404],
    ];
    for (const [target, status] of cases) {
      const r = await rawExchange(pw.port, get(target));
      expect(r.statuses, target).toEqual([status]);
      expect(r.body, target).not.toContain('# HELP');
      expect(r.body, target).not.toContain(target.slice(1, 20) || '*');
    }
    expect(drainEvents()).toBe(0);
    await expectPollerClean();
  });

  it('odd methods: 405 on known paths, malformed methods 400, CONNECT dropped, HEAD /drain is not a drain', async () => {
    for (const method of ['OPTIONS', 'TRACE', 'PATCH', 'DELETE', 'PUT', 'PROPFIND', 'SEARCH', 'POST']) {
      expect((await rawExchange(pw.port, get('/readyz', {}, method))).statuses, method).toEqual([405]);
      expect((await rawExchange(pw.port, get('/nope', {}, method))).statuses, method).toEqual([404]);
    }
    for (const method of ['FOO', 'get', 'PRI']) {
      expect((await rawExchange(pw.port, get('/readyz', {}, method))).statuses, method).toEqual([400]);
    }
    const connect = await rawExchange(pw.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(connect.statuses).toEqual([]);
    const head = await rawExchange(pw.port, get('/drain', { authorization: `Bearer ${token}` }, 'HEAD'));
    expect(head.statuses).toEqual([405]);
    expect(await rawExchange(pw.port, get('/readyz', {}, 'HEAD'))).toMatchObject({ statuses: [200], body: '' });
    const upgrade = await rawExchange(pw.port, get('/readyz', { connection: 'Upgrade', upgrade: 'websocket' }));
    expect(upgrade).toMatchObject({ statuses: [200], body: 'ok' });
    expect((await rawExchange(pw.port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).statuses).toEqual([400]);
    expect((await rawExchange(pw.port, Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10]))).statuses).toEqual([400]);
    expect(drainEvents()).toBe(0);
    await expectPollerClean();
  });

  it('bodies on probe routes are read and ignored, and never run as requests', async () => {
    const smuggled = get('/drain', { authorization: `Bearer ${token}`, connection: 'keep-alive' });
    const carrier = `GET /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`;
    const pipelined = await rawExchange(pw.port, `${carrier}${get('/livez')}`, { endAfterMs: 500 });
    expect(pipelined.statuses).toEqual([200, 200]);
    const chunked = `GET /readyz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    expect((await rawExchange(pw.port, `${chunked}${get('/livez')}`, { endAfterMs: 500 })).statuses).toEqual([200, 200]);
    const ambiguous = `POST /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`;
    expect((await rawExchange(pw.port, ambiguous)).statuses).toEqual([400]);
    const twoLengths = `POST /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`;
    expect((await rawExchange(pw.port, twoLengths)).statuses).toEqual([400]);
    const bigDrainBody = `POST /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n${'a'.repeat(2048)}`;
    expect((await rawExchange(pw.port, bigDrainBody)).statuses).toEqual([413]);
    const jsonBody = `GET /livez HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20000\r\nConnection: close\r\n\r\n${'{'.repeat(20_000)}`;
    expect(await rawExchange(pw.port, jsonBody)).toMatchObject({ statuses: [200], body: 'ok' });
    expect(drainEvents()).toBe(0);
    expect(await pw.metric('podwarden_drain_requests_total', { result: 'drained' })).toBe(0);
    await expectPollerClean();
  });

  it('a thousand idle keep-alive connections are held without disturbing the probes, and released', async () => {
    const sockets: net.Socket[] = [];
    const openOne = () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(pw.port, '127.0.0.1');
        sockets.push(socket);
        let text = '';
        socket.on('error', () => resolve(false));
        socket.setEncoding('latin1').on('data', (chunk: string) => {
          text += chunk;
          if (text.endsWith('\r\n\r\nok')) resolve(true);
        });
        socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
      });
    // Opened a hundred at a time, as a client pool ramps up: what is judged is holding them.
    // (One burst of a thousand queues a probe behind every one of them; test/http/accept-backlog.test.ts
    // shows such a burst is queued whole, never dropped.)
    const answered: boolean[] = [];
    for (let batch = 0; batch < 10; batch++) answered.push(...(await Promise.all(Array.from({ length: 100 }, openOne))));
    try {
      expect(answered.every(Boolean)).toBe(true);
      expect(openFds(pw.pid)).toBeGreaterThanOrEqual(baselineFds + 1000);
      await sleep(3000);
      expect(sockets.filter((s) => s.destroyed)).toEqual([]);
      // An idle connection still answers.
      const reuse = await new Promise<string>((resolve) => {
        sockets[0]!.once('data', (chunk: string) => resolve(chunk));
        sockets[0]!.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(reuse).toMatch(/^HTTP\/1\.1 200 /);
      await expectPollerClean();
    } finally {
      for (const s of sockets) s.destroy();
    }
    await until(() => openFds(pw.pid) <= baselineFds, 3000, 'descriptors back to the baseline');
  });

  it('10,000 distinct random paths leave the series count unchanged', async () => {
    const seriesOf = (text: string) => text.split('\n').filter((l) => l.startsWith('podwarden_')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    const before = seriesOf((await pw.get('/metrics')).body);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%/?&=+;:@!$\'()*,';
    const text = (max: number) => Array.from({ length: 1 + Math.floor(Math.random() * max) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    const paths = new Set<string>();
    while (paths.size < 10_000) {
      const prefix = ['', '/livez', '/readyz', '/startupz', '/metrics', '/drain'][paths.size % 6];
      paths.add(`${prefix}/${text(40)}`);
    }
    const codes = new Map<number, number>();
    const send = (path: string) =>
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port: pw.port, path, agent, method: ['GET', 'HEAD', 'POST', 'DELETE'][path.length % 4], headers: { 'user-agent': path.length % 3 ? 'kube-probe/1.31' : text(20) } },
          (res) => {
            codes.set(res.statusCode ?? 0, (codes.get(res.statusCode ?? 0) ?? 0) + 1);
            res.resume().on('end', resolve);
          },
        );
        req.on('error', () => {
          codes.set(0, (codes.get(0) ?? 0) + 1);
          resolve();
        });
        req.end();
      });
    const list = [...paths];
    for (let i = 0; i < list.length; i += 200) await Promise.all(list.slice(i, i + 200).map(send));
    agent.destroy();
    expect(codes.get(0), 'requests that failed outright').toBeUndefined();
    expect([...codes.keys()].filter((c) => c !== 404 && c !== 405 && c !== 400)).toEqual([]);
    const after = seriesOf((await pw.get('/metrics')).body);
    expect(after.filter((s) => !before.includes(s))).toEqual([]);
    expect(after.length).toBe(before.length);
    await expectPollerClean();
  });

  it('/drain answers after a drain delay longer than every timeout; SIGTERM then exits 0 at once, slow clients or not', async () => {
    await expectPollerClean();
    expect(pw.events('phase').map((l) => l.phase)).toEqual(['starting', 'running']);
    const slow = Array.from({ length: 20 }, () => new SlowClient(pw.port, 'GET /livez HTTP/1.1\r\nHost: x\r\n', 'X: 1\r\n', 400));
    const since = performance.now();
    const drain = await pw.get('/drain', { headers: { authorization: `Bearer ${token}` } });
    const ms = performance.now() - since;
    expect(drain).toMatchObject({ status: 200, body: 'drained\n' });
    expect(ms).toBeGreaterThanOrEqual(10_900);
    expect(ms).toBeLessThan(13_000);
    const during = await poller.window();
    await poller.stop();
    expect(during.paths['/livez']!.errors).toEqual({});
    expect(during.paths['/readyz']!.errors).toEqual({});
    expect(statusesOf(during, '/livez')).toEqual([200]);
    expect(statusesOf(during, '/readyz')).toContain(503);
    // Probes already on their way when the drain began may still have been answered 200.
    expect(during.paths['/readyz']!.statuses['200'] ?? 0).toBeLessThanOrEqual(2);
    expect(during.paths['/readyz']!.statuses['503']).toBeGreaterThan(50);

    const fresh = Array.from({ length: 20 }, () => new SlowClient(pw.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\n', 'X: 1\r\n', 400));
    await sleep(200);
    pw.signal('SIGTERM');
    const exit = await pw.exited();
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(1500);
    expect(pw.events('deadline')).toEqual([]);
    for (const c of [...slow, ...fresh]) c.destroy();
  });
});
