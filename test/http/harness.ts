import { Server } from '../../src/core/server.js';
import type { ServerOptionsInput, ServiceOptionsInput } from '../../src/core/options.js';
import type { ExitReport } from '../../src/core/exit-report.js';
import type { ServiceReadyNotifier } from '../../src/core/ready-notifier.js';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { type HttpService, addHttpService } from '../../src/http/http-service.js';
import { type HttpOptionsInput, resolveHttpOptions } from '../../src/http/options.js';
import { EventLoopMonitor } from '../../src/runtime/event-loop-monitor.js';
import { type PodwardenMetrics, createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { CheckResults } from '../../src/checks/check-result.js';
import { FakeSignals, until } from '../helpers/core.js';
import type { Logger } from 'pino';
import { logLifecycle } from '../../src/logging/lifecycle-log.js';

/** A service the test drives by hand: ready, not ready, fail. */
export interface Controlled {
  readonly name: string;
  ready(): void;
  notReady(reason: string): void;
  fail(reason: string): void;
}

/** A real podwarden HTTP service on a free loopback port, running a real Server. */
export interface Harness {
  readonly server: Server;
  readonly http: HttpService;
  readonly metrics: PodwardenMetrics;
  readonly results: CheckResults;
  readonly signals: FakeSignals;
  readonly run: Promise<ExitReport>;
  readonly base: string;
  readonly services: Record<string, Controlled>;
  get(path: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers; ms: number }>;
  /** Stop the server (fast) unless it already terminated. */
  close(): Promise<ExitReport>;
}

export interface HarnessOptions {
  readonly server?: ServerOptionsInput;
  readonly http?: HttpOptionsInput;
  /** Services the test controls, with their options; none is ready until told. */
  readonly services?: Record<string, ServiceOptionsInput & { stopMs?: number }>;
  readonly prefix?: string;
  /** Log lifecycle events and the HTTP layer's few lines here. */
  readonly logger?: Logger;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const signals = new FakeSignals();
  const server = new Server({ shutdown: { drainDelay: 200, stopBudget: 2000 }, ...options.server, signals });
  const results = new CheckResults();
  const httpOptions: HttpOptionsInput = { port: 0, host: '127.0.0.1', log: options.logger, ...options.http };
  const eventLoopMonitor = new EventLoopMonitor(resolveHttpOptions(httpOptions));
  const metrics = createMetrics({ server, checkResults: results, prefix: options.prefix, eventLoop: eventLoopMonitor });
  if (options.logger) logLifecycle(server, options.logger, { checkResults: results });
  const { eventLoop: _thresholds, ...withoutThresholds } = httpOptions;
  const http = addHttpService(server, { ...withoutThresholds, metrics, eventLoopMonitor });
  const services: Record<string, Controlled> = {};
  for (const [name, serviceOptions] of Object.entries(options.services ?? {})) {
    let notifier: ServiceReadyNotifier | undefined;
    let failWith: ((err: Error) => void) | undefined;
    const { stopMs, ...rest } = serviceOptions;
    server.addService(
      serviceFromFunction(name, async (shutdown, ready) => {
        notifier = ready;
        await new Promise<void>((resolve, reject) => {
          failWith = reject;
          void shutdown.wait().then(() => setTimeout(resolve, stopMs ?? 0));
        });
      }),
      rest,
    );
    services[name] = {
      name,
      ready: () => notifier?.notifyReady(),
      notReady: (reason) => notifier?.notifyNotReady(reason),
      fail: (reason) => failWith?.(new Error(reason)),
    };
  }
  const run = server.run();
  await until(() => http.address() !== undefined || server.phase === 'terminated', 5000, 'the listener');
  const base = `http://127.0.0.1:${http.address()?.port ?? 0}`;
  await until(() => server.service('podwarden')?.state === 'ready', 5000, 'podwarden ready');
  return {
    server,
    http,
    metrics,
    results,
    signals,
    run,
    base,
    services,
    async get(path, init) {
      const start = performance.now();
      const res = await fetch(`${base}${path}`, init);
      const body = await res.text();
      return { status: res.status, body, headers: res.headers, ms: performance.now() - start };
    },
    async close() {
      if (server.phase === 'terminated') return run;
      return server.shutdown('api', { fast: true });
    },
  };
}
