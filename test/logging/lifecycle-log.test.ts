import { afterEach, describe, expect, it } from 'vitest';
import { now } from '../../src/core/clock.js';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { logLifecycle } from '../../src/logging/lifecycle-log.js';
import { type LogLevelName, createLogger } from '../../src/logging/logger.js';
import { recordingServer, sleep, until } from '../helpers/core.js';
import { type Harness, startHarness } from '../http/harness.js';

type Line = Record<string, unknown> & { level: string; msg: string; event?: string };

/** A pino logger whose JSON lines land in `lines`. */
function capture(level: LogLevelName = 'info') {
  const lines: Line[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) } });
  return { lines, logger };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('lifecycle logs', () => {
  it('logs one JSON event per lifecycle change, with the service name, and the shutdown timeline at exit', async () => {
    const { lines, logger } = capture();
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 50, stopBudget: 1000 } });
    logLifecycle(server, logger);
    server.addService(serviceFromFunction('db', async (shutdown, ready) => {
      ready.notifyReady();
      await shutdown.wait();
      await sleep(30);
    }));
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    await run;

    for (const line of lines) {
      expect(typeof line.time).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    const events = lines.map((l) => `${l.event}:${String(l.service ?? l.phase ?? l.signal ?? l.kind ?? '')}`);
    expect(events).toEqual([
      'phase:starting',
      'service-state:db',
      'service-state:db',
      'phase:running',
      'signal:SIGTERM',
      'phase:draining',
      'drain:started',
      'phase:drained',
      'drain:completed',
      'phase:stopping',
      'service-state:db',
      'service-state:db',
      'service-stopped:db',
      'phase:terminated',
      'exit:',
    ]);
    expect(lines.filter((l) => l.event === 'service-state').map((l) => l.state)).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    const stopped = lines.find((l) => l.event === 'service-stopped')!;
    expect(stopped).toMatchObject({ level: 'info', service: 'db', overran: false });
    expect(stopped.stopMs).toBeGreaterThanOrEqual(25);
    expect(lines.find((l) => l.event === 'drain')).toMatchObject({ source: 'SIGTERM', drainDelayMs: 50 });
    const exit = lines.at(-1)!;
    expect(exit).toMatchObject({ level: 'info', exitCode: 0, reason: 'SIGTERM', overran: [], failed: [] });
    expect((exit.timeline as Array<{ phase: string }>).map((p) => p.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    expect(exit.services).toEqual([expect.objectContaining({ service: 'db', state: 'stopped', restarts: 0, overran: false })]);
    expect((exit.services as Array<{ stopMs: number }>)[0]!.stopMs).toBeGreaterThanOrEqual(25);
  });

  it('logs an overrun at error and the hard deadline at fatal, naming what it waited on', async () => {
    const { lines, logger } = capture();
    const exits: number[] = [];
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 200, stopTimeout: 100 }, exit: (code) => exits.push(code) });
    logLifecycle(server, logger);
    server.addService({ name: 'stuck', start: () => new Promise(() => {}) });
    server.addCloseHook('listener', () => new Promise(() => {}));
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    const report = await run;
    expect(report.exitCode).toBe(1);
    expect(exits).toEqual([1]);
    expect(lines.find((l) => l.event === 'service-stopped')).toMatchObject({ level: 'error', service: 'stuck', overran: true });
    const deadline = lines.find((l) => l.event === 'deadline')!;
    expect(deadline.level).toBe('fatal');
    expect(deadline.waitingOn).toEqual(expect.arrayContaining(['close hook "listener"']));
    expect(lines.at(-1)).toMatchObject({ event: 'exit', level: 'error', exitCode: 1, overran: ['stuck'] });
  });

  it('honours the level: at warn only warnings and worse are written', async () => {
    const { lines, logger } = capture('warn');
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0 } });
    logLifecycle(server, logger);
    server.addService(serviceFromFunction('db', async (shutdown, ready) => {
      ready.notifyReady();
      ready.notifyNotReady('lost the primary');
      await shutdown.wait();
    }));
    const run = server.run();
    await until(() => server.service('db')?.state === 'not-ready');
    signals.send('SIGTERM');
    await run;
    expect(lines.map((l) => [l.level, l.event])).toEqual([['warn', 'service-state']]);
    expect(lines[0]).toMatchObject({ service: 'db', state: 'not-ready', reason: 'lost the primary' });
    expect(() => createLogger({ level: 'loud' as LogLevelName })).toThrow(/log.level/);
  });

  it('writes nothing per probe request, even at trace', async () => {
    const { lines, logger } = capture('trace');
    h = await startHarness({ logger });
    await until(() => lines.some((l) => l.event === 'phase' && l.phase === 'running'));
    const before = lines.length;
    for (let i = 0; i < 50; i++) {
      await h.get(['/livez', '/readyz?verbose', '/startupz', '/metrics', '/nope', '/readyz/podwarden'][i % 6]!);
    }
    await sleep(20);
    expect(lines.slice(before)).toEqual([]);
  });

  it('logs /drain requests, a failing check at warn and its recovery at info', async () => {
    const { lines, logger } = capture('info');
    h = await startHarness({ logger, server: { shutdown: { drainDelay: 50 } } });
    await h.get('/drain');
    expect(lines.find((l) => l.event === 'drain-request')).toMatchObject({ level: 'warn', result: 'forbidden' });
    h.results.report({ name: 'db', type: 'tcp', ok: false, durationMs: 12, error: 'ECONNREFUSED', at: now() });
    h.results.report({ name: 'db', type: 'tcp', ok: true, durationMs: 2, error: undefined, at: now() });
    expect(lines.filter((l) => l.event === 'check-failed')).toEqual([expect.objectContaining({ level: 'warn', service: 'db', error: 'ECONNREFUSED', failedAttempts: 1 })]);
    expect(lines.filter((l) => l.event === 'check-recovered')).toEqual([expect.objectContaining({ level: 'info', service: 'db', failedAttempts: 1 })]);
  });
  it('logs what the stop phase waits on at info, an expired hold at error, and the holds in the exit line', async () => {
    const { lines, logger } = capture();
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 150, fastStopBudget: 500 } });
    logLifecycle(server, logger);
    server.addService(serviceFromFunction('db', async (shutdown, ready) => {
      ready.notifyReady();
      await shutdown.wait();
    }));
    const run = server.run();
    await until(() => server.phase === 'running');
    server.hold('export to s3');
    signals.send('SIGTERM');
    await run;
    expect(lines.find((l) => l.event === 'hold-wait')).toMatchObject({ level: 'info', reasons: ['export to s3'], msg: 'the stop phase waits on a hold: export to s3' });
    expect(lines.find((l) => l.event === 'hold')).toMatchObject({ level: 'error', kind: 'expired', reason: 'export to s3', msg: 'hold "export to s3" still held when its time ran out' });
    const exit = lines.find((l) => l.event === 'exit');
    expect(exit).toMatchObject({ level: 'error', exitCode: 1, holds: [{ reason: 'export to s3', outcome: 'expired' }], msg: 'terminated with exit code 1 (hold "export to s3" expired)' });
    expect(lines.filter((l) => l.level === 'debug')).toEqual([]);
  });
});
