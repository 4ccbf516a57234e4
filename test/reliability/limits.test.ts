import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { isPodwardenError } from '../../src/errors.js';
import { addHttpService } from '../../src/http/http-service.js';
import { recordingServer } from '../helpers/core.js';

/** Limits of the library API (the config's are in test/security/hostile-config.test.ts). */
describe('library limits', () => {
  it('durations are at most 24 days: a longer timer would overflow and fire at once', () => {
    const refused = (make: () => unknown) => {
      try {
        make();
      } catch (err) {
        return isPodwardenError(err, 'PODWARDEN_ERR_INVALID_OPTION') && /too long; the maximum is 576h \(24 days/.test(err.message);
      }
      return false;
    };
    expect(refused(() => recordingServer({ drain: { maxHold: '720h' } }))).toBe(true);
    expect(refused(() => recordingServer({ shutdown: { drainDelay: 2 ** 31 } }))).toBe(true);
    const { server } = recordingServer({ drain: { maxHold: '576h' }, shutdown: { drainDelay: '576h', stopBudget: '576h' } });
    expect(server.config.maxHold).toBe(24 * 86_400_000);
    expect(refused(() => server.addService(serviceFromFunction('a', () => {}), { readyTimeout: '600h' }))).toBe(true);
    expect(refused(() => addHttpService(server, { timeouts: { keepAlive: '2160h' } }))).toBe(true);
  });

  it('the hard deadline does not fire at once when drain delay and stop budget add up past 24.8 days', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: '576h', stopBudget: '576h' }, exit: () => {} });
    server.addService(serviceFromFunction('a', (shutdown, ready) => (ready.notifyReady(), shutdown.wait())));
    const run = server.run();
    signals.send('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.phase).toBe('draining');
    signals.send('SIGINT');
    expect((await run).exitCode).toBe(130);
  });

  it('a dependency chain of 20,000 services is ordered, and blocked when its root fails, without overflowing the stack', async () => {
    const { server, statesOf } = recordingServer();
    const names = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    server.addService(serviceFromFunction('s0', () => Promise.reject(new Error('root failed'))));
    for (const name of names.slice(1)) server.addService(serviceFromFunction(name, (shutdown, ready) => (ready.notifyReady(), shutdown.wait()))).addDependency(`s${Number(name.slice(1)) - 1}`);
    const run = server.run();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statesOf('s19999')).toEqual(['blocked']);
    expect(server.service('s19999')?.reason).toBe('dependency "s19998" failed');
    const report = await server.shutdown('api', { fast: true });
    expect(report.failed).toHaveLength(20_000);
    expect(await run).toBe(report);
  });
});
