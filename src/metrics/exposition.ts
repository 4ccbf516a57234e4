import { Registry } from 'prom-client';

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

interface OpenMetricsRenderer {
  getMetricsAsString(metric: { get(): Promise<unknown> }): Promise<string>;
}

/**
 * Render `registry` as OpenMetrics without touching it: prom-client's own
 * OpenMetrics mode renames counter objects in place, which would corrupt a
 * registry that also serves the Prometheus text format. Each metric is read
 * through a view whose counter family name drops `_total` (the samples keep it).
 */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const renderer = new (Registry as unknown as new (contentType: string) => OpenMetricsRenderer)(openMetricsContentType);
  const parts = await Promise.all(
    registry.getMetricsAsArray().map((metric) => {
      const source = metric as unknown as Renderable;
      return renderer.getMetricsAsString({
        async get() {
          const data = await (source.getForPromString ? source.getForPromString() : source.get());
          return data.type === 'counter' ? { ...data, name: data.name.replace(/_total$/, '') } : data;
        },
      });
    }),
  );
  return `${parts.join('\n')}\n# EOF\n`;
}
