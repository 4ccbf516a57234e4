import type { FastifyInstance } from 'fastify';
import type { RequestCounters, RequestProbe } from '../metrics/request-metrics.js';

/** Route config podwarden puts on its routes: which `probe` label their requests count under. */
export interface PodwardenRouteConfig {
  readonly podwardenProbe?: RequestProbe;
}

/** Headers of every plain-text answer, built once. */
export const textHeaders = {
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * Count every answered request in `probe_requests_total`: by the route's
 * `podwardenProbe` (404s and foreign routes count as `other`), status code and
 * agent. Nothing is logged.
 */
export function countRequests(fastify: FastifyInstance, counters: RequestCounters): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const probe = status === 404 ? 'other' : ((request.routeOptions.config as PodwardenRouteConfig).podwardenProbe ?? 'other');
    const agent = request.headers['user-agent'];
    counters.countRequest(probe, status, agent !== undefined && agent.startsWith('kube-probe/'));
    done();
  });
}
