import type { Registry } from 'prom-client';
import type { CheckResults } from '../checks/check-result.js';
import { type Series, counterFamily, gaugeFamily } from './family.js';
import { HistogramFamily, type HistogramSeries } from './histogram-family.js';

/** What the check metrics read. */
export interface CheckMetricsConfig {
  readonly prefix: string;
  /** The results of the built-in checks; without it the families stay empty. */
  readonly results: CheckResults | undefined;
  /** Histogram buckets in seconds. */
  readonly buckets?: readonly number[];
}

/** Check timeouts default to 1 s; the buckets cover a fast loopback check up to a slow remote one. */
export const checkDurationBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface CheckSeries {
  readonly duration: HistogramSeries;
  readonly failures: Series;
  /** Absent until the check first succeeds. */
  lastSuccess: Series | undefined;
}

/**
 * Per-check families fed from check results: the `check_duration_seconds`
 * histogram, the `check_last_success_timestamp_seconds` gauge and the
 * `check_failures_total` counter. A check's series appear with its first
 * result. Returns the function that unsubscribes.
 */
export function checkMetrics(registry: Registry, config: CheckMetricsConfig): () => void {
  const { prefix } = config;
  const duration = new HistogramFamily(registry, {
    name: `${prefix}check_duration_seconds`,
    help: 'How long each check attempt took, in seconds (monotonic clock).',
    labelNames: ['name'],
    buckets: config.buckets ?? checkDurationBuckets,
  });
  const lastSuccess = gaugeFamily(registry, {
    name: `${prefix}check_last_success_timestamp_seconds`,
    help: 'When the check last succeeded, in seconds since the Unix epoch; absent until it has.',
    labelNames: ['name'],
  });
  const failures = counterFamily(registry, {
    name: `${prefix}check_failures_total`,
    help: 'How many check attempts failed.',
    labelNames: ['name'],
  });
  const series = new Map<string, CheckSeries>();
  const seriesOf = (name: string): CheckSeries => {
    let found = series.get(name);
    if (!found) {
      found = { duration: duration.labels(name), failures: failures.labels(name), lastSuccess: undefined };
      series.set(name, found);
    }
    return found;
  };
  const off = config.results?.on((result) => {
    const s = seriesOf(result.name);
    s.duration.observe(result.durationMs / 1000);
    if (result.ok) (s.lastSuccess ??= lastSuccess.labels(result.name)).set(result.at.wall / 1000);
    else s.failures.inc();
  });
  return () => off?.();
}
