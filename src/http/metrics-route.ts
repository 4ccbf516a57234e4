import type { FastifyInstance } from 'fastify';
import { wantsOpenMetrics } from '../metrics/exposition.js';
import { type PodwardenMetrics, contentTypeOf } from '../metrics/podwarden-metrics.js';
import { countingHook } from './route-config.js';

/** `/metrics`: the Prometheus text format, or OpenMetrics when the `Accept` header asks for it; `HEAD` without a render. Counted as `metrics`. */
export function registerMetricsRoute(fastify: FastifyInstance, metrics: PodwardenMetrics): void {
  fastify.get('/metrics', { onResponse: countingHook(metrics.requests, 'metrics') }, async (request, reply) => {
    const openMetrics = wantsOpenMetrics(request.headers.accept);
    // HEAD asks for no body: no render (fastify answers HEAD with this handler).
    if (request.method === 'HEAD') return reply.code(200).header('content-type', contentTypeOf(openMetrics)).header('cache-control', 'no-store').send();
    const { contentType, body } = await metrics.render(openMetrics);
    return reply.code(200).header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
