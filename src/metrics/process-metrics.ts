import { type Counter, Gauge, type Registry, collectDefaultMetrics } from 'prom-client';
import { eventLoopDelay } from '../runtime/event-loop-monitor.js';

/**
 * prom-client's gauges named `*_total`, which `promtool check metrics` flags
 * ("non-counter metrics should not have _total suffix"). Their per-type
 * breakdowns (`nodejs_active_handles{type}` and friends) stay; sum them for the total.
 */
export const leftOutProcessMetrics: readonly string[] = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** prom-client's event-loop families, which podwarden serves from its own delay histogram. */
const eventLoopFamilies = [
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/**
 * The longest resolution a histogram timer takes (Node's timer limit, about
 * 24.8 days): prom-client's own event-loop histogram, given this, never
 * wakes the loop.
 */
const neverMs = 2 ** 31 - 1;

/**
 * prom-client's process and Node.js metrics (unprefixed, as dashboards expect), without the families promtool flags.
 * The `nodejs_eventloop_lag_*` families keep prom-client's names, help and
 * aggregation (min, max, mean, standard deviation and percentiles of the
 * delays recorded since the last scrape, reset at each scrape;
 * `nodejs_eventloop_lag_seconds` is how late a `setImmediate` ran at the
 * previous scrape) but read the histogram the health monitor samples, so one
 * timer, not two, wakes the event loop. That histogram ticks every 100 ms, not
 * 10, and records how late each tick ran; prom-client's own collector records
 * the whole interval, so its values read 10 ms more.
 */
export function processMetrics(registry: Registry): void {
  const usedBefore = process.cpuUsage();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: neverMs });
  // prom-client's CPU counters add what was used since they were made; started at what the process used until then, they are its total.
  const cpu = (name: string) => registry.getSingleMetric(name) as Counter | undefined;
  cpu('process_cpu_user_seconds_total')?.inc(usedBefore.user / 1e6);
  cpu('process_cpu_system_seconds_total')?.inc(usedBefore.system / 1e6);
  cpu('process_cpu_seconds_total')?.inc((usedBefore.user + usedBefore.system) / 1e6);
  for (const name of [...leftOutProcessMetrics, ...eventLoopFamilies]) registry.removeSingleMetric(name);
  eventLoopMetrics(registry);
}

function eventLoopMetrics(registry: Registry): void {
  const delays = eventLoopDelay.open({ samples: true });
  const gauge = (name: (typeof eventLoopFamilies)[number], help: string, aggregator: 'average' | 'min' | 'max', collect?: () => void) =>
    new Gauge({ name, help, registers: [registry], aggregator, ...(collect ? { collect } : {}) });
  const lag = gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', 'average', () => {
    const start = process.hrtime.bigint();
    setImmediate(() => lag.set(Number(process.hrtime.bigint() - start) / 1e9));
    const histogram = delays.samples()!;
    if (histogram.count === 0) return; // no tick since the last scrape: the values stand
    min.set(histogram.min / 1e9);
    max.set(histogram.max / 1e9);
    mean.set(histogram.mean / 1e9);
    stddev.set(histogram.stddev / 1e9);
    p50.set(histogram.percentile(50) / 1e9);
    p90.set(histogram.percentile(90) / 1e9);
    p99.set(histogram.percentile(99) / 1e9);
    histogram.reset();
  });
  const min = gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', 'min');
  const max = gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', 'max');
  const mean = gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', 'average');
  const stddev = gauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.', 'average');
  const p50 = gauge('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', 'average');
  const p90 = gauge('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', 'average');
  const p99 = gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', 'average');
}
