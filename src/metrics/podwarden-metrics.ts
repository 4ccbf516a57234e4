import { Registry } from 'prom-client';
import type { CheckResults } from '../checks/check-result.js';
import type { Server } from '../core/server.js';
import { metricsDefaults } from '../defaults.js';
import { podwardenError } from '../errors.js';
import { checkMetrics } from './check-metrics.js';
import { holdMetrics } from './hold-metrics.js';
import { type HttpServerMetrics, httpServerMetrics } from './http-server-metrics.js';
import { openMetricsContentType, prometheusContentType, renderExposition } from './exposition.js';
import { metricPrefixPattern, metricPrefixRule } from './metric-prefix.js';
import { processMetrics } from './process-metrics.js';
import { type RequestCounters, requestMetrics } from './request-metrics.js';
import { serverMetrics } from './server-metrics.js';
import { serviceMetrics } from './service-metrics.js';

/** Options for {@link createMetrics}. */
export interface MetricsOptionsInput {
  /** The server whose lifecycle events feed the service and phase metrics. */
  readonly server: Server;
  /** Results of the built-in checks, for the per-check families. */
  readonly checkResults?: CheckResults;
  /** Prefix of podwarden's own families (default {@link metricsDefaults}`.prefix`); letters, digits and `_`. */
  readonly prefix?: string;
  /** Include prom-client's process and Node.js metrics (default {@link metricsDefaults}`.processMetrics`). */
  readonly processMetrics?: boolean;
  /** Where `event_loop_lag_seconds` reads the lag podwarden judges its readiness by (an `EventLoopMonitor`); 0 without one. */
  readonly eventLoop?: { readonly lagMs: number };
}

/** {@link MetricsOptionsInput} after defaults. */
export interface MetricsConfig {
  readonly prefix: string;
  readonly processMetrics: boolean;
}

/** A rendered exposition and its content type. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

/** The content type of the OpenMetrics or the Prometheus text format. */
export function contentTypeOf(openMetrics: boolean): string {
  return openMetrics ? openMetricsContentType : prometheusContentType;
}

/** Apply defaults and reject a prefix Prometheus would not accept (or promtool would flag). */
export function resolveMetricsOptions(input: Omit<MetricsOptionsInput, 'server'>): MetricsConfig {
  const prefix = input.prefix ?? metricsDefaults.prefix;
  if (typeof prefix !== 'string' || !metricPrefixPattern.test(prefix)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'metrics.prefix', `${JSON.stringify(prefix)} must be ${metricPrefixRule}`);
  }
  return { prefix, processMetrics: input.processMetrics ?? metricsDefaults.processMetrics };
}

/**
 * podwarden's metrics in their own prom-client registry (never the global
 * one): service, check, server and request families fed by the server's
 * lifecycle events and the check results, plus process metrics. podwarden's
 * families hold plain numbers and prebuilt label text (see `family.ts`), so a
 * scrape formats only what changed; prom-client renders the process metrics
 * and anything else registered.
 */
export class PodwardenMetrics {
  readonly #registry = new Registry();
  /** prom-client's process metrics are still to be registered (on the first read of {@link registry}). */
  #processMetricsDue: boolean;
  readonly config: MetricsConfig;
  /** Request and drain counters, bumped by the HTTP layer. */
  readonly requests: RequestCounters;
  /** The app's HTTP servers run by `httpServerService`: requests in flight, and what their stops cut. */
  readonly httpServers: HttpServerMetrics;
  readonly #unsubscribe: Array<() => void>;
  /** The render in progress, per format: concurrent scrapes share it. */
  readonly #rendering: [Promise<Exposition> | undefined, Promise<Exposition> | undefined] = [undefined, undefined];

  constructor(input: MetricsOptionsInput) {
    this.config = resolveMetricsOptions(input);
    const { prefix } = this.config;
    const registry = this.#registry;
    this.#unsubscribe = [
      serviceMetrics(registry, { prefix, server: input.server }),
      checkMetrics(registry, { prefix, results: input.checkResults }),
      serverMetrics(registry, { prefix, server: input.server, eventLoopLag: () => (input.eventLoop === undefined ? undefined : input.eventLoop.lagMs / 1000) }),
      holdMetrics(registry, { prefix, server: input.server }),
    ];
    this.requests = requestMetrics(registry, { prefix });
    this.httpServers = httpServerMetrics(registry, { prefix });
    this.#processMetricsDue = this.config.processMetrics;
  }

  /**
   * The registry every family is registered in. prom-client's process
   * metrics join it when it is first read (the first scrape): creating them
   * is ~3.5 ms of a sidecar's start that no probe needs. Their counters and
   * gauges read the process as a whole, so a scrape sees the same values;
   * the GC histogram counts collections from then on (a `rate()` starts at
   * the first scrape either way), and the `nodejs_eventloop_lag_*` gauges
   * show the delays between scrapes from the second on.
   */
  get registry(): Registry {
    if (this.#processMetricsDue) {
      this.#processMetricsDue = false;
      processMetrics(this.#registry);
    }
    return this.#registry;
  }

  /**
   * The exposition: OpenMetrics 1.0.0 when `openMetrics`, else the Prometheus
   * text format 0.0.4. Requests that arrive while a render of their format is
   * in progress get that render: however many scrapes come at once, a format
   * is rendered once at a time, and its answers share one body.
   */
  render(openMetrics: boolean): Promise<Exposition> {
    const slot = openMetrics ? 1 : 0;
    const pending = this.#rendering[slot];
    if (pending !== undefined) return pending;
    const rendering = renderExposition(this.registry, openMetrics).then(
      (body) => ({ contentType: contentTypeOf(openMetrics), body }),
    );
    this.#rendering[slot] = rendering;
    const done = () => {
      this.#rendering[slot] = undefined;
    };
    rendering.then(done, done);
    return rendering;
  }

  /** Stop following the server and the check results. */
  close(): void {
    for (const off of this.#unsubscribe) off();
  }
}

/** Create podwarden's metrics for `server`. */
export function createMetrics(input: MetricsOptionsInput): PodwardenMetrics {
  return new PodwardenMetrics(input);
}
