import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server as NetServer, type Socket, createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/core.js';
import { type Podwarden, cleanupPodwardens, runCli, startPodwarden, tempDir, writeConfig } from '../helpers/podwarden.js';
import { faulty, fixturesDir } from './support/faulty-service.js';
import { descendants, markedProcesses } from './support/processes.js';

/**
 * The fault matrix: each row drives the real `podwarden serve` into one fault
 * and asserts what an operator observes — service state, probe answers, the
 * metric that moves, the log event, the exit code. docs/reliability.md has the
 * same rows as a table; the last test keeps the two in step.
 */

afterAll(cleanupPodwardens);

/** Short shutdown settings, so each row runs in a few seconds. */
function config(services: unknown[], extra: Record<string, unknown> = {}) {
  return {
    shutdown: { drainDelay: '200ms', stopBudget: '3s', stopTimeout: '1s' },
    drain: { allowUnauthenticated: true },
    services,
    ...extra,
  };
}

const withheld = (name: string) => `[-]${name} failed: reason withheld\n`;

/** The `exit` log line: the exit report. */
interface ExitLine {
  readonly exitCode: number;
  readonly failed: string[];
  readonly overran: string[];
  readonly timeline: Array<{ phase: string }>;
  readonly services: Array<Record<string, unknown>>;
}

/** SIGTERM and the exit code, with the exit log line and what serve printed on stderr. */
async function terminate(pw: Podwarden) {
  const since = performance.now();
  pw.signal('SIGTERM');
  const exit = await pw.exited(since);
  return { ...exit, report: pw.events('exit')[0] as unknown as ExitLine, stderr: pw.process.stderr };
}

/** The rows, by the name the docs table gives them. */
const rows = {
  throwsAtStart: 'a service throws at start',
  throwsAtStartRestart: 'a service throws at start, with restart: on-failure',
  rejectsLater: 'a service rejects later while running',
  hangsInStart: 'a service hangs in start forever',
  neverReady: 'a service never notifies ready',
  notifiesTwice: 'a service notifies ready twice',
  flaps: 'a service flaps',
  hangsOnStop: 'a service hangs on stop',
  ignoresWatch: 'a service ignores its shutdown watch',
  dependencyFails: 'a dependency fails',
  cycle: 'a dependency cycle',
  portTaken: 'the port is already taken',
  badConfig: 'a bad config',
  sigtermDuringStartup: 'SIGTERM during startup',
  signalBurst: 'a burst of signals',
  drainThenSigterm: '/drain, then SIGTERM',
  sigtermThenDrain: 'SIGTERM, then /drain',
  drainStorm: '/drain called many times at once',
  drainNoSigterm: '/drain with no SIGTERM after it',
  appRestarted: 'the app container is restarted after /drain (drain.appCheck)',
  killedDuringDrain: 'podwarden is killed during a drain (drain.stateFile)',
  checkNeverReturns: 'a check never returns',
  execLeavesChildren: 'an exec check leaves children behind',
  moduleThrowsOnImport: 'a module service throws on import',
} as const;

describe.concurrent('fault matrix (the real podwarden serve)', () => {
  it(rows.throwsAtStart, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'throw-at-start', { reason: 'cannot open the socket' })]) });
    const failed = await pw.waitState('x', 'failed');
    expect(failed).toMatchObject({ level: 'error', reason: 'cannot open the socket' });
    expect(await pw.get('/readyz')).toMatchObject({ status: 503, body: `[+]podwarden ok\n${withheld('x')}[+]shutdown ok\nreadyz check failed\n` });
    expect((await pw.get('/startupz')).status).toBe(503);
    expect((await pw.get('/livez')).status).toBe(200);
    expect(await pw.metric('podwarden_service_state', { name: 'x', state: 'failed' })).toBe(1);
    expect(await pw.metric('podwarden_service_ready', { name: 'x' })).toBe(0);
    expect(await pw.metric('podwarden_server_phase', { phase: 'running' })).toBe(1);
    const { code, report, stderr } = await terminate(pw);
    expect(code).toBe(1);
    expect(report).toMatchObject({ exitCode: 1, failed: ['x'] });
    expect(stderr).toContain('podwarden: service "x" failed: cannot open the socket');
  });

  it(rows.throwsAtStartRestart, async () => {
    const pw = await startPodwarden({
      config: config([faulty('x', 'throw-at-start', { reason: 'flaky init' }, { restart: 'on-failure' })]),
    });
    await pw.waitFor((l) => l.event === 'service-restart' && l.service === 'x' && (l.restarts as number) >= 3);
    const restarts = pw.events('service-restart');
    expect(restarts[0]).toMatchObject({ level: 'warn', reason: 'flaky init', restarts: 1, delayMs: 200 });
    expect(restarts[1]).toMatchObject({ restarts: 2, delayMs: 400 });
    expect(pw.events('fixture:x').filter((l) => l.what === 'started').length).toBeGreaterThanOrEqual(3);
    expect(await pw.metric('podwarden_service_restarts_total', { name: 'x' })).toBeGreaterThanOrEqual(3);
    expect((await pw.get('/readyz/x')).status).toBe(503);
    const { code, report } = await terminate(pw);
    expect(code).toBe(1);
    expect(report.failed).toEqual(['x']);
  });

  it(rows.rejectsLater, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'reject-later', { delayMs: 400, reason: 'lost the upstream' })]) });
    await pw.waitState('x', 'ready');
    expect((await pw.get('/readyz')).status).toBe(200);
    await pw.waitState('x', 'failed');
    expect((await pw.get('/readyz/x')).status).toBe(503);
    expect((await pw.get('/startupz')).status).toBe(200); // it was ready once
    expect((await pw.get('/livez')).status).toBe(200); // not a liveness member
    expect(await pw.metric('podwarden_service_ready', { name: 'x' })).toBe(0);
    expect(await pw.metric('podwarden_service_ready_timestamp_seconds', { name: 'x' })).toBeGreaterThan(0);
    const { code, stderr } = await terminate(pw);
    expect(code).toBe(1);
    expect(stderr).toContain('service "x" failed: lost the upstream');
  });

  it(rows.hangsInStart, async () => {
    const pw = await startPodwarden({
      config: config([faulty('x', 'hang-in-start', {}, { readyTimeout: '500ms', stopTimeout: '300ms' }), faulty('y', 'steady')], {
        shutdown: { drainDelay: '200ms', stopBudget: '10s' },
      }),
    });
    const failed = await pw.waitState('x', 'failed');
    expect(failed.reason).toBe('ready timeout');
    expect((await pw.get('/startupz/x')).status).toBe(503);
    expect((await pw.get('/readyz/y')).status).toBe(200);
    expect(await pw.metric('podwarden_server_phase', { phase: 'running' })).toBe(1);
    const { code, report, ms } = await terminate(pw);
    expect(code).toBe(1);
    expect(report).toMatchObject({ failed: ['x'], overran: ['x'] });
    expect(report.services.find((s) => s.service === 'x')).toMatchObject({ state: 'failed', reason: 'ready timeout', overran: true });
    expect(ms).toBeLessThan(5000); // drain 200 ms + the abandoned instance's 300 ms stop timeout, not the 10 s budget
  });

  it(rows.neverReady, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'never-ready'), faulty('z', 'never-ready', {}, { readyTimeout: '400ms' })]) });
    await pw.waitState('z', 'failed');
    expect((await pw.get('/readyz/x')).status).toBe(503);
    expect((await pw.get('/startupz/x')).status).toBe(503);
    expect((await pw.get('/livez')).status).toBe(200);
    expect(await pw.metric('podwarden_service_state', { name: 'x', state: 'starting' })).toBe(1);
    expect(await pw.metric('podwarden_server_phase', { phase: 'starting' })).toBe(1); // x never settles its startup
    expect(pw.events('fixture:z').map((l) => l.what)).toEqual(['started', 'returned']); // its watch fired at the timeout
    const { code, report } = await terminate(pw);
    expect(code).toBe(1);
    expect(report.services.find((s) => s.service === 'x')).toMatchObject({ state: 'stopped', overran: false });
    expect(report.failed).toEqual(['z']);
  });

  it(rows.notifiesTwice, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'notify-twice', { delayMs: 200 }), faulty('y', 'steady', {}, { dependsOn: ['x'] })]) });
    await pw.waitFor((l) => l.fixture === 'x' && l.what === 'notified three times');
    await pw.waitState('y', 'ready');
    await sleep(100);
    expect(pw.events('service-state').filter((l) => l.service === 'x' && l.state === 'ready')).toHaveLength(1);
    expect(pw.events('fixture:y').filter((l) => l.what === 'started')).toHaveLength(1);
    expect((await pw.get('/readyz')).status).toBe(200);
    const { code } = await terminate(pw);
    expect(code).toBe(0);
  });

  it(rows.flaps, async () => {
    const pw = await startPodwarden({
      config: config([faulty('x', 'flap', { period: 150, reason: 'upstream flapped' }), faulty('l', 'flap', { period: 150 }, { probes: ['readiness', 'liveness'] })]),
    });
    await pw.waitFor((l) => l.event === 'service-state' && l.service === 'x' && l.state === 'ready' && l.previous === 'not-ready');
    await pw.waitFor((l) => pw.events('service-state').filter((e) => e.service === 'x' && e.state === 'not-ready').length >= 3 && l !== undefined);
    const notReady = pw.events('service-state').filter((l) => l.service === 'x' && l.state === 'not-ready');
    expect(notReady[0]).toMatchObject({ level: 'warn', reason: 'upstream flapped' });
    // Probes follow the flapping; /livez only for the service that lists liveness.
    const seen = { readyz: new Set<number>(), livez: new Set<number>(), livezOfX: new Set<number>() };
    for (let i = 0; i < 20; i++) {
      seen.readyz.add((await pw.get('/readyz/x')).status);
      seen.livez.add((await pw.get('/livez/l')).status);
      seen.livezOfX.add((await pw.get('/livez/x')).status);
      await sleep(40);
    }
    expect([...seen.readyz].sort()).toEqual([200, 503]);
    expect([...seen.livez].sort()).toEqual([200, 503]);
    expect([...seen.livezOfX]).toEqual([404]);
    expect((await pw.get('/startupz')).status).toBe(200);
    expect(await pw.metric('podwarden_service_restarts_total', { name: 'x' })).toBe(0);
    const { code } = await terminate(pw);
    expect(code).toBe(0);
  });

  it(rows.hangsOnStop, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'slow-stop', { stopMs: 5000 }, { stopTimeout: '500ms' }), faulty('y', 'steady')]) });
    await pw.waitState('x', 'ready');
    const { code, report, stderr, ms } = await terminate(pw);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(4000); // 200 ms drain + 500 ms stop timeout, not the 5 s the service wanted
    expect(pw.events('service-stopped').find((l) => l.service === 'x')).toMatchObject({ level: 'error', overran: true });
    expect(pw.events('service-stopped').find((l) => l.service === 'y')).toMatchObject({ level: 'info', overran: false });
    expect(report.overran).toEqual(['x']);
    expect(stderr).toContain('podwarden: did not stop in time: x');
  });

  it(rows.ignoresWatch, async () => {
    // Its stop timeout is longer than the whole stop budget: the budget ends the stop phase.
    const pw = await startPodwarden({
      config: config([faulty('x', 'ignore-watch', {}, { stopTimeout: '30s' })], { shutdown: { drainDelay: '200ms', stopBudget: '800ms' } }),
    });
    await pw.waitState('x', 'ready');
    const { code, report, ms } = await terminate(pw);
    expect(pw.events('fixture:x').map((l) => l.what)).toEqual(['started', 'watch fired']);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(4000); // 200 ms drain + 800 ms budget, not the 30 s stop timeout
    expect(report.overran).toEqual(['x']);
    expect(pw.events('deadline')).toEqual([]);
  });

  it(rows.dependencyFails, async () => {
    const pw = await startPodwarden({
      config: config([
        faulty('db', 'throw-at-start', { reason: 'connection refused' }),
        faulty('api', 'steady', {}, { dependsOn: ['db'] }),
        faulty('worker', 'steady', {}, { dependsOn: ['api'] }),
        faulty('cache', 'steady'),
      ]),
    });
    const api = await pw.waitState('api', 'blocked');
    const worker = await pw.waitState('worker', 'blocked');
    expect(api).toMatchObject({ level: 'error', reason: 'dependency "db" failed' });
    expect(worker.reason).toBe('dependency "api" failed');
    await pw.waitState('cache', 'ready');
    expect(pw.events('fixture:api')).toEqual([]); // never started
    expect((await pw.get('/readyz')).body).toBe(`[+]podwarden ok\n${withheld('db')}${withheld('api')}${withheld('worker')}[+]cache ok\n[+]shutdown ok\nreadyz check failed\n`);
    expect(await pw.metric('podwarden_service_state', { name: 'worker', state: 'blocked' })).toBe(1);
    const { code, report, stderr } = await terminate(pw);
    expect(code).toBe(1);
    expect(report.failed).toEqual(['db', 'api', 'worker']);
    expect(stderr).toContain('service "worker" blocked: dependency "api" failed');
  });

  it(rows.cycle, async () => {
    const dir = tempDir();
    const file = writeConfig(dir, config([faulty('a', 'steady', {}, { dependsOn: ['c'] }), faulty('b', 'steady', {}, { dependsOn: ['a'] }), faulty('c', 'steady', {}, { dependsOn: ['b'] })]));
    const result = await runCli(['serve', '--config', file, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/services\[\d\]\.dependsOn: dependency cycle: (a → c → b → a|b → a → c → b|c → b → a → c)/);
    expect(result.stdout).toBe('');
  });

  it(rows.portTaken, async () => {
    const blocker: NetServer = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const pw = await startPodwarden({ config: config([faulty('x', 'steady')]), args: ['--port', String(port)], listening: false });
      const { code } = await pw.exited();
      expect(code).toBe(1);
      expect(pw.process.stderr).toContain(`service "podwarden" failed: cannot listen on 127.0.0.1:${port}: address already in use`);
      expect(pw.events('phase').map((l) => l.phase)).toEqual(['starting', 'stopping', 'terminated']);
      expect(pw.events('listening')).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it(rows.badConfig, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: 99999\nservices:\n  - { name: app, type: http, url: "ftp://x", interval: 5 }\n');
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(''); // nothing started, nothing logged, no port opened
    expect(result.stderr).toContain('server.port: 99999 is not a port; use an integer from 1 to 65535');
    expect(result.stderr).toContain('services[0].url: scheme "ftp" is not supported');
    expect(result.stderr).toContain('services[0].interval: 5 has no unit');
  });

  it(rows.sigtermDuringStartup, async () => {
    const pw = await startPodwarden({ config: config([faulty('slow', 'ready-after', { delayMs: 30_000 }), faulty('dep', 'steady', {}, { dependsOn: ['slow'] })]) });
    await pw.waitState('slow', 'starting');
    expect(await pw.metric('podwarden_server_phase', { phase: 'starting' })).toBe(1);
    const { code, report, ms } = await terminate(pw);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3000);
    expect(report.timeline.map((p) => p.phase)).toEqual(['starting', 'draining', 'drained', 'stopping', 'terminated']);
    expect(report.services.find((s) => s.service === 'slow')).toMatchObject({ state: 'stopped' });
    expect(report.services.find((s) => s.service === 'dep')).toMatchObject({ state: 'stopped', reason: 'shut down before it started' });
  });

  it(rows.signalBurst, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '20s' } }) });
    const since = performance.now();
    // Signals of one kind sent at once coalesce into one; spaced by a few ms, each arrives.
    for (let i = 0; i < 20 && pw.process.child.exitCode === null; i++) {
      pw.signal('SIGTERM');
      await sleep(10);
    }
    const { code } = await pw.exited(since);
    expect(code).toBe(0);
    const signals = pw.events('signal');
    expect(signals[0]).toMatchObject({ signal: 'SIGTERM', action: 'graceful' });
    expect(signals.length).toBeGreaterThanOrEqual(2);
    expect(signals.slice(1).every((l) => l.action === 'fast')).toBe(true);
    expect(performance.now() - since).toBeLessThan(6000); // the second signal skipped the 20 s drain

    const mixed = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '20s' } }) });
    const t1 = performance.now();
    for (let i = 0; i < 20 && mixed.process.child.exitCode === null; i++) {
      mixed.signal(i % 2 ? 'SIGINT' : 'SIGTERM');
      await sleep(10);
    }
    expect((await mixed.exited(t1)).code).toBe(130);
    expect(mixed.events('signal').slice(0, 2)).toEqual([
      expect.objectContaining({ signal: 'SIGTERM', action: 'graceful' }),
      expect.objectContaining({ signal: 'SIGINT', action: 'fast' }),
    ]);
  });

  it(rows.drainThenSigterm, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '2s' } }) });
    const drain = pw.get('/drain', { method: 'POST' });
    await pw.waitFor((l) => l.event === 'drain' && l.kind === 'started');
    expect((await pw.get('/readyz')).status).toBe(503);
    expect((await pw.get('/livez')).status).toBe(200);
    expect(await pw.metric('podwarden_server_phase', { phase: 'draining' })).toBe(1);
    expect(await drain).toMatchObject({ status: 200, body: 'drained\n' });
    expect(pw.process.child.exitCode).toBeNull(); // /drain stops nothing
    expect(pw.events('fixture:x').map((l) => l.what)).toEqual(['started']);
    const { code, ms } = await terminate(pw);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(1500); // already drained: stops at once, not after another 2 s
    expect(pw.events('drain').filter((l) => l.kind === 'started')).toHaveLength(1);
  });

  it(rows.sigtermThenDrain, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '1s' } }) });
    const since = performance.now();
    pw.signal('SIGTERM');
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'draining');
    const drain = await pw.get('/drain');
    expect(drain.status).toBe(200);
    expect(performance.now() - since).toBeGreaterThanOrEqual(900); // joined the drain SIGTERM started
    const { code } = await pw.exited();
    expect(code).toBe(0);
    expect(pw.events('drain').filter((l) => l.kind === 'started')).toEqual([expect.objectContaining({ source: 'SIGTERM' })]);
  });

  it(rows.drainStorm, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '1s' } }) });
    const since = performance.now();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => pw.get('/drain', { method: i % 2 ? 'POST' : 'GET' }).then((a) => ({ ...a, at: performance.now() - since }))));
    expect(answers.every((a) => a.status === 200 && a.body === 'drained\n')).toBe(true);
    const ats = answers.map((a) => a.at);
    expect(Math.min(...ats)).toBeGreaterThanOrEqual(950);
    expect(Math.max(...ats) - Math.min(...ats)).toBeLessThan(500);
    expect(pw.events('drain').filter((l) => l.kind === 'started')).toHaveLength(1);
    expect(await pw.metric('podwarden_drain_requests_total', { result: 'drained' })).toBe(100);
    expect(pw.process.child.exitCode).toBeNull();
    const { code } = await terminate(pw);
    expect(code).toBe(0);
  });

  it(rows.drainNoSigterm, async () => {
    const pw = await startPodwarden({ config: config([faulty('x', 'steady')], { shutdown: { drainDelay: '300ms' }, drain: { allowUnauthenticated: true, maxHold: '700ms' } }) });
    // Drain a server that is running (every service settled), so the phase it returns to is known.
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    expect((await pw.get('/drain')).status).toBe(200);
    expect((await pw.get('/readyz')).status).toBe(503);
    const undrained = await pw.waitFor((l) => l.event === 'drain' && l.kind === 'undrained');
    expect(undrained.level).toBe('warn');
    expect((await pw.get('/readyz')).status).toBe(200);
    expect(await pw.metric('podwarden_server_phase', { phase: 'running' })).toBe(1);
    expect(pw.events('phase').map((l) => l.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'running']);
    // A later SIGTERM drains again in full.
    const { code, ms } = await terminate(pw);
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(pw.events('drain').filter((l) => l.kind === 'started')).toHaveLength(2);
  });

  it(rows.appRestarted, async () => {
    const sockets = new Set<Socket>();
    const listen = (port: number) =>
      new Promise<NetServer>((resolve) => {
        const server = createServer((socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
        server.listen(port, '127.0.0.1', () => resolve(server));
      });
    let app = await listen(0);
    const appPort = (app.address() as { port: number }).port;
    const check = { name: 'app', type: 'tcp', host: '127.0.0.1', port: appPort, interval: '100ms', timeout: '200ms', failureThreshold: 2 };
    const pw = await startPodwarden({ config: config([check], { drain: { allowUnauthenticated: true, appCheck: 'app', maxHold: '60s' } }) });
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    expect((await pw.get('/drain')).status).toBe(200);
    // The kubelet kills the app container after its preStop, then starts it again.
    await new Promise((resolve) => (app.close(resolve), sockets.forEach((s) => s.destroy())));
    await pw.waitState('app', 'not-ready');
    expect((await pw.get('/readyz')).status).toBe(503);
    app = await listen(appPort);
    const undrained = await pw.waitFor((l) => l.event === 'drain' && l.kind === 'undrained');
    expect(undrained).toMatchObject({ source: 'app-restarted', level: 'warn' });
    expect((await pw.get('/readyz')).status).toBe(200);
    expect(await pw.metric('podwarden_server_phase', { phase: 'running' })).toBe(1);
    const { code, ms } = await terminate(pw);
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(180); // a later SIGTERM drains in full
    await new Promise((resolve) => app.close(resolve));
  });

  it(rows.killedDuringDrain, async () => {
    const stateFile = path.join(tempDir(), 'drain-state');
    const settings = config([faulty('x', 'steady')], { drain: { allowUnauthenticated: true, stateFile } });
    const first = await startPodwarden({ config: settings });
    expect((await first.get('/drain')).status).toBe(200);
    await until(() => existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes('"drained"'), 2000, 'the drained record');
    first.signal('SIGKILL');
    await first.exited();
    const second = await startPodwarden({ config: settings });
    expect((await second.get('/readyz')).status).toBe(503);
    expect((await second.get('/livez')).status).toBe(200);
    expect(await second.metric('podwarden_server_phase', { phase: 'drained' })).toBe(1);
    expect(second.events('drain-state')).toEqual([expect.objectContaining({ kind: 'restored', level: 'warn' })]);
    const { code, ms } = await terminate(second);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(1500);
  });

  it(rows.checkNeverReturns, async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>();
    const open = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      open.add(socket);
      socket.on('close', () => open.delete(socket)).resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const pw = await startPodwarden({
        config: config([
          { name: 'app', type: 'http', url: `http://127.0.0.1:${port}/health`, interval: '100ms', timeout: '200ms', failureThreshold: 1 },
          { name: 'hung', type: 'exec', command: ['sleep', '3600'], interval: '100ms', timeout: '200ms' },
        ]),
      });
      await until(() => sockets.size >= 5, 10_000, 'five attempts');
      const failures = await pw.metric('podwarden_check_failures_total', { name: 'app' });
      expect(failures).toBeGreaterThanOrEqual(4);
      expect((await pw.get('/readyz/app')).status).toBe(503);
      expect(await pw.metric('podwarden_check_duration_seconds_bucket', { name: 'app', le: '0.1' })).toBe(0);
      expect(await pw.metric('podwarden_check_duration_seconds_bucket', { name: 'app', le: '0.5' })).toBeGreaterThanOrEqual(4);
      // Each attempt was given up at its timeout: its connection closed, never two at once.
      await until(() => open.size <= 1, 2000, 'abandoned connections to close');
      expect(await pw.metric('podwarden_check_failures_total', { name: 'hung' })).toBeGreaterThanOrEqual(3);
      expect(descendants(pw.pid).filter((p) => p.comm === 'sleep' && p.state !== 'Z').length).toBeLessThanOrEqual(1);
      const { code } = await terminate(pw);
      expect(code).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it(rows.execLeavesChildren, async () => {
    const dir = tempDir();
    const script = path.join(dir, 'forks.sh');
    // Leaves a background child and a grandchild, then exits 0.
    writeFileSync(script, '#!/bin/sh\n(sleep 300 &) ; sleep 300 &\nexit 0\n');
    chmodSync(script, 0o755);
    const mark = `podwarden-fault-${process.pid}-${Date.now()}`;
    const pw = await startPodwarden({ config: config([{ name: 'forks', type: 'exec', command: [script], env: { FAULT_MARK: mark }, interval: '100ms', timeout: '1s' }]) });
    await pw.waitState('forks', 'ready');
    await sleep(1000); // about ten attempts
    expect(await pw.metric('podwarden_check_failures_total', { name: 'forks' })).toBe(0);
    // No live process carrying the mark: each attempt's group was killed when its command exited.
    await until(() => markedProcesses(mark).filter((p) => p.state !== 'Z').length === 0, 2000, 'leftovers to die');
    const { code } = await terminate(pw);
    expect(code).toBe(0);
    expect(markedProcesses(mark).filter((p) => p.state !== 'Z')).toEqual([]);
  });

  it(rows.moduleThrowsOnImport, async () => {
    const pw = await startPodwarden({
      config: config([{ name: 'plugin', type: 'module', module: path.join(fixturesDir, 'throws-on-import.mjs') }, faulty('x', 'steady')]),
    });
    const failed = await pw.waitState('plugin', 'failed');
    expect(failed.reason).toMatch(/^cannot load module .*throws-on-import\.mjs: Error: broken at import$/);
    await pw.waitState('x', 'ready');
    expect((await pw.get('/readyz')).body).toContain(withheld('plugin'));
    expect((await pw.get('/livez')).status).toBe(200);
    const { code, stderr } = await terminate(pw);
    expect(code).toBe(1);
    expect(stderr).toContain('service "plugin" failed: cannot load module');
  });
});

describe('docs/reliability.md', () => {
  it('has a table row for every fault the matrix tests, and no other', () => {
    const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Fault matrix'), doc.indexOf('\n## ', doc.indexOf('## Fault matrix') + 1));
    const documented = [...table.matchAll(/^\| ([^|]+?) \|/gm)].map((m) => m[1]!.replace(/`/g, '')).filter((name) => name !== 'fault' && !/^-+$/.test(name));
    expect(documented).toEqual(Object.values(rows));
  });
});
