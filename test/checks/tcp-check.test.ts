import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';
import { runCheck } from './harness.js';
import { testTcpListener } from './servers.js';

const interval = 120;
const timeout = 100;
const slack = 250;

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a tcp-only config in a fresh Node process on the built package and
 * prints which of Node's HTTP built-ins it loaded (`process.moduleLoadList`
 * names every built-in module loaded so far).
 */
const tcpOnly = `
import { CheckResults } from './dist/checks/check-result.js';
import { createCheckService } from './dist/checks/create-check-service.js';
import { parseConfig } from './dist/config/load-config.js';
import { Server } from './dist/core/server.js';
const port = Number(process.argv[1]);
const config = await parseConfig('services:\\n  - { name: db, type: tcp, host: 127.0.0.1, port: ' + port + ', interval: 50ms }', { env: {} });
const results = new CheckResults();
let ok = false;
results.on((r) => (ok ||= r.ok));
const server = new Server({ handleSignals: false, shutdown: { drainDelay: 0 } });
server.addService(createCheckService(config.services[0], results));
const running = server.run();
while (!ok) await new Promise((r) => setTimeout(r, 10));
await server.shutdown();
await running;
const loaded = ['http', 'https', 'tls'].filter((name) => process.moduleLoadList.includes('NativeModule ' + name));
console.log(JSON.stringify({ ok, loaded }));
`;

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

  it('loads neither node:https nor node:http: a tcp-only config does not pay for the http check', async () => {
    const db = await testTcpListener();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', tcpOnly, String(db.port)], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ ok: true, loaded: [] });
  });
});
