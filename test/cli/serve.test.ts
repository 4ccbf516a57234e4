import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server as NetServer, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { type Podwarden, cleanupPodwardens, runCli, startPodwarden } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

const token = 'preStop-guard-7f3a';
const auth = { headers: { authorization: `Bearer ${token}` } };
/** A serve child with a 1.5 s drain delay and a drain token. */
const drainArgs = ['--drain-delay', '1500ms', '--stop-budget', '2s'];

let serve: Podwarden | undefined;
let blocker: NetServer | undefined;
afterEach(async () => {
  await cleanupPodwardens();
  serve = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

describe('podwarden serve: drain and signals (a real process)', () => {
  it('SIGTERM then /drain: one drain; /readyz 503 at once, /livez 200; exits 0 once the delay has passed', async () => {
    serve = await startPodwarden({ args: drainArgs, env: { PODWARDEN_DRAIN_TOKEN: token } });
    expect((await serve.get('/readyz')).status).toBe(200);
    const t0 = performance.now();
    serve.signal('SIGTERM');
    await serve.waitFor((l) => l.event === 'phase' && l.phase === 'draining');
    expect((await serve.get('/readyz')).status).toBe(503);
    expect((await serve.get('/livez')).status).toBe(200);
    expect((await serve.get('/livez?verbose')).body).toMatch(/\[\+\]shutdown ok: draining, [12]s of 1\.5s left/);
    const drain = await serve.get('/drain', auth);
    expect(drain).toMatchObject({ status: 200, body: 'drained\n' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    const { code } = await serve.process.exited;
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(3500);
    expect(serve.events('drain').filter((e) => e.kind === 'started')).toHaveLength(1);
    const exit = serve.events('exit')[0]!;
    expect(exit).toMatchObject({ exitCode: 0, reason: 'SIGTERM' });
    expect((exit.timeline as Array<{ phase: string }>).map((p) => p.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    expect(exit.services).toEqual([expect.objectContaining({ service: 'podwarden', state: 'stopped', overran: false })]);
  });

  it('/drain then SIGTERM: the drain stops nothing; SIGTERM after it completed stops at once', async () => {
    serve = await startPodwarden({ args: drainArgs, env: { PODWARDEN_DRAIN_TOKEN: token } });
    const t0 = performance.now();
    const drain = serve.get('/drain', { method: 'POST', ...auth });
    await sleep(200);
    expect((await serve.get('/readyz')).status).toBe(503);
    expect((await serve.get('/livez')).status).toBe(200);
    expect(await drain).toMatchObject({ status: 200, body: 'drained\n' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    await sleep(300);
    expect(serve.process.child.exitCode).toBeNull();
    expect((await serve.get('/livez')).status).toBe(200);
    expect((await serve.get('/readyz')).status).toBe(503);
    const t1 = performance.now();
    serve.signal('SIGTERM');
    const { code } = await serve.process.exited;
    expect(code).toBe(0);
    expect(performance.now() - t1).toBeLessThan(1000);
    expect(serve.events('drain').filter((e) => e.kind === 'started')).toHaveLength(1);
  });

  it('concurrent /drain callers all get the answer when the drain delay has passed', async () => {
    serve = await startPodwarden({ args: drainArgs, env: { PODWARDEN_DRAIN_TOKEN: token } });
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => sleep(i * 100).then(() => serve!.get('/drain', auth))));
    const ends = answers.map((a, i) => a.ms + i * 100);
    for (const a of answers) expect(a.status).toBe(200);
    expect(Math.min(...ends)).toBeGreaterThanOrEqual(1400);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(200);
    expect(performance.now() - t0).toBeLessThan(2500);
  });

  it('with a token, /drain without it is 401 and nothing changes; with none configured it is 403', async () => {
    serve = await startPodwarden({ args: drainArgs, env: { PODWARDEN_DRAIN_TOKEN: token } });
    expect((await serve.get('/drain')).status).toBe(401);
    expect((await serve.get('/drain', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await serve.get('/readyz')).status).toBe(200);
    expect(serve.events('drain')).toEqual([]);
    serve.process.kill();
    await serve.process.exited;

    serve = await startPodwarden();
    expect((await serve.get('/drain', auth)).status).toBe(403);
    expect((await serve.get('/readyz')).status).toBe(200);
    serve.process.kill();
    await serve.process.exited;

    serve = await startPodwarden({ args: ['--drain-delay', '100ms', '--drain-allow-unauthenticated'] });
    expect((await serve.get('/drain')).status).toBe(200);
  });

  it('SIGINT stops at once without the drain delay and exits 130', async () => {
    serve = await startPodwarden({ args: ['--drain-delay', '10s'] });
    const t0 = performance.now();
    serve.signal('SIGINT');
    const { code } = await serve.process.exited;
    expect(code).toBe(130);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('nothing is logged per probe request', async () => {
    serve = await startPodwarden();
    await sleep(100);
    const before = serve.process.lines.length;
    for (let i = 0; i < 30; i++) await serve.get(['/livez', '/readyz', '/startupz', '/metrics', '/x'][i % 5]!);
    await sleep(100);
    expect(serve.process.lines.slice(before)).toEqual([]);
  });
});

describe('podwarden serve: with a config file', () => {
  it('runs the configured checks: their state shows on the probes, their results in the metrics', async () => {
    blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const appPort = (blocker.address() as { port: number }).port;
    const dir = await mkdtemp(path.join(tmpdir(), 'podwarden-serve-'));
    try {
      const config = path.join(dir, 'podwarden.yaml');
      await writeFile(
        config,
        `shutdown: { drainDelay: 100ms }
drain: { tokenFile: ${path.join(dir, 'no-token')} }
metrics: { prefix: shop_ }
services:
  - { name: app, type: tcp, host: 127.0.0.1, port: ${appPort}, interval: 200ms, timeout: 500ms, failureThreshold: 1 }
`,
      );
      serve = await startPodwarden({ configFile: config });
      await serve.waitFor((l) => l.event === 'service-state' && l.service === 'app' && l.state === 'ready');
      expect(await serve.get('/readyz?verbose')).toMatchObject({ status: 200, body: '[+]podwarden ok\n[+]app ok\n[+]shutdown ok\nreadyz check passed\n' });
      expect((await serve.get('/readyz/app')).status).toBe(200);
      const metrics = (await serve.get('/metrics')).body;
      expect(metrics).toMatch(/shop_check_duration_seconds_count\{name="app"\} [1-9]/);
      expect(metrics).toContain('shop_service_ready{name="app"} 1');

      await new Promise((resolve) => blocker!.close(resolve));
      blocker = undefined;
      await serve.waitFor((l) => l.event === 'service-state' && l.service === 'app' && l.state === 'not-ready', 5000);
      expect((await serve.get('/readyz/app')).status).toBe(503);
      expect((await serve.get('/livez')).status).toBe(200); // app does not list liveness
      expect((await serve.get('/metrics')).body).toMatch(/shop_check_failures_total\{name="app"\} [1-9]/);
      serve.signal('SIGTERM');
      expect((await serve.process.exited).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('podwarden serve: startup failures', () => {
  it('a port that cannot be bound exits 1 with a message naming the address', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--drain-token-file', '/nonexistent/podwarden-token']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`podwarden: service "podwarden" failed: cannot listen on 127.0.0.1:${port}: address already in use`);
    expect(result.stdout).not.toContain('"phase":"running"');
    expect(result.ms).toBeLessThan(5000);
  });

  it('bad usage or a bad config exits 2 before any port opens', async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'podwarden-serve-'));
    try {
      const bad = path.join(dir, 'podwarden.yaml');
      await writeFile(bad, `server:\n  port: ${port}\n  exposeDetials: true\n`);
      const cases = [
        ['serve', '--bogus'],
        ['serve', 'extra-positional'],
        ['serve', '--port', 'abc'],
        ['serve', '--config', path.join(dir, 'missing.yaml')],
        ['serve', '--config', bad],
        ['serve', '--log-level', 'loud'],
        ['frobnicate'],
        [],
      ];
      for (const args of cases) {
        const result = await runCli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr.length, args.join(' ')).toBeGreaterThan(0);
      }
      const result = await runCli(['serve', '--config', bad]);
      expect(result.stderr).toContain('server.exposeDetials');
      expect(result.stdout).toBe('');
      expect((await runCli(['serve', '--port', 'abc'])).stderr).toContain('--port');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a duration outside the grammar, from a flag or the environment, exits 2 naming where it came from and the grammar', async () => {
    const grammar = 'is not a duration; write a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0';
    const flag = await runCli(['serve', '--drain-delay', '1sec']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(`shutdown.drainDelay (from --drain-delay): "1sec" ${grammar}`);
    const env = await runCli(['serve'], { PODWARDEN_STOP_BUDGET: '2w', PODWARDEN_EVENT_LOOP_MAX_LAG: '5 s' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(`shutdown.stopBudget (from PODWARDEN_STOP_BUDGET): "2w" ${grammar}`);
    expect(env.stderr).toContain(`server.eventLoop.maxLag (from PODWARDEN_EVENT_LOOP_MAX_LAG): "5 s" ${grammar}`);
  });
});
