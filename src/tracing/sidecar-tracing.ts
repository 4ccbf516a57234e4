import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Server } from '../core/server.js';
import { traceLifecycle } from './lifecycle-tracing.js';

/** The sidecar's tracing, started: flush it before the process exits. */
export interface SidecarTracing {
  /** Export what is buffered, waiting at most `capMs`; resolves `false` when the cap cut it short. */
  flush(capMs: number): Promise<boolean>;
}

/**
 * Export the server's lifecycle spans over OTLP/HTTP with the
 * OpenTelemetry SDK, configured by the standard environment (endpoint,
 * headers, timeout, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, where
 * the chart puts the pod, namespace and node). Loaded only when tracing is
 * on; the CLI bundle keeps it in a chunk of its own.
 */
export function startSidecarTracing(server: Server, protocol: 'http/protobuf' | 'http/json'): SidecarTracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'podwarden' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const exporter = protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const lifecycle = traceLifecycle(server, { tracerProvider: provider });
  return {
    async flush(capMs) {
      let timer: NodeJS.Timeout | undefined;
      const capped = new Promise<false>((resolve) => (timer = setTimeout(resolve, capMs, false)));
      const done = lifecycle.recorded.then(() => provider.forceFlush()).then(() => true, () => false);
      try {
        return await Promise.race([done, capped]);
      } finally {
        clearTimeout(timer);
        lifecycle.stop();
        // Drops whatever is still in flight: the process is about to exit.
        void provider.shutdown().catch(() => {});
      }
    },
  };
}
