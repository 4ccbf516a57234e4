import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { ServiceRestartEvent } from '../../src/core/events.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

const opts = { shutdown: { drainDelay: 0, stopBudget: 2000 } };

describe('failures', () => {
  it('a service that throws synchronously is failed, never ready', async () => {
    const { server, statesOf } = recordingServer(opts);
    server.addService({
      name: 'boom',
      start() {
        throw new Error('bad wiring');
      },
    });
    const run = server.run();
    await until(() => server.service('boom')?.state === 'failed');
    expect(server.service('boom')?.reason).toBe('bad wiring');
    // start()-only services are ready when they start, as in Pingora; the throw then fails them.
    expect(statesOf('boom')).toEqual(['starting', 'ready', 'failed']);
    await server.shutdown();
    expect((await run).exitCode).toBe(1);
  });

  it('a notifier service that rejects before notifying is failed and never passes through ready', async () => {
    const { server, statesOf } = recordingServer(opts);
    server.addService(
      serviceFromFunction('rejects', async () => {
        await sleep(5);
        throw new Error('cannot connect');
      }),
    );
    const run = server.run();
    await until(() => server.service('rejects')?.state === 'failed');
    expect(statesOf('rejects')).toEqual(['starting', 'failed']);
    expect(server.service('rejects')?.everReady).toBe(false);
    await server.shutdown();
    await run;
  });

  it('a service that rejects later while running is failed', async () => {
    const { server } = recordingServer(opts);
    server.addService(
      serviceFromFunction('later', async (_shutdown, ready) => {
        ready.notifyReady();
        await sleep(30);
        throw new Error('lost connection');
      }),
    );
    const run = server.run();
    await until(() => server.service('later')?.state === 'ready');
    await until(() => server.service('later')?.state === 'failed');
    expect(server.service('later')?.reason).toBe('lost connection');
    await server.shutdown();
    await run;
  });
});

describe("restart: 'on-failure'", () => {
  it('restarts with capped exponential backoff and counts restarts', async () => {
    const { server } = recordingServer(opts);
    const restarts: ServiceRestartEvent[] = [];
    server.on('service-restart', (e) => restarts.push(e));
    let attempts = 0;
    server.addService(
      serviceFromFunction('flaky', async (shutdown, ready) => {
        attempts++;
        if (attempts <= 4) throw new Error(`attempt ${attempts} failed`);
        ready.notifyReady();
        await shutdown.wait();
      }),
      { restart: 'on-failure', restartBackoff: { initial: 10, max: 40 } },
    );
    const run = server.run();
    await until(() => server.service('flaky')?.state === 'ready', 3000);
    expect(restarts.map((r) => r.delayMs)).toEqual([10, 20, 40, 40]);
    expect(restarts.map((r) => r.reason)).toEqual(['attempt 1 failed', 'attempt 2 failed', 'attempt 3 failed', 'attempt 4 failed']);
    expect(server.service('flaky')).toMatchObject({ restarts: 4, instance: 5 });
    const report = await server.shutdown();
    await run;
    expect(report.services[0]).toMatchObject({ name: 'flaky', restarts: 4, state: 'stopped' });
    expect(report.exitCode).toBe(0);
  });

  it('never runs two instances at once: the old one is stopped (watch fired, stopTimeout honoured) first', async () => {
    const { server } = recordingServer(opts);
    let running = 0;
    let maxRunning = 0;
    const log: string[] = [];
    server.addService(
      serviceFromFunction('slow-to-stop', async (shutdown) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const instance = running + log.length;
        log.push(`start ${instance}`);
        try {
          // never ready: the ready timeout abandons it; it takes 60 ms to wind down after its watch fires
          await shutdown.wait();
          log.push(`watch fired (${shutdown.reason})`);
          await sleep(60);
        } finally {
          running--;
          log.push('returned');
        }
      }),
      { restart: 'on-failure', readyTimeout: 50, stopTimeout: 500, restartBackoff: { initial: 1, max: 1 } },
    );
    const run = server.run();
    await until(() => (server.service('slow-to-stop')?.restarts ?? 0) >= 2, 3000);
    expect(maxRunning).toBe(1);
    expect(log.slice(0, 3)).toEqual(['start 1', 'watch fired (ready-timeout)', 'returned']);
    expect(log[3]).toMatch(/^start/);
    await server.shutdown();
    await run;
    expect(maxRunning).toBe(1);
  });

  it('an old instance that ignores its watch is given up after its stopTimeout, then restarted', async () => {
    const { server } = recordingServer(opts);
    const starts: number[] = [];
    server.addService(
      serviceFromFunction('stubborn', async () => {
        starts.push(performance.now());
        await sleep(10_000); // ignores its watch
      }),
      { restart: 'on-failure', readyTimeout: 30, stopTimeout: 100, restartBackoff: { initial: 1, max: 1 } },
    );
    const run = server.run();
    await until(() => starts.length >= 2, 2000);
    // readyTimeout (30) + stopTimeout (100) + backoff (1)
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(125);
    await server.shutdown('api', { fast: true });
    await run;
  });
});

describe('readyTimeout', () => {
  it("a service not ready in time is failed with reason 'ready timeout' and its watch fires", async () => {
    const { server } = recordingServer(opts);
    let reason: string | undefined;
    server.addService(
      serviceFromFunction('never-ready', async (shutdown) => {
        await shutdown.wait();
        reason = shutdown.reason;
      }),
      { readyTimeout: 40 },
    );
    const run = server.run();
    await until(() => server.service('never-ready')?.state === 'failed');
    expect(server.service('never-ready')?.reason).toBe('ready timeout');
    await until(() => reason !== undefined);
    expect(reason).toBe('ready-timeout');
    await server.shutdown();
    expect((await run).failed).toEqual(['never-ready']);
  });

  it("counts time spent waiting on dependencies", async () => {
    const { server } = recordingServer(opts);
    const db = server.addService(serviceFromFunction('db', (shutdown) => shutdown.wait()));
    server.addService({ name: 'api', start: (s) => s.wait() }, { readyTimeout: 40 }).addDependency(db);
    const run = server.run();
    await until(() => server.service('api')?.state === 'failed');
    expect(server.service('api')?.reason).toBe('ready timeout (waiting on db)');
    await server.shutdown();
    await run;
  });

  it('waiting on a dependency ends on shutdown', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 1000 } });
    const db = server.addService(serviceFromFunction('db', (shutdown) => shutdown.wait()));
    let apiStarted = false;
    server.addService({ name: 'api', start: async () => void (apiStarted = true) }).addDependency(db);
    const run = server.run();
    await sleep(10);
    const report = await server.shutdown('SIGTERM');
    await run;
    expect(apiStarted).toBe(false);
    expect(report.services.find((s) => s.name === 'api')).toMatchObject({ state: 'stopped', reason: 'shut down before it started' });
    expect(report.exitCode).toBe(0);
  });
});
