import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestCounters } from '../metrics/request-metrics.js';
import type { HealthModel, ProbeRoute } from './health-model.js';
import { isKubeProbe, textHeaders } from './route-config.js';

/** Handles a request before fastify's router; returns false to pass it on. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

const routeOfUrl: ReadonlyMap<string | undefined, ProbeRoute> = new Map([
  ['/livez', 'livez'],
  ['/readyz', 'readyz'],
  ['/startupz', 'startupz'],
]);

/**
 * kubelet's requests — `GET /livez`, `/readyz`, `/startupz` with no query and
 * no JSON — answered straight from the {@link HealthModel}'s cached answer,
 * before fastify routes the request. The answer, headers and counting are
 * those of the fastify route (which still serves every other form: `?verbose`,
 * `?exclude`, JSON, `/<probe>/<name>`); this only skips the router and hooks,
 * so probes cost what a bare `node:http` server costs.
 */
export function probeFastPath(model: HealthModel, counters: RequestCounters | undefined): FastPath {
  return (request, response) => {
    const route = routeOfUrl.get(request.url);
    if (route === undefined) return false;
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const accept = request.headers.accept;
    if (accept !== undefined && accept.includes('application/json')) return false;
    const answer = model.answer(route, false, undefined);
    response.writeHead(answer.status, { ...textHeaders, 'content-length': Buffer.byteLength(answer.body) });
    response.end(method === 'HEAD' ? undefined : answer.body);
    counters?.countRequest(route, answer.status, isKubeProbe(request.headers['user-agent']));
    return true;
  };
}
