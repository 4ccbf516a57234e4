import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { ServiceReadyNotifier } from '../../src/core/ready-notifier.js';
import type { ShutdownWatch } from '../../src/core/shutdown-watch.js';
import { isPodwardenError } from '../../src/errors.js';
import { deferred, recordingServer, until } from '../helpers/core.js';

const fastStop = { shutdown: { drainDelay: 0, stopBudget: 1000 } };

describe('BackgroundService', () => {
  it('a service with only start() is ready as soon as it starts', async () => {
    const { server, statesOf } = recordingServer(fastStop);
    let started = false;
    server.addService({
      name: 'plain',
      async start(shutdown) {
        started = true;
        await shutdown.wait();
      },
    });
    const run = server.run();
    await until(() => server.service('plain')?.state === 'ready');
    expect(started).toBe(true);
    expect(statesOf('plain')).toEqual(['starting', 'ready']);
    await server.shutdown('api');
    await run;
  });

  it('with startWithReadyNotifier it is ready only when it calls notifyReady(); a second call is harmless', async () => {
    const { server, statesOf } = recordingServer(fastStop);
    let ready!: ServiceReadyNotifier;
    const gate = deferred();
    server.addService(
      serviceFromFunction('notifier', async (shutdown, r) => {
        ready = r;
        await gate.promise;
        r.notifyReady();
        r.notifyReady();
        await shutdown.wait();
      }),
    );
    const run = server.run();
    await until(() => ready !== undefined);
    expect(server.service('notifier')?.state).toBe('starting');
    gate.resolve();
    await until(() => server.service('notifier')?.state === 'ready');
    ready.notifyReady();
    expect(statesOf('notifier')).toEqual(['starting', 'ready']);
    await server.shutdown('api');
    await run;
  });

  it('notifyNotReady(reason) and notifyReady() move a running service out of and back into readiness', async () => {
    const { server, states } = recordingServer(fastStop);
    let ready!: ServiceReadyNotifier;
    server.addService(
      serviceFromFunction('flappy', async (shutdown, r) => {
        ready = r;
        r.notifyReady();
        await shutdown.wait();
      }),
    );
    const run = server.run();
    await until(() => server.service('flappy')?.state === 'ready');
    ready.notifyNotReady('upstream gone');
    expect(server.service('flappy')).toMatchObject({ state: 'not-ready', reason: 'upstream gone' });
    ready.notifyReady();
    expect(server.service('flappy')?.state).toBe('ready');
    expect(states.map((e) => [e.state, e.reason])).toEqual([
      ['starting', undefined],
      ['ready', undefined],
      ['not-ready', 'upstream gone'],
      ['ready', undefined],
    ]);
    await server.shutdown('api');
    await run;
    expect(server.service('flappy')?.state).toBe('stopped');
  });

  it('each service instance gets its own shutdown watch with signal, wait() and reason', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    const watches: Record<string, ShutdownWatch> = {};
    const order: string[] = [];
    for (const name of ['a', 'b']) {
      server.addService({
        name,
        async start(shutdown) {
          watches[name] = shutdown;
          await shutdown.wait();
          order.push(name);
        },
      });
    }
    server.addService({ name: 'c', start: async () => {} }).addDependency('a');
    const run = server.run();
    await until(() => watches.a !== undefined && watches.b !== undefined);
    expect(watches.a).not.toBe(watches.b);
    expect(watches.a!.isShuttingDown).toBe(false);
    expect(watches.a!.signal.aborted).toBe(false);
    expect(watches.a!.reason).toBeUndefined();
    const report = await server.shutdown('SIGTERM');
    expect(watches.a!.isShuttingDown).toBe(true);
    expect(watches.a!.signal.aborted).toBe(true);
    expect(watches.a!.reason).toBe('SIGTERM');
    await expect(watches.b!.wait()).resolves.toBeUndefined();
    expect(report.exitCode).toBe(0);
    await run;
  });

  it('rejects a service that implements both start methods, or neither, or has a bad name', () => {
    const { server } = recordingServer();
    const both = { name: 'both', start: async () => {}, startWithReadyNotifier: async () => {} };
    expect(() => server.addService(both)).toThrow(/not both/);
    expect(() => server.addService({ name: 'neither' })).toThrow(/implement start\(\) or startWithReadyNotifier\(\)/);
    expect(() => server.addService({ name: 'has space', start: async () => {} })).toThrow(/name must be/);
    try {
      server.addService({ name: 'neither' });
    } catch (err) {
      expect(isPodwardenError(err, 'PODWARDEN_ERR_INVALID_SERVICE')).toBe(true);
    }
  });

  it('rejects a duplicate service name', () => {
    const { server } = recordingServer();
    server.addService({ name: 'x', start: async () => {} });
    expect(() => server.addService({ name: 'x', start: async () => {} })).toThrow(/already registered/);
  });
});
