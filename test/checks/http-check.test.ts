import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { runCheck } from './harness.js';
import { selfSignedCert, testHttpServer, testResettingHttpServer } from './servers.js';

const interval = 150;
const timeout = 100;
/** Room for timer and scheduling jitter on a busy machine. */
const slack = 250;

describe('http check', () => {
  it('is ready when the endpoint answers 2xx, and sends the configured method and headers', async () => {
    const app = await testHttpServer();
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: '100ms', headers: { 'X-Probe': 'yes' } });
    await run.waitFor('ready');
    expect(app.requests[0]).toMatchObject({ 'x-probe': 'yes', 'user-agent': 'podwarden' });
    expect(run.results[0]).toMatchObject({ name: 'app', type: 'http', ok: true });
  });

  it('goes not-ready only after failureThreshold failures once the server is down, and back after successThreshold successes', async () => {
    const app = await testHttpServer();
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: `${interval}ms`, timeout: `${timeout}ms`, failureThreshold: 3, successThreshold: 2 });
    await run.waitFor('ready');

    const downAt = performance.now();
    await app.down();
    const notReadyAt = await run.waitFor('not-ready', 3000);
    // The first failing attempt comes within one interval; the third is two intervals later.
    expect(notReadyAt - downAt).toBeGreaterThanOrEqual(2 * interval - 20);
    expect(notReadyAt - downAt).toBeLessThanOrEqual(3 * interval + timeout + slack);
    expect(run.snapshot().reason).toMatch(/ECONNREFUSED/);
    expect(run.results.filter((r) => !r.ok)).toHaveLength(3);

    const upAt = performance.now();
    await app.up();
    const readyAt = await run.waitFor('ready', 3000);
    expect(readyAt - upAt).toBeGreaterThanOrEqual(interval - 20);
    expect(readyAt - upAt).toBeLessThanOrEqual(2 * interval + timeout + slack);
  });

  it('fails an attempt on a slow endpoint at the timeout', async () => {
    const app = await testHttpServer();
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: `${interval}ms`, timeout: `${timeout}ms`, failureThreshold: 2 });
    await run.waitFor('ready');
    const slowAt = performance.now();
    app.set({ delayMs: 1000 });
    const notReadyAt = await run.waitFor('not-ready', 3000);
    expect(notReadyAt - slowAt).toBeLessThanOrEqual(2 * interval + timeout + slack);
    const failures = run.results.filter((r) => !r.ok);
    expect(failures[0]!.error).toBe('timed out after 100ms');
    expect(failures[0]!.durationMs).toBeGreaterThanOrEqual(timeout - 5);
    expect(failures[0]!.durationMs).toBeLessThan(timeout + 60);
  });

  it('judges the status against expectStatus', async () => {
    const app = await testHttpServer();
    app.set({ status: 503 });
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: '50ms' });
    await until(() => run.results.length >= 1);
    expect(run.state()).toBe('starting');
    expect(run.results[0]!.error).toBe('status 503, expected 200-399');

    const teapot = await runCheck({ type: 'http', name: 'teapot', url: app.url(), interval: '50ms', expectStatus: '418,500-503' });
    await teapot.waitFor('ready');
  });

  it('matches the body as a substring, or as a regex when written /…/', async () => {
    const app = await testHttpServer();
    app.set({ body: '{"status":"UP","db":"ok"}' });
    const sub = await runCheck({ type: 'http', name: 'sub', url: app.url(), interval: '50ms', bodyMatch: '"status":"UP"' });
    const re = await runCheck({ type: 'http', name: 're', url: app.url(), interval: '50ms', bodyMatch: '/"db":\\s*"OK"/i' });
    const miss = await runCheck({ type: 'http', name: 'miss', url: app.url(), interval: '50ms', bodyMatch: 'status":"DOWN' });
    await sub.waitFor('ready');
    await re.waitFor('ready');
    await until(() => miss.results.length >= 1);
    expect(miss.state()).toBe('starting');
    expect(miss.results[0]!.error).toMatch(/^status 200 but the body does not match/);
  });

  it('never puts header values in failure reasons', async () => {
    const app = await testHttpServer();
    app.set({ status: 401 });
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: '50ms', headers: { Authorization: 'Bearer sup3r-s3cret-t0ken' } });
    await until(() => run.results.length >= 2);
    expect(app.requests[0]!.authorization).toBe('Bearer sup3r-s3cret-t0ken');
    for (const r of run.results) expect(r.error).not.toContain('sup3r');
    expect(run.snapshot().reason).not.toContain('sup3r');
  });

  it('keeps one connection alive across attempts, and closes it when the service stops', async () => {
    const app = await testHttpServer();
    const run = await runCheck({ type: 'http', name: 'app', url: app.url(), interval: '20ms' });
    await until(() => run.results.length >= 5);
    expect(run.results.every((r) => r.ok)).toBe(true);
    expect(app.requests.length).toBeGreaterThanOrEqual(5);
    expect(app.connections()).toBe(1);
    await run.stop();
    await until(() => app.openConnections() === 0, 2000, 'the kept-alive connection to close');
  });

  it('retries once on a new connection when the server had closed the kept-alive one', async () => {
    const app = await testResettingHttpServer();
    const run = await runCheck({ type: 'http', name: 'app', url: app.url, interval: '20ms', failureThreshold: 1 });
    await until(() => run.results.length >= 4);
    expect(run.results.map((r) => r.error)).toEqual(run.results.map(() => undefined));
    // Every attempt after the first met a reset connection, then went through on a new one.
    expect(app.connections()).toBe(run.results.length);
    expect(run.state()).toBe('ready');
  });

  it('reads the body to its end, and judges a body past 64 KiB by what came first', async () => {
    const app = await testHttpServer();
    app.set({ body: `${'x'.repeat(100 * 1024)}tail` });
    const plain = await runCheck({ type: 'http', name: 'plain', url: app.url(), interval: '50ms' });
    const head = await runCheck({ type: 'http', name: 'head', url: app.url(), interval: '50ms', bodyMatch: 'xxxx' });
    const tail = await runCheck({ type: 'http', name: 'tail', url: app.url(), interval: '50ms', bodyMatch: 'tail' });
    await plain.waitFor('ready');
    await head.waitFor('ready');
    await until(() => tail.results.length >= 1);
    expect(tail.results[0]!.error).toMatch(/^status 200 but the body does not match/);
  });

  const cert = selfSignedCert();
  describe('over TLS (certificate made with openssl at test time)', () => {
    it('trusts a server signed by tls.ca, given as a file path', async () => {
      const app = await testHttpServer(cert);
      const run = await runCheck({ type: 'http', name: 'tls', url: app.url(), interval: '50ms', tls: { ca: cert.certFile } });
      await run.waitFor('ready');
    });

    it('trusts a server signed by tls.ca, given as inline PEM, over one kept-alive connection', async () => {
      const app = await testHttpServer(cert);
      const run = await runCheck({ type: 'http', name: 'tls', url: app.url(), interval: '20ms', tls: { ca: cert.cert } });
      await run.waitFor('ready');
      await until(() => run.results.length >= 3);
      expect(app.connections()).toBe(1);
    });

    it('refuses a self-signed certificate without the CA, and accepts it with insecureSkipVerify', async () => {
      const app = await testHttpServer(cert);
      const strict = await runCheck({ type: 'http', name: 'strict', url: app.url(), interval: '50ms' });
      const lax = await runCheck({ type: 'http', name: 'lax', url: app.url(), interval: '50ms', tls: { insecureSkipVerify: true } });
      await lax.waitFor('ready');
      await until(() => strict.results.length >= 1);
      expect(strict.state()).toBe('starting');
      expect(strict.results[0]!.error).toMatch(/self[- ]signed/i);
    });

    it('fails the service when the CA file cannot be read', async () => {
      const app = await testHttpServer(cert);
      const run = await runCheck({ type: 'http', name: 'noca', url: app.url(), tls: { ca: '/nonexistent/ca.pem' } });
      await run.waitFor('failed');
      expect(run.snapshot().reason).toBe('cannot read CA file /nonexistent/ca.pem: ENOENT');
    });
  });
});
