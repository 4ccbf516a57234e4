import { type Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's gauges named `*_total`, which `promtool check metrics` flags
 * ("non-counter metrics should not have _total suffix"). Their per-type
 * breakdowns (`nodejs_active_handles{type}` and friends) stay; sum them for the total.
 */
export const leftOutProcessMetrics: readonly string[] = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** prom-client's process and Node.js metrics (unprefixed, as dashboards expect), without the families promtool flags. */
export function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of leftOutProcessMetrics) registry.removeSingleMetric(name);
}
