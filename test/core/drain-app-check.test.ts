import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { ServiceReadyNotifier } from '../../src/core/ready-notifier.js';
import { isPodwardenError } from '../../src/errors.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

/** A server whose `app` service the test moves by hand, as a periodic check of the app container would move. */
async function withApp(options: { drainDelay?: number; maxHold?: number; appCheck?: string; restart?: 'on-failure' } = {}) {
  const rec = recordingServer({
    shutdown: { drainDelay: options.drainDelay ?? 40, stopBudget: 1000 },
    drain: { maxHold: options.maxHold ?? 60_000, appCheck: options.appCheck ?? 'app' },
  });
  let notifier: ServiceReadyNotifier | undefined;
  let fail: ((err: Error) => void) | undefined;
  rec.server.addService(
    serviceFromFunction('app', (shutdown, ready) => {
      notifier = ready;
      return new Promise<void>((resolve, reject) => {
        fail = reject;
        void shutdown.wait().then(() => resolve());
      });
    }),
    options.restart ? { restart: 'on-failure', restartBackoff: { initial: 10 } } : {},
  );
  const drains: DrainEvent[] = [];
  rec.server.on('drain', (e) => drains.push(e));
  const run = rec.server.run();
  await until(() => notifier !== undefined);
  const app = {
    ready: () => notifier?.notifyReady(),
    notReady: (why = 'connection refused') => notifier?.notifyNotReady(why),
    throw: (why = 'crashed') => fail?.(new Error(why)),
  };
  app.ready();
  await until(() => rec.server.phase === 'running');
  const undrained = () => drains.filter((d) => d.kind === 'undrained');
  return { ...rec, run, app, drains, undrained, stop: () => rec.server.shutdown('api', { fast: true }) };
}

describe('drain.appCheck: a completed drain is let go when the app container came back', () => {
  it('app ready → not-ready → ready after the drain completed (a liveness restart): un-drained at once, source app-restarted', async () => {
    const t = await withApp();
    await t.server.drain('http');
    expect(t.server.phase).toBe('drained');
    t.app.notReady();
    await sleep(20);
    expect(t.server.phase).toBe('drained');
    t.app.ready();
    expect(t.server.phase).toBe('running');
    expect(t.undrained()).toEqual([expect.objectContaining({ source: 'app-restarted' })]);
    expect(t.phases.at(-1)?.reason).toMatch(/app container was restarted/);
    // A later /drain is a fresh drain.
    await t.server.drain('http');
    expect(t.drains.filter((d) => d.kind === 'started')).toHaveLength(2);
    await t.stop();
  });

  it('counts a check that was already down when the drain completed (a hung app fails its check before its liveness probe)', async () => {
    const t = await withApp({ drainDelay: 60 });
    t.app.notReady('timeout');
    await t.server.drain('http');
    t.app.ready();
    expect(t.server.phase).toBe('running');
    expect(t.undrained()).toHaveLength(1);
    await t.stop();
  });

  it('counts a service that threw and came back through a restart (failed → starting → ready)', async () => {
    const t = await withApp({ restart: 'on-failure' });
    await t.server.drain('http');
    t.app.throw();
    await until(() => t.statesOf('app').at(-1) === 'starting');
    expect(t.server.phase).toBe('drained');
    t.app.ready();
    await until(() => t.server.phase === 'running');
    expect(t.undrained()).toEqual([expect.objectContaining({ source: 'app-restarted' })]);
    await t.stop();
  });

  it('a failure that recovers while still draining does not count', async () => {
    const t = await withApp({ drainDelay: 150 });
    const drained = t.server.drain('http');
    await sleep(30);
    t.app.notReady('timeout');
    await sleep(30);
    t.app.ready();
    await drained;
    await sleep(50);
    expect(t.server.phase).toBe('drained');
    expect(t.undrained()).toEqual([]);
    await t.stop();
  });

  it('a check that never failed (a restart faster than its failureThreshold) leaves the drain to maxHold', async () => {
    const t = await withApp({ maxHold: 200 });
    await t.server.drain('http');
    t.app.ready(); // already ready: no state change
    await sleep(100);
    expect(t.server.phase).toBe('drained');
    await until(() => t.server.phase === 'running', 1000);
    expect(t.undrained()).toEqual([expect.objectContaining({ source: 'maxHold' })]);
    await t.stop();
  });

  it('never after SIGTERM: the app going away and its port answering again during a real termination keeps the pod drained', async () => {
    const t = await withApp({ drainDelay: 40 });
    await t.server.drain('http');
    t.app.notReady();
    t.signals.send('SIGTERM');
    t.app.ready();
    const report = await t.run;
    expect(report.exitCode).toBe(0);
    expect(t.undrained()).toEqual([]);
    expect(t.phases.map((p) => p.phase)).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
  });

  it('never while draining, and not for a drain a SIGTERM began', async () => {
    const t = await withApp({ drainDelay: 100 });
    t.signals.send('SIGTERM');
    await sleep(20);
    t.app.notReady();
    t.app.ready();
    await t.run;
    expect(t.undrained()).toEqual([]);
  });

  it('only the named service counts', async () => {
    const rec = recordingServer({ shutdown: { drainDelay: 20, stopBudget: 1000 }, drain: { appCheck: 'app' } });
    const notifiers: Record<string, ServiceReadyNotifier> = {};
    for (const name of ['app', 'db']) rec.server.addService(serviceFromFunction(name, (s, ready) => ((notifiers[name] = ready), s.wait())));
    const run = rec.server.run();
    await until(() => Object.keys(notifiers).length === 2);
    notifiers.app!.notifyReady();
    notifiers.db!.notifyReady();
    await rec.server.drain('http');
    notifiers.db!.notifyNotReady('x');
    notifiers.db!.notifyReady();
    expect(rec.server.phase).toBe('drained');
    await rec.server.shutdown('api', { fast: true });
    await run;
  });

  it('run() rejects an appCheck that names no registered service', async () => {
    const { server } = recordingServer({ drain: { appCheck: 'ap' } });
    server.addService({ name: 'app', start: (s) => s.wait() });
    const err = await server.run().catch((e: unknown) => e);
    expect(isPodwardenError(err, 'PODWARDEN_ERR_INVALID_OPTION')).toBe(true);
    expect((err as Error).message).toBe('invalid option drain.appCheck: "ap" is not a registered service (registered: app); name the service that checks the app container');
  });
});
