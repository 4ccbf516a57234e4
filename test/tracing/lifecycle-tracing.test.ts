import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { traceLifecycle } from '../../src/tracing/lifecycle-tracing.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

/** The real SDK, keeping finished spans in memory. */
function memoryProvider() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, spans: () => exporter.getFinishedSpans() };
}

const ms = (span: ReadableSpan) => span.duration[0] * 1000 + span.duration[1] / 1e6;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('lifecycle spans through @opentelemetry/api', () => {
  it('a startup trace: a root span, a child per service with its dependency wait, timed as the exit report says', async () => {
    const { provider, spans } = memoryProvider();
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 50, stopBudget: 2000 } });
    const tracing = traceLifecycle(server, { tracerProvider: provider });
    const db = server.addService(
      serviceFromFunction('db', async (shutdown, ready) => {
        await sleep(40);
        ready.notifyReady();
        await shutdown.wait();
        await sleep(30);
      }),
    );
    server
      .addService(
        serviceFromFunction('api', async (shutdown, ready) => {
          await sleep(20);
          ready.notifyReady();
          await shutdown.wait();
        }),
      )
      .addDependency(db);
    const run = server.run();
    await until(() => server.phase === 'running');
    await tracing.recorded;
    const startup = [...spans()];
    const root = startup.find((s) => s.name === 'podwarden.startup')!;
    expect(root).toBeDefined();
    expect(parentOf(root)).toBeUndefined();
    const byName = new Map(startup.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['podwarden.startup', 'start api', 'start db', 'wait api']);
    for (const name of ['start api', 'start db']) {
      expect(parentOf(byName.get(name)!)).toBe(root.spanContext().spanId);
      expect(byName.get(name)!.spanContext().traceId).toBe(root.spanContext().traceId);
    }
    expect(parentOf(byName.get('wait api')!)).toBe(byName.get('start api')!.spanContext().spanId);
    expect(byName.get('start db')!.events.map((e) => e.name)).toEqual(['starting', 'ready']);

    signals.send('SIGTERM');
    const report = await run;
    await tracing.recorded;
    const snapshot = (name: string) => report.services.find((s) => s.name === name)!;
    // Durations are the exit report's, to the microsecond: both come from the same monotonic timestamps.
    expect(ms(byName.get('wait api')!)).toBeCloseTo(snapshot('api').dependencyWaitMs!, 2);
    expect(ms(byName.get('start db')!)).toBeCloseTo(snapshot('db').dependencyWaitMs! + snapshot('db').readyDurationMs!, 2);
    expect(ms(byName.get('start api')!)).toBeCloseTo(snapshot('api').dependencyWaitMs! + snapshot('api').readyDurationMs!, 2);
    expect(byName.get('start api')!.attributes['podwarden.service.ready_ms']).toBeCloseTo(snapshot('api').readyDurationMs!, 6);

    const shutdown = spans().slice(startup.length);
    const shutdownRoot = shutdown.find((s) => s.name === 'podwarden.shutdown')!;
    expect(parentOf(shutdownRoot)).toBeUndefined();
    expect(shutdownRoot.spanContext().traceId).not.toBe(root.spanContext().traceId);
    expect(shutdownRoot.attributes).toMatchObject({ 'podwarden.shutdown.reason': 'SIGTERM', 'podwarden.exit_code': 0, 'podwarden.drain.source': 'SIGTERM' });
    // The drain, then each stop in the order they stopped: api (a dependent) before db.
    const children = shutdown.filter((s) => parentOf(s) === shutdownRoot.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual(['podwarden.drain', 'stop api', 'stop db']);
    expect(ms(children[2]!)).toBeCloseTo(snapshot('db').stopDurationMs!, 2);
    expect(ms(children[0]!)).toBeGreaterThanOrEqual(49);
    expect(shutdownRoot.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a failure is an error status with its reason; an overrun stop is an error', async () => {
    const { provider, spans } = memoryProvider();
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 2000, stopTimeout: 50 } });
    const tracing = traceLifecycle(server, { tracerProvider: provider });
    server.addService(
      serviceFromFunction('broken', async () => {
        await sleep(5);
        throw new Error('cannot connect');
      }),
    );
    server.addService(
      serviceFromFunction('stubborn', async (shutdown, ready) => {
        ready.notifyReady();
        await shutdown.wait();
        await sleep(300);
      }),
    );
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    const report = await run;
    await tracing.recorded;
    const byName = new Map(spans().map((s) => [s.name, s]));
    expect(byName.get('start broken')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'cannot connect' });
    expect(byName.get('podwarden.startup')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'not ready: broken' });
    expect(byName.get('stop stubborn')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'overran its stop timeout' });
    expect(byName.get('stop stubborn')!.attributes['podwarden.service.overran']).toBe(true);
    expect(byName.get('podwarden.shutdown')!.attributes['podwarden.exit_code']).toBe(report.exitCode);
    expect(report.exitCode).toBe(1);
  });

  it('without a registered provider it records nothing and costs the run nothing it can see', async () => {
    const { server, signals } = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 1000 } });
    const tracing = traceLifecycle(server);
    server.addService(
      serviceFromFunction('a', async (shutdown, ready) => {
        ready.notifyReady();
        await shutdown.wait();
      }),
    );
    const run = server.run();
    await until(() => server.phase === 'running');
    signals.send('SIGTERM');
    expect((await run).exitCode).toBe(0);
    await expect(tracing.recorded).resolves.toBeUndefined();
  });
});
