import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { runCheck } from './harness.js';
import { testGrpcHealthServer as healthServer } from './servers.js';

describe('grpc check', () => {
  it('follows SERVING / NOT_SERVING with the thresholds', async () => {
    const app = await healthServer({ '': 'SERVING' });
    const run = await runCheck({ type: 'grpc', name: 'api', host: '127.0.0.1', port: app.port, interval: '100ms', timeout: '500ms', failureThreshold: 2 });
    await run.waitFor('ready');

    const flipAt = performance.now();
    app.health.setStatus('', 'NOT_SERVING');
    const notReadyAt = await run.waitFor('not-ready', 3000);
    expect(notReadyAt - flipAt).toBeGreaterThanOrEqual(100 - 20);
    expect(notReadyAt - flipAt).toBeLessThanOrEqual(2 * 100 + 500 + 150);
    expect(run.snapshot().reason).toBe('status NOT_SERVING');

    app.health.setStatus('', 'SERVING');
    await run.waitFor('ready', 3000);
  });

  it('asks about the configured service name', async () => {
    const app = await healthServer({ '': 'NOT_SERVING', 'shop.Cart': 'SERVING' });
    const cart = await runCheck({ type: 'grpc', name: 'cart', target: `127.0.0.1:${app.port}`, service: 'shop.Cart', interval: '50ms' });
    const whole = await runCheck({ type: 'grpc', name: 'whole', host: '127.0.0.1', port: app.port, interval: '50ms' });
    const unknown = await runCheck({ type: 'grpc', name: 'unknown', host: '127.0.0.1', port: app.port, service: 'shop.Nope', interval: '50ms' });
    await cart.waitFor('ready');
    await until(() => whole.results.length >= 1 && unknown.results.length >= 1);
    expect(whole.results[0]!.error).toBe('status NOT_SERVING');
    expect(unknown.results[0]!.error).toMatch(/unknown for service shop\.Nope/);
  });

  it('fails while the server is down and recovers at the next attempts once it is back', async () => {
    const app = await healthServer({ '': 'SERVING' });
    const run = await runCheck({ type: 'grpc', name: 'api', host: '127.0.0.1', port: app.port, interval: '100ms', timeout: '300ms', failureThreshold: 1 });
    await run.waitFor('ready');
    await app.down();
    await run.waitFor('not-ready', 3000);
    expect(run.snapshot().reason).toMatch(/ECONNREFUSED|UNAVAILABLE|No connection/i);
    const upAt = performance.now();
    await app.up();
    const readyAt = await run.waitFor('ready', 3000);
    expect(readyAt - upAt).toBeLessThanOrEqual(100 + 300 + 150);
  });
});
