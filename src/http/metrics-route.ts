import type { FastifyInstance } from 'fastify';
import { wantsOpenMetrics } from '../metrics/exposition.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import { countingHook } from './route-config.js';

/** `/metrics`: the Prometheus text format, or OpenMetrics when the `Accept` header asks for it. Counted as `metrics`. */
export function registerMetricsRoute(fastify: FastifyInstance, metrics: PodwardenMetrics): void {
  fastify.get('/metrics', { onResponse: countingHook(metrics.requests, 'metrics') }, async (request, reply) => {
    const { contentType, body } = await metrics.render(wantsOpenMetrics(request.headers.accept));
    return reply.code(200).header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
