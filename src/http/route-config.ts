import type { onResponseHookHandler } from 'fastify';
import type { RequestCounters, RequestProbe } from '../metrics/request-metrics.js';

/** Headers of every plain-text answer, built once. */
export const textHeaders = {
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * An `onResponse` hook that counts a route's requests in
 * `probe_requests_total` under `probe` (a 404 it answers counts as `other`),
 * by status code and agent. Set per route, so it costs no lookup; nothing is logged.
 */
export function countingHook(counters: RequestCounters, probe: RequestProbe): onResponseHookHandler {
  return (request, reply, done) => {
    const status = reply.statusCode;
    counters.countRequest(status === 404 ? 'other' : probe, status, isKubeProbe(request.headers['user-agent']));
    done();
  };
}

/** kubelet sends `User-Agent: kube-probe/<major>.<minor>`. */
export function isKubeProbe(userAgent: string | undefined): boolean {
  return userAgent !== undefined && userAgent.startsWith('kube-probe/');
}
