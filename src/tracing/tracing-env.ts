/** Whether the sidecar exports traces, decided from the standard OpenTelemetry environment. */
export type TracingDecision = { readonly on: true; readonly protocol: 'http/protobuf' | 'http/json' } | { readonly on: false; readonly why: string };

const truthy = (value: string | undefined) => value?.trim().toLowerCase() === 'true';

/**
 * The sidecar exports spans over OTLP/HTTP when an endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`),
 * unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER` names no OTLP
 * exporter (`none`). Without an endpoint nothing is loaded: the default
 * startup and memory do not move.
 */
export function tracingDecision(env: NodeJS.ProcessEnv): TracingDecision {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return { on: false, why: 'no OTEL_EXPORTER_OTLP_ENDPOINT' };
  if (truthy(env.OTEL_SDK_DISABLED)) return { on: false, why: 'OTEL_SDK_DISABLED=true' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
  if (exporters.includes('none') || !exporters.includes('otlp')) return { on: false, why: `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER}` };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf').toLowerCase();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    return { on: false, why: `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported (use http/protobuf or http/json)` };
  }
  return { on: true, protocol };
}
