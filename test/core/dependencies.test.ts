import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { ServiceReadyNotifier } from '../../src/core/ready-notifier.js';
import { isPodwardenError } from '../../src/errors.js';
import type { Server } from '../../src/core/server.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

const opts = { shutdown: { drainDelay: 0, stopBudget: 2000 } };

/** A `service-state` listener that blocks the loop `ms` when `name` goes `starting`, as slow log and metric listeners would. */
function blockWhenStarting(server: Server, name: string, ms: number): void {
  server.on('service-state', (event) => {
    if (event.name !== name || event.state !== 'starting') return;
    const end = performance.now() + ms;
    while (performance.now() < end);
  });
}

describe('dependency order', () => {
  it('a dependent stays pending until every dependency is ready', async () => {
    const { server } = recordingServer(opts);
    const notifiers: Record<string, ServiceReadyNotifier> = {};
    const waiter = (name: string) =>
      serviceFromFunction(name, async (shutdown, ready) => {
        notifiers[name] = ready;
        await shutdown.wait();
      });
    const db = server.addService(waiter('db'));
    const cache = server.addService(waiter('cache'));
    server.addService(waiter('api')).addDependency(db).addDependency(cache);
    const run = server.run();
    await until(() => notifiers.db !== undefined && notifiers.cache !== undefined);
    expect(server.service('api')?.state).toBe('pending');
    notifiers.db!.notifyReady();
    await sleep(20);
    expect(server.service('api')?.state).toBe('pending');
    expect(notifiers.api).toBeUndefined();
    notifiers.cache!.notifyReady();
    await until(() => notifiers.api !== undefined);
    expect(server.service('api')?.state).toBe('starting');
    const api = server.service('api')!;
    expect(api.dependencyWaitMs).toBeGreaterThanOrEqual(15);
    await server.shutdown();
    await run;
  });

  it('a service without dependencies waits on nothing, however long the services started before it take to start', async () => {
    const { server } = recordingServer(opts);
    server.addService({ name: 'busy', start: (shutdown) => shutdown.wait() });
    server.addService({ name: 'free', start: (shutdown) => shutdown.wait() });
    // The listeners of the first service's `starting` (log lines, metrics) take 30 ms; the second is launched after them.
    blockWhenStarting(server, 'busy', 30);
    const run = server.run();
    await until(() => server.service('free')?.state === 'ready');
    // Its wait is what the timeline draws as dots and the spans as `wait free`: none, not those 30 ms.
    expect(server.service('free')!.dependencyWaitMs).toBeLessThan(5);
    expect(server.service('busy')!.dependencyWaitMs).toBeLessThan(5);
    await server.shutdown();
    await run;
  });

  it('its ready timeout counts from its launch too: a slow launch before it does not shorten it', async () => {
    const { server, states } = recordingServer(opts);
    server.addService({ name: 'busy', start: (shutdown) => shutdown.wait() });
    // Never ready: fails on its ready timeout.
    server.addService({ name: 'stuck', startWithReadyNotifier: (shutdown) => shutdown.wait() }, { readyTimeout: 100 });
    blockWhenStarting(server, 'busy', 60);
    const run = server.run();
    await until(() => server.service('stuck')?.state === 'failed');
    const failedAt = performance.now();
    const stuck = server.service('stuck')!;
    expect(states.find((e) => e.name === 'stuck' && e.state === 'failed')?.reason).toMatch(/ready timeout/);
    // Failed no sooner than 100 ms after its wait began and it started, which are the same moment.
    expect(stuck.dependencyWaitMs).toBeLessThan(5);
    expect(failedAt - stuck.startedAt!.mono).toBeGreaterThanOrEqual(95);
    await server.shutdown();
    await run;
  });

  it('dependents start in the order the services were added, whatever the order of addDependency calls', async () => {
    const { server, states } = recordingServer(opts);
    let readyA: ServiceReadyNotifier | undefined;
    const a = server.addService(
      serviceFromFunction('a', async (shutdown, ready) => {
        readyA = ready;
        await shutdown.wait();
      }),
    );
    const b = server.addService({ name: 'b', start: (shutdown) => shutdown.wait() });
    const c = server.addService({ name: 'c', start: (shutdown) => shutdown.wait() });
    c.addDependency(a);
    b.addDependency(a);
    const run = server.run();
    await until(() => readyA !== undefined);
    readyA!.notifyReady();
    await until(() => server.service('c')?.state === 'ready' && server.service('b')?.state === 'ready');
    expect(states.filter((e) => e.state === 'starting' && e.name !== 'a').map((e) => e.name)).toEqual(['b', 'c']);
    await server.shutdown();
    await run;
  });

  it('independent services start concurrently: a slow one does not delay the others', async () => {
    const { server } = recordingServer(opts);
    server.addService(
      serviceFromFunction('slow', async (shutdown, ready) => {
        await sleep(300);
        ready.notifyReady();
        await shutdown.wait();
      }),
    );
    server.addService({ name: 'fast', start: (shutdown) => shutdown.wait() });
    const run = server.run();
    await until(() => server.service('fast')?.state === 'ready', 100, 'fast ready');
    expect(server.service('slow')?.state).toBe('starting');
    await server.shutdown();
    await run;
  });

  it('a completed one-shot job counts as ready for its dependents', async () => {
    const { server } = recordingServer(opts);
    // A job that never calls notifyReady(): its dependents wait for it to return.
    const migrate = server.addService(serviceFromFunction('migrate', () => sleep(50)));
    server.addService({ name: 'app', start: (shutdown) => shutdown.wait() }).addDependency(migrate);
    const run = server.run();
    await sleep(25);
    expect(server.service('app')?.state).toBe('pending');
    await until(() => server.service('app')?.state === 'ready');
    expect(server.service('migrate')?.state).toBe('completed');
    expect(server.service('app')!.dependencyWaitMs).toBeGreaterThanOrEqual(45);
    expect(server.phase).toBe('running');
    const report = await server.shutdown();
    await run;
    expect(report.exitCode).toBe(0);
    expect(report.services.find((s) => s.name === 'migrate')?.state).toBe('completed');
  });

  it.each([
    ['a self-dependency', [['a', 'a']], 'a → a'],
    ['a two-service cycle', [['a', 'b'], ['b', 'a']], 'a → b → a'],
    ['a longer cycle', [['a', 'b'], ['b', 'c'], ['c', 'a']], 'a → b → c → a'],
  ])('run() rejects %s before any service starts, printing the cycle', async (_label, edges, path) => {
    const { server } = recordingServer(opts);
    const started: string[] = [];
    const handles = new Map(
      ['a', 'b', 'c', 'free'].map((name) => [name, server.addService({ name, start: async () => void started.push(name) })]),
    );
    for (const [from, to] of edges as string[][]) handles.get(from!)!.addDependency(to!);
    const err = await server.run().catch((e: unknown) => e);
    expect(isPodwardenError(err, 'PODWARDEN_ERR_DEPENDENCY_CYCLE')).toBe(true);
    expect((err as Error).message).toContain(`dependency cycle: ${path}`);
    await sleep(10);
    expect(started).toEqual([]);
    expect(server.phase).toBeUndefined();
  });

  it('run() rejects an unknown dependency before any service starts', async () => {
    const { server } = recordingServer(opts);
    let started = false;
    server.addService({ name: 'api', start: async () => void (started = true) }).addDependency('nope');
    await expect(server.run()).rejects.toThrow('service "api" depends on "nope", which is not registered');
    expect(started).toBe(false);
  });

  it('dependents of a failed service are blocked with the cause, transitively', async () => {
    const { server } = recordingServer(opts);
    const db = server.addService(
      serviceFromFunction('db', async () => {
        throw new Error('connection refused');
      }),
    );
    const api = server.addService({ name: 'api', start: (s) => s.wait() }).addDependency(db);
    server.addService({ name: 'web', start: (s) => s.wait() }).addDependency(api);
    server.addService({ name: 'other', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.service('web')?.state === 'blocked');
    expect(server.service('db')).toMatchObject({ state: 'failed', reason: 'connection refused' });
    expect(server.service('api')).toMatchObject({ state: 'blocked', reason: 'dependency "db" failed' });
    expect(server.service('web')).toMatchObject({ state: 'blocked', reason: 'dependency "api" failed' });
    expect(server.service('other')?.state).toBe('ready');
    expect(server.phase).toBe('running');
    const report = await server.shutdown();
    await run;
    expect(report.exitCode).toBe(1);
    expect(report.failed).toEqual(['db', 'api', 'web']);
  });
});
