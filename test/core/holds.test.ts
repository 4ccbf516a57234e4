import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { HoldEvent } from '../../src/core/events.js';
import type { ShutdownWatch } from '../../src/core/shutdown-watch.js';
import { createLogger } from '../../src/logging/logger.js';
import { logLifecycle } from '../../src/logging/lifecycle-log.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { NodeProcess } from '../helpers/child.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

/** A service that is ready at once and records when its watch fired and when it returned. */
function recorded(name: string, log: string[], stopMs = 0) {
  return serviceFromFunction(name, async (shutdown, ready) => {
    ready.notifyReady();
    await shutdown.wait();
    log.push(`${name} watch`);
    await sleep(stopMs);
    log.push(`${name} returned`);
  });
}

function holdEvents(server: { on: (e: 'hold', l: (e: HoldEvent) => void) => () => void }) {
  const events: HoldEvent[] = [];
  server.on('hold', (e) => events.push(e));
  return events;
}

describe('server.hold(reason)', () => {
  it('delays the stop phase until released: no watch fires while a hold is active, the drain is not delayed', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 50, stopBudget: 3000 } });
    const log: string[] = [];
    server.addService(recorded('a', log));
    const run = server.run();
    await until(() => server.phase === 'running');
    const release = server.hold('flush the queue');
    signals.send('SIGTERM');
    expect(server.phase, 'the drain begins at once').toBe('draining');
    await until(() => server.phase === 'stopping');
    await sleep(200);
    expect(log, 'held: no watch fired').toEqual([]);
    expect(server.service('a')?.state).toBe('ready');
    const releasedAt = performance.now();
    release();
    release(); // idempotent
    const report = await run;
    expect(log).toEqual(['a watch', 'a returned']);
    expect(report.exitCode).toBe(0);
    expect(report.holds).toHaveLength(1);
    expect(report.holds[0]).toMatchObject({ reason: 'flush the queue', service: undefined, outcome: 'released' });
    expect(report.holds[0]!.waitedMs).toBeGreaterThanOrEqual(190);
    expect(report.holds[0]!.endedAt!.mono).toBeLessThanOrEqual(releasedAt + 1);
    expect(report.refusedHolds).toBe(0);
  });

  it('waits on every hold; a hold released before the stop phase neither delays it nor shows in the report', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 20, stopBudget: 3000 } });
    const events = holdEvents(server);
    const log: string[] = [];
    server.addService(recorded('a', log));
    const run = server.run();
    await until(() => server.phase === 'running');
    server.hold('done early')();
    const first = server.hold('first');
    const second = server.hold('second');
    signals.send('SIGTERM');
    await until(() => server.phase === 'stopping');
    first();
    await sleep(100);
    expect(log).toEqual([]);
    second();
    const report = await run;
    expect(report.holds.map((h) => [h.reason, h.outcome])).toEqual([
      ['first', 'released'],
      ['second', 'released'],
    ]);
    expect(events.map((e) => `${e.kind} ${e.reason} ${e.active}`)).toEqual([
      'acquired done early 1',
      'released done early 0',
      'acquired first 1',
      'acquired second 2',
      'released first 1',
      'released second 0',
    ]);
  });

  it('expires holds still active when the stop budget is spent: services stop as in a fast shutdown, exit code 1', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 300, fastStopBudget: 1000 } });
    const log: string[] = [];
    server.addService(recorded('a', log, 50));
    const run = server.run();
    await until(() => server.phase === 'running');
    server.hold('never released');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(log, 'the watches fire once the budget is spent, and the service is waited for').toEqual(['a watch', 'a returned']);
    expect(report.exitCode).toBe(1);
    expect(report.overran).toEqual([]);
    expect(report.holds).toMatchObject([{ reason: 'never released', outcome: 'expired' }]);
    expect(report.services[0]).toMatchObject({ state: 'stopped', overran: false });
  });

  it('refuses a hold asked for once the stop phase has begun: a no-op release, a hold event and a log line with the reason', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    const lines: Array<Record<string, unknown>> = [];
    logLifecycle(server, createLogger({ level: 'debug', destination: { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>) } }));
    const events = holdEvents(server);
    let refused: (() => void) | undefined;
    server.addService(
      serviceFromFunction('worker', async (shutdown, ready) => {
        ready.notifyReady();
        await shutdown.wait();
        refused = server.hold('late job');
      }),
    );
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    const report = await run;
    expect(typeof refused).toBe('function');
    refused!();
    expect(report.refusedHolds).toBe(1);
    expect(report.holds).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(events.map((e) => e.kind)).toEqual(['refused']);
    const line = lines.find((l) => l.event === 'hold');
    expect(line).toMatchObject({ level: 'warn', kind: 'refused', reason: 'late job', msg: 'hold "late job" refused: the stop phase has begun' });
    const exit = lines.find((l) => l.event === 'exit');
    expect(exit).toMatchObject({ refusedHolds: 1, holds: [] });
  });

  it('a fast shutdown does not wait: holds are abandoned', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 10_000, stopBudget: 10_000 } });
    server.addService(recorded('a', []));
    const run = server.run();
    await until(() => server.phase === 'running');
    server.hold('slow upload');
    const t0 = performance.now();
    signals.send('SIGINT');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(report.exitCode).toBe(130);
    expect(report.holds).toMatchObject([{ reason: 'slow upload', outcome: 'abandoned', waitedMs: 0 }]);
  });

  it('a second signal while the stop phase waits on a hold stops at once', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 10_000 } });
    const log: string[] = [];
    server.addService(recorded('a', log));
    const run = server.run();
    await until(() => server.phase === 'running');
    server.hold('slow upload');
    signals.send('SIGTERM');
    await until(() => server.phase === 'stopping');
    await sleep(50);
    signals.send('SIGTERM');
    const report = await run;
    expect(log).toEqual(['a watch', 'a returned']);
    expect(report.holds).toMatchObject([{ reason: 'slow upload', outcome: 'abandoned' }]);
    expect(report.exitCode).toBe(0);
  });

  it('rejects a hold without a reason', () => {
    const { server } = recordingServer();
    const handle = server.addService(recorded('a', []));
    expect(() => server.hold('')).toThrow(/invalid option server\.hold\(reason\): "": give the hold a reason/);
    expect(() => handle.hold('  ')).toThrow(/invalid option hold\(reason\) of service "a"/);
  });
});

describe('handle.hold(reason)', () => {
  it("delays that service's stop, and so its dependencies', not its dependents'", async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 3000 } });
    const log: string[] = [];
    const db = server.addService(recorded('db', log), { stopTimeout: 2000 });
    const api = server.addService(recorded('api', log), { stopTimeout: 2000 }).addDependency(db);
    server.addService(recorded('web', log)).addDependency(api);
    const run = server.run();
    await until(() => server.phase === 'running');
    const release = api.hold('request in flight');
    signals.send('SIGTERM');
    await until(() => log.includes('web returned'));
    await sleep(150);
    expect(log, 'web (a dependent) stopped; api is held, db waits for it').toEqual(['web watch', 'web returned']);
    release();
    const report = await run;
    expect(log).toEqual(['web watch', 'web returned', 'api watch', 'api returned', 'db watch', 'db returned']);
    expect(report.exitCode).toBe(0);
    expect(report.holds).toMatchObject([{ reason: 'request in flight', service: 'api', outcome: 'released' }]);
    const apiStop = report.services.find((s) => s.name === 'api')!;
    expect(apiStop.stopDurationMs, 'its stop counts from when the stop phase reached it').toBeGreaterThanOrEqual(140);
  });

  it('a hold still active at the stopTimeout expires: the service is named as overran, its watch fires anyway', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 3000 } });
    const log: string[] = [];
    const api = server.addService(recorded('api', log), { stopTimeout: 200 });
    const run = server.run();
    await until(() => server.phase === 'running');
    api.hold('stuck job');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(log[0]).toBe('api watch');
    expect(report.exitCode).toBe(1);
    expect(report.overran).toEqual(['api']);
    expect(report.holds).toMatchObject([{ reason: 'stuck job', service: 'api', outcome: 'expired' }]);
  });

  it('does not wait on holds of a service that is no longer running: they are abandoned', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 3000 } });
    const job = server.addService(serviceFromFunction('migrate', async () => {}), { stopTimeout: 2000 });
    server.addService(recorded('api', []));
    const run = server.run();
    await until(() => server.service('migrate')?.state === 'completed' && server.phase === 'running');
    job.hold('report upload');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(report.exitCode).toBe(0);
    expect(report.holds).toMatchObject([{ reason: 'report upload', service: 'migrate', outcome: 'abandoned', waitedMs: 0 }]);
  });

  it('shows active holds in the metrics', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    const metrics = createMetrics({ server, processMetrics: false });
    const api = server.addService(recorded('api', []));
    server.addService(recorded('idle', []));
    const run = server.run();
    await until(() => server.phase === 'running');
    const body = async () => (await metrics.render(false)).body;
    expect(await body()).toContain('podwarden_server_holds 0\n');
    expect(await body()).toContain('podwarden_service_holds{name="idle"} 0\n');
    const releases = [server.hold('a'), api.hold('b'), api.hold('c')];
    expect(await body()).toContain('podwarden_server_holds 1\n');
    expect(await body()).toContain('podwarden_service_holds{name="api"} 2\n');
    for (const release of releases) release();
    expect(await body()).toContain('podwarden_service_holds{name="api"} 0\n');
    signals.send('SIGTERM');
    await run;
  });
});

describe("the service's watch: isDraining, onDrain, timeLeft", () => {
  it('shows the drain before the watch fires, the drain let go, and the time left once it fires', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 100, stopBudget: 3000 }, drain: { maxHold: 50 } });
    let watch: ShutdownWatch | undefined;
    const changes: boolean[] = [];
    let timeLeftAtFire = 0;
    server.addService(
      serviceFromFunction('a', async (shutdown, ready) => {
        watch = shutdown;
        shutdown.onDrain((draining) => changes.push(draining));
        ready.notifyReady();
        await shutdown.wait();
        timeLeftAtFire = shutdown.timeLeft();
      }),
      { stopTimeout: 800 },
    );
    const run = server.run();
    await until(() => server.phase === 'running');
    expect(watch!.isDraining).toBe(false);
    expect(watch!.timeLeft()).toBe(Number.POSITIVE_INFINITY);
    await server.drain('api');
    expect(watch!.isDraining).toBe(true);
    expect(watch!.isShuttingDown).toBe(false);
    await until(() => server.phase === 'running', 2000, 'the drain let go after maxHold');
    expect(watch!.isDraining).toBe(false);
    signals.send('SIGTERM');
    await run;
    expect(changes).toEqual([true, false, true]);
    expect(timeLeftAtFire).toBeGreaterThan(700);
    expect(timeLeftAtFire).toBeLessThanOrEqual(800);
  });
});

describe('holds in a real process', () => {
  const script = fileURLToPath(new URL('./fixtures/signal-server.mjs', import.meta.url));
  const running: NodeProcess[] = [];
  afterEach(() => {
    for (const fixture of running.splice(0)) fixture.kill();
  });

  it('a server hold keeps the process up after SIGTERM until it is released, then it exits 0', async () => {
    const fixture = new NodeProcess([script], {
      env: { PODWARDEN_FIXTURE: JSON.stringify({ server: { shutdown: { drainDelay: 100, stopBudget: 20_000 } }, services: [{ name: 'a' }], hold: { reason: 'upload', releaseOn: 'SIGUSR2' } }) },
    });
    running.push(fixture);
    await fixture.waitFor((l) => l.kind === 'state' && l.name === 'a' && l.state === 'ready');
    fixture.signal('SIGTERM');
    await fixture.waitFor((l) => l.kind === 'phase' && l.phase === 'stopping');
    await sleep(1000);
    expect(fixture.alive, 'held past the drain delay').toBe(true);
    expect(fixture.lines.some((l) => l.kind === 'returned')).toBe(false);
    fixture.signal('SIGUSR2');
    const exit = await fixture.exited;
    expect(exit.code).toBe(0);
    expect(fixture.lines.find((l) => l.kind === 'report')).toMatchObject({ exitCode: 0, holds: [{ reason: 'upload', outcome: 'released' }] });
    const kinds = fixture.lines.filter((l) => l.kind === 'hold').map((l) => l.event);
    expect(kinds).toEqual(['acquired', 'released']);
  });
});
