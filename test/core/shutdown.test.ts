import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { DrainEvent, ServiceStoppedEvent } from '../../src/core/events.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

/** A service that returns `stopMs` after its watch fires, recording when. */
function stopsAfter(name: string, stopMs: number, log: Array<{ name: string; at: number }>) {
  return serviceFromFunction(name, async (shutdown, ready) => {
    ready.notifyReady();
    await shutdown.wait();
    await sleep(stopMs);
    log.push({ name, at: performance.now() });
  });
}

describe('phases and the one drain', () => {
  it('goes starting → running → draining → drained → stopping → terminated on SIGTERM', async () => {
    const { server, signals, phases } = recordingServer({ shutdown: { drainDelay: 50, stopBudget: 1000 } });
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    const report = await run;
    expect(phases.map((p) => p.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    const draining = phases.find((p) => p.phase === 'draining')!;
    const drained = phases.find((p) => p.phase === 'drained')!;
    expect(drained.at.mono - draining.at.mono).toBeGreaterThanOrEqual(49);
    expect(report.exitCode).toBe(0);
    expect(report.reason).toBe('SIGTERM');
  });

  it('drain() and SIGTERM join one idempotent drain, in either order', async () => {
    for (const order of ['drain-first', 'sigterm-first'] as const) {
      const { server, signals, phases } = recordingServer({ shutdown: { drainDelay: 80, stopBudget: 1000 } });
      const drains: DrainEvent[] = [];
      server.on('drain', (e) => drains.push(e));
      server.addService({ name: 'a', start: (s) => s.wait() });
      const run = server.run();
      await until(() => server.phase === 'running');
      const t0 = performance.now();
      let drained: Promise<void>;
      if (order === 'drain-first') {
        drained = server.drain('http');
        await sleep(30);
        signals.send('SIGTERM');
      } else {
        signals.send('SIGTERM');
        await sleep(30);
        drained = server.drain('http');
      }
      const again = server.drain('http');
      await drained;
      await again;
      const waited = performance.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(79);
      expect(waited).toBeLessThan(150); // one drain of 80 ms, not two
      await run;
      expect(drains.filter((d) => d.kind === 'started')).toHaveLength(1);
      expect(phases.filter((p) => p.phase === 'draining')).toHaveLength(1);
    }
  });

  it('drain() stops nothing; if no shutdown follows within maxHold the server un-drains', async () => {
    const { server, phases } = recordingServer({ shutdown: { drainDelay: 20, stopBudget: 1000 }, drain: { maxHold: 60 } });
    const drains: DrainEvent[] = [];
    server.on('drain', (e) => drains.push(e));
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    await server.drain('http');
    expect(server.phase).toBe('drained');
    expect(server.service('a')?.state).toBe('ready');
    await until(() => server.phase === 'running', 500);
    expect(drains.map((d) => d.kind)).toEqual(['started', 'completed', 'undrained']);
    expect(phases.map((p) => p.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'running']);
    // a later drain starts afresh
    await server.drain('http');
    expect(server.phase).toBe('drained');
    await server.shutdown();
    await run;
  });

  it('SIGTERM after a completed drain stops at once', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 40, stopBudget: 1000 } });
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    await server.drain('http');
    const t0 = performance.now();
    signals.send('SIGTERM');
    await run;
    expect(performance.now() - t0).toBeLessThan(30);
  });

  it('a fast shutdown while draining ends the drain: drain() callers return, no drain delay is left to show', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 5000, stopBudget: 1000 } });
    server.addService({ name: 'a', start: async (s) => { await s.wait(); await sleep(100); } });
    const run = server.run();
    await until(() => server.phase === 'running');
    const drained = server.drain('http');
    expect(server.drainEndsAt).toBeDefined();
    void server.shutdown('api', { fast: true });
    expect(server.phase).toBe('stopping');
    expect(server.drainEndsAt).toBeUndefined();
    const returned = await Promise.race([drained.then(() => true), sleep(50).then(() => false)]);
    expect(returned).toBe(true);
    expect(server.phase).toBe('stopping');
    await run;
  });

  it('stops services in reverse dependency order, dependents first', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    const stopped: Array<{ name: string; at: number }> = [];
    const db = server.addService(stopsAfter('db', 10, stopped));
    const cache = server.addService(stopsAfter('cache', 10, stopped));
    const api = server.addService(stopsAfter('api', 20, stopped)).addDependency(db).addDependency(cache);
    server.addService(stopsAfter('web', 20, stopped)).addDependency(api);
    const run = server.run();
    await until(() => server.services().every((s) => s.state === 'ready'));
    signals.send('SIGTERM');
    const report = await run;
    expect(stopped.map((s) => s.name)).toEqual(['web', 'api', expect.any(String), expect.any(String)]);
    expect(new Set(stopped.slice(2).map((s) => s.name))).toEqual(new Set(['db', 'cache']));
    const at = (name: string) => report.services.find((s) => s.name === name)!;
    expect(at('api').stopRequestedAt!.mono).toBeGreaterThanOrEqual(at('web').stoppedAt!.mono);
    expect(at('db').stopRequestedAt!.mono).toBeGreaterThanOrEqual(at('api').stoppedAt!.mono);
  });

  it('ends the stop phase as soon as every service has returned (no fixed sleep)', async () => {
    const { server, signals, phases } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 10_000 } });
    const stopped: Array<{ name: string; at: number }> = [];
    server.addService(stopsAfter('a', 30, stopped));
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    const report = await run;
    const terminated = phases.find((p) => p.phase === 'terminated')!;
    expect(terminated.at.mono - stopped[0]!.at).toBeLessThan(10);
    expect(report.stopPhaseMs).toBeLessThan(100);
  });

  it('a service that overruns its stopTimeout is named and the exit code is 1', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    const events: ServiceStoppedEvent[] = [];
    server.on('service-stopped', (e) => events.push(e));
    server.addService({ name: 'stuck', start: () => new Promise(() => {}) }, { stopTimeout: 50 });
    server.addService({ name: 'fine', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(300);
    expect(report.exitCode).toBe(1);
    expect(report.overran).toEqual(['stuck']);
    expect(events.find((e) => e.name === 'stuck')).toMatchObject({ overran: true });
    expect(events.find((e) => e.name === 'fine')).toMatchObject({ overran: false });
  });

  it('the stop budget bounds the whole stop phase', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 100, stopTimeout: 5000 } });
    const a = server.addService({ name: 'a', start: () => new Promise(() => {}) });
    server.addService({ name: 'b', start: () => new Promise(() => {}) }).addDependency(a);
    const run = server.run();
    await until(() => server.phase === 'running');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(250);
    expect([...report.overran].sort()).toEqual(['a', 'b']);
  });

  it('SIGINT is a fast shutdown: no drain delay, watches still fired, exit code 130', async () => {
    const { server, signals, phases } = recordingServer({ shutdown: { drainDelay: 5000, stopBudget: 5000 } });
    let fired = false;
    server.addService({ name: 'a', start: async (s) => { await s.wait(); fired = true; } });
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGINT');
    const report = await run;
    expect(fired).toBe(true);
    expect(report.exitCode).toBe(130);
    expect(phases.map((p) => p.phase)).not.toContain('draining');
  });

  it('a second SIGTERM while draining skips the rest of the drain', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 5000, stopBudget: 5000 } });
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    const t0 = performance.now();
    signals.send('SIGTERM');
    await sleep(20);
    expect(server.phase).toBe('draining');
    signals.send('SIGTERM');
    const report = await run;
    expect(performance.now() - t0).toBeLessThan(500);
    expect(report.exitCode).toBe(0);
  });

  it('a second signal while stopping fires every remaining watch at once and ends within the fast budget', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 10_000, stopTimeout: 10_000, fastStopBudget: 100 } });
    const db = server.addService({ name: 'db', start: (s) => s.wait() });
    server.addService({ name: 'api', start: () => new Promise(() => {}) }).addDependency(db);
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    await until(() => server.phase === 'stopping');
    await sleep(20);
    expect(server.service('db')?.state).toBe('ready'); // waiting for api first
    signals.send('SIGINT');
    const report = await run;
    expect(report.services.find((s) => s.name === 'db')?.state).toBe('stopped');
    expect(report.overran).toEqual(['api']);
    expect(report.exitCode).toBe(130);
  });

  it('SIGTERM during startup gives services still starting their shutdown', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 10, stopBudget: 1000 } });
    let reason: string | undefined;
    server.addService(
      serviceFromFunction('slow-start', async (shutdown) => {
        await shutdown.wait();
        reason = shutdown.reason;
      }),
    );
    const run = server.run();
    await sleep(10);
    expect(server.phase).toBe('starting');
    signals.send('SIGTERM');
    const report = await run;
    expect(reason).toBe('SIGTERM');
    expect(report.services[0]?.state).toBe('stopped');
    expect(report.exitCode).toBe(0);
  });

  it('the hard deadline ends run() with exit code 1 and names what it waited on', async () => {
    const exits: number[] = [];
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 20, stopBudget: 50 }, exit: (code) => exits.push(code) });
    const waitingOn: string[][] = [];
    server.on('deadline', (e) => waitingOn.push([...e.waitingOn]));
    server.addCloseHook('listener', () => new Promise(() => {}));
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    const t0 = performance.now();
    signals.send('SIGTERM');
    const report = await run;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1060);
    expect(took).toBeLessThan(1400);
    expect(report.exitCode).toBe(1);
    expect(exits).toEqual([1]);
    expect(waitingOn).toEqual([['close hook "listener"']]);
  });
});
