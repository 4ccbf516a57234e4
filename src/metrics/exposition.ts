import { Registry } from 'prom-client';
import { OwnFamily, type OwnSeries } from './family.js';

/** Content type of the Prometheus text format 0.0.4. */
export const prometheusContentType = Registry.PROMETHEUS_CONTENT_TYPE;

/** Content type of OpenMetrics 1.0.0. */
export const openMetricsContentType = Registry.OPENMETRICS_CONTENT_TYPE;

/** True when an `Accept` header asks for OpenMetrics (Prometheus does, ranked first). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

interface Renderable {
  get(): Promise<{ name: string; type: string }> | { name: string; type: string };
  getForPromString?(): Promise<{ name: string; type: string }>;
}

/** prom-client's renderer of one metric (untyped in its declarations). */
interface MetricRenderer {
  getMetricsAsString(metric: unknown): Promise<string>;
}

/** Renders prom-client metrics as OpenMetrics; it holds no metrics of its own. */
const openMetricsRenderer = new (Registry as unknown as new (contentType: string) => MetricRenderer)(openMetricsContentType);

/**
 * One prom-client metric as OpenMetrics without touching it: prom-client's
 * own OpenMetrics mode renames counter objects in place, which would corrupt
 * a registry that also serves the Prometheus text format. The metric is read
 * through a view whose counter family name drops `_total` (the samples keep it).
 */
function foreignOpenMetrics(metric: Renderable): Promise<string> {
  return openMetricsRenderer.getMetricsAsString({
    async get() {
      const data = await (metric.getForPromString ? metric.getForPromString() : metric.get());
      return data.type === 'counter' ? { ...data, name: data.name.replace(/_total$/, '') } : data;
    },
  });
}

/**
 * The exposition of `registry`: the Prometheus text format 0.0.4, or
 * OpenMetrics 1.0.0 (ending in `# EOF`) when `openMetrics`. podwarden's own
 * families ({@link OwnFamily}) render their prebuilt text; prom-client renders
 * every other metric (process and Node.js metrics, anything a user
 * registered). Families keep the registry's order; in the text format a
 * blank line separates them, as prom-client's `registry.metrics()` does.
 */
export async function renderExposition(registry: Registry, openMetrics: boolean): Promise<string> {
  const renderer = registry as unknown as MetricRenderer;
  // Each part ends in a newline.
  const parts = await Promise.all(
    registry.getMetricsAsArray().map((metric) => {
      if (metric instanceof OwnFamily) return (metric as OwnFamily<OwnSeries>).exposition(openMetrics);
      const text = openMetrics ? foreignOpenMetrics(metric as unknown as Renderable) : renderer.getMetricsAsString(metric);
      return text.then((t) => `${t}\n`);
    }),
  );
  return openMetrics ? `${parts.join('')}# EOF\n` : parts.join('\n');
}
