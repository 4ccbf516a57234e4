import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { CriticalFailureEvent } from '../../src/core/events.js';
import { isPodwardenError } from '../../src/errors.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

// A drain delay no test would wait out: a run that resolves did not spend it.
const longDrain = { shutdown: { drainDelay: 120_000, stopBudget: 2000 } };

const failing = (name: string, message = 'cannot connect') =>
  serviceFromFunction(name, async () => {
    await sleep(5);
    throw new Error(message);
  });

const readyUntilShutdown = (name: string) =>
  serviceFromFunction(name, async (shutdown, ready) => {
    ready.notifyReady();
    await shutdown.wait();
  });

describe('critical services', () => {
  it('one that fails at start ends the run with exit code 1, names itself, and skips the drain of a server that was never ready', async () => {
    const { server, phases } = recordingServer(longDrain);
    const failures: CriticalFailureEvent[] = [];
    server.on('critical-failure', (event) => failures.push(event));
    server.addService(failing('db'), { critical: true });
    server.addService(readyUntilShutdown('api')).addDependency('db');
    const report = await server.run();
    expect(report.exitCode).toBe(1);
    expect(failures).toEqual([expect.objectContaining({ name: 'db', reason: 'cannot connect', restarts: 0 })]);
    expect(report.reason).toBe('critical service "db" failed');
    expect(phases.map((p) => p.phase)).toContain('draining');
    expect(report.services.find((s) => s.name === 'api')?.state).toBe('blocked');
  });

  it('one that is not critical leaves the server up (the default)', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000 } });
    server.addService(failing('optional'));
    server.addService(readyUntilShutdown('api'));
    const run = server.run();
    await until(() => server.service('optional')?.state === 'failed' && server.phase === 'running');
    await sleep(50);
    expect(server.phase).toBe('running');
    await server.shutdown();
    expect((await run).exitCode).toBe(1);
  });

  it('with restart on-failure, it ends the run once maxRestarts restarts are spent', async () => {
    const { server } = recordingServer(longDrain);
    const failures: CriticalFailureEvent[] = [];
    server.on('critical-failure', (event) => failures.push(event));
    let starts = 0;
    server.addService(
      serviceFromFunction('flaky', async () => {
        starts++;
        throw new Error(`attempt ${starts}`);
      }),
      { critical: true, restart: 'on-failure', maxRestarts: 2, restartBackoff: { initial: '1ms', max: '2ms' } },
    );
    const report = await server.run();
    expect(starts).toBe(3);
    expect(failures).toEqual([expect.objectContaining({ name: 'flaky', reason: 'attempt 3', restarts: 2 })]);
    expect(report.exitCode).toBe(1);
  });

  it('one not ready within its readyTimeout (a check that never succeeds) ends the run', async () => {
    const { server } = recordingServer(longDrain);
    const failures: CriticalFailureEvent[] = [];
    server.on('critical-failure', (event) => failures.push(event));
    server.addService(
      serviceFromFunction('app-check', async (shutdown, ready) => {
        ready.notifyNotReady('connect ECONNREFUSED 127.0.0.1:8080');
        await shutdown.wait();
      }),
      { critical: true, readyTimeout: '100ms' },
    );
    const report = await server.run();
    expect(failures).toEqual([expect.objectContaining({ name: 'app-check', reason: 'ready timeout' })]);
    expect(report.exitCode).toBe(1);
  });

  it('once readiness has passed, a critical failure drains first: balancers may be sending to the pod', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 300, stopBudget: 2000 } });
    let fail: ((err: Error) => void) | undefined;
    server.addService(
      serviceFromFunction('db', (_shutdown, ready) => {
        ready.notifyReady();
        return new Promise<void>((_resolve, reject) => (fail = reject));
      }),
      { critical: true },
    );
    const run = server.run();
    await until(() => server.phase === 'running');
    const failedAt = performance.now();
    fail?.(new Error('connection lost'));
    expect((await run).exitCode).toBe(1);
    expect(performance.now() - failedAt).toBeGreaterThanOrEqual(290);
  });

  it('maxRestarts needs restart on-failure, and is a whole number', () => {
    const { server } = recordingServer();
    const refused = (options: object) => {
      try {
        server.addService(readyUntilShutdown(`s${Math.random()}`), options);
      } catch (err) {
        return isPodwardenError(err, 'PODWARDEN_ERR_INVALID_OPTION') ? err.message : 'another error';
      }
      return 'accepted';
    };
    expect(refused({ maxRestarts: 2 })).toMatch(/maxRestarts .*needs restart: on-failure/);
    expect(refused({ restart: 'on-failure', maxRestarts: -1 })).toMatch(/whole number/);
    expect(refused({ restart: 'on-failure', maxRestarts: 1.5 })).toMatch(/whole number/);
    expect(refused({ restart: 'on-failure', maxRestarts: 0 })).toBe('accepted');
  });
});
