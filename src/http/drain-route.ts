import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from '../core/server.js';
import type { DrainResult, RequestCounters } from '../metrics/request-metrics.js';
import type { SourceCheck } from './allow-from.js';
import type { HttpLog } from './options.js';
import { countingHook, textHeaders } from './route-config.js';

/** Options of the `/drain` route. */
export interface DrainRouteOptions {
  readonly server: Server;
  /** Bearer token the caller must send; `undefined`: none configured. */
  readonly token: string | undefined;
  /** Without a token, let anyone drain (else 403). */
  readonly allowUnauthenticated: boolean;
  /** Whether the source address may call `/drain` at all (`drain.allowFrom`); `undefined`: any may. */
  readonly sourceCheck?: SourceCheck | undefined;
  readonly counters: RequestCounters | undefined;
  readonly log: HttpLog | undefined;
  readonly bodyLimit: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const bearer = /^Bearer +(\S+) *$/i;

/** Compare the bearer token of `header` with `expected` (a SHA-256 digest) in constant time. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = header === undefined ? null : bearer.exec(header);
  const same = timingSafeEqual(digest(match?.[1] ?? ''), expected);
  return match !== null && same;
}

/**
 * `/drain` (GET and POST, for kubelet's `preStop.httpGet`): joins the one
 * drain and answers 200 once the drain delay has passed; every concurrent
 * caller gets that answer. 403 from a source `sourceCheck` refuses, before
 * the token is looked at; 401 without the right bearer token; 403 when no
 * token is configured unless `allowUnauthenticated`. The wait is exempt from
 * the idle-socket timeout. A request body is read (up to `bodyLimit`) and ignored.
 * HEAD is not a drain (404).
 */
export function registerDrainRoute(fastify: FastifyInstance, options: DrainRouteOptions): void {
  const { server, counters, log } = options;
  const expected = options.token === undefined ? undefined : digest(options.token);
  const refuse = (reply: FastifyReply, result: DrainResult, status: number, body: string, request: FastifyRequest) => {
    counters?.countDrain(result);
    log?.warn({ event: 'drain-request', result, remote: request.ip }, `/drain refused (${status})`);
    return reply.code(status).headers(textHeaders).send(body);
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // The socket's own address: a forwarded-for header is the caller's word, not a source.
    if (options.sourceCheck && !options.sourceCheck(request.raw.socket.remoteAddress)) {
      return refuse(reply, 'forbidden-source', 403, 'forbidden: /drain is not accepted from this address (drain.allowFrom)\n', request);
    }
    if (expected !== undefined) {
      if (!bearerMatches(request.headers.authorization, expected)) {
        reply.header('www-authenticate', 'Bearer realm="podwarden"');
        return refuse(reply, 'unauthorized', 401, 'unauthorized: /drain needs "Authorization: Bearer <token>"\n', request);
      }
    } else if (!options.allowUnauthenticated) {
      return refuse(reply, 'forbidden', 403, 'forbidden: no drain token is configured; set drain.tokenFile or PODWARDEN_DRAIN_TOKEN, or drain.allowUnauthenticated: true\n', request);
    }
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
    scope.route({ method: ['GET', 'POST'], url: '/drain', exposeHeadRoute: false, ...(counters ? { onResponse: countingHook(counters, 'drain') } : {}), handler });
  });
}
