import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from '../core/server.js';
import { logThrottle } from '../logging/log-throttle.js';
import type { RequestCounters } from '../metrics/request-metrics.js';
import { type DrainGuardOptions, type DrainRefusal, drainGuard } from './drain-guard.js';
import { type HttpLog, httpDefaults } from './options.js';
import { countingHook, textHeaders } from './route-config.js';

/** Options of the `/drain` route. */
export interface DrainRouteOptions extends DrainGuardOptions {
  readonly server: Server;
  readonly counters: RequestCounters | undefined;
  readonly log: HttpLog | undefined;
  readonly bodyLimit: number;
}

/**
 * `/drain` (GET and POST, for kubelet's `preStop.httpGet`): joins the one
 * drain and answers 200 once the drain delay has passed; every concurrent
 * caller gets that answer. 403 from a source `sourceCheck` refuses, before
 * the token is looked at; 401 without the right bearer token; 403 when no
 * token is configured unless `allowUnauthenticated`. A refusal is decided
 * from the headers, before a body is read, and logged at most once per
 * `refusalLogInterval` (each one is counted in `drain_requests_total`). The
 * wait is exempt from the idle-socket timeout. A request body is read (up to
 * `bodyLimit`) and ignored. HEAD is not a drain (404).
 */
export function registerDrainRoute(fastify: FastifyInstance, options: DrainRouteOptions): void {
  const { server, counters, log } = options;
  const guard = drainGuard(options);
  const logRefusal = logThrottle<{ refusal: DrainRefusal; remote: string }>(httpDefaults.refusalLogInterval, ({ refusal, remote }, count) =>
    log?.warn(
      { event: 'drain-request', result: refusal.result, remote, count },
      count === 1 ? `/drain refused (${refusal.status})` : `/drain refused (${refusal.status}), ${count} times in the last ${httpDefaults.refusalLogInterval / 1000}s`,
    ),
  );
  const checkCaller = async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = guard(request.raw);
    if (refusal === undefined) return;
    counters?.countDrain(refusal.result);
    logRefusal({ refusal, remote: request.ip });
    return reply.code(refusal.status).headers(textHeaders).headers(refusal.headers).send(refusal.body);
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // The answer comes when the drain delay has passed, which may outlast the idle-socket timeout.
    request.raw.socket.setTimeout(0);
    log?.info({ event: 'drain-request', result: 'accepted', remote: request.ip, phase: server.phase }, '/drain: draining');
    try {
      await server.drain('http');
    } catch {
      counters?.countDrain('unavailable');
      return reply.code(503).headers(textHeaders).send('unavailable: the server is not running\n');
    }
    counters?.countDrain('drained');
    return reply.code(200).headers(textHeaders).send('drained\n');
  };

  // An encapsulated scope: its catch-all body parser stays off the other routes.
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, _body, done) => done(null, undefined));
    // No HEAD: a HEAD request is a reachability check and must not take the pod out of service.
    scope.route({ method: ['GET', 'POST'], url: '/drain', exposeHeadRoute: false, onRequest: checkCaller, ...(counters ? { onResponse: countingHook(counters, 'drain') } : {}), handler });
  });
}
