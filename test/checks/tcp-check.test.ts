import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';
import { runCheck } from './harness.js';
import { testTcpListener } from './servers.js';

const interval = 120;
const timeout = 100;
const slack = 250;

describe('tcp check', () => {
  it('is ready while the port accepts connections, not-ready after failureThreshold refusals, ready again when it reopens', async () => {
    const db = await testTcpListener();
    const run = await runCheck({ type: 'tcp', name: 'postgres', host: '127.0.0.1', port: db.port, interval: `${interval}ms`, timeout: `${timeout}ms`, failureThreshold: 2 });
    await run.waitFor('ready');

    const downAt = performance.now();
    await db.down();
    const notReadyAt = await run.waitFor('not-ready', 3000);
    expect(notReadyAt - downAt).toBeGreaterThanOrEqual(interval - 20);
    expect(notReadyAt - downAt).toBeLessThanOrEqual(2 * interval + timeout + slack);
    expect(run.snapshot().reason).toMatch(/ECONNREFUSED 127\.0\.0\.1/);

    const upAt = performance.now();
    await db.up();
    const readyAt = await run.waitFor('ready', 3000);
    expect(readyAt - upAt).toBeLessThanOrEqual(interval + timeout + slack);
  });

  it('stays starting while nothing listens', async () => {
    const port = await freePort();
    const run = await runCheck({ type: 'tcp', name: 'nothing', host: '127.0.0.1', port, interval: '50ms' });
    await until(() => run.results.length >= 2);
    expect(run.state()).toBe('starting');
    expect(run.results.every((r) => !r.ok)).toBe(true);
  });

  it('defaults host to localhost', async () => {
    const db = await testTcpListener();
    const run = await runCheck({ type: 'tcp', name: 'local', port: db.port, interval: '50ms' });
    expect(run.spec.host).toBe('localhost');
    await run.waitFor('ready');
  });
});
