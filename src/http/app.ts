import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { RequestCounters } from '../metrics/request-metrics.js';
import { type HttpConfig, httpDefaults } from './options.js';
import { textHeaders } from './route-config.js';

/**
 * A fastify instance for podwarden's own listener: no request logging, the
 * timeouts of {@link HttpConfig} (see docs/http.md), a 1 KiB body limit, idle
 * keep-alive sockets closed on close (so closing never waits on them), and
 * plain 404 and 400 answers that echo nothing back. A request fastify refuses
 * before routing (a malformed URL) is counted as `other` here, since no hook
 * sees it.
 */
export function createHealthApp(config: HttpConfig, counters?: RequestCounters): FastifyInstance {
  const app = Fastify({
    logger: false,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    bodyLimit: httpDefaults.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    exposeHeadRoutes: true,
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      const agent = request.headers['user-agent'];
      counters?.countRequest('other', status, agent !== undefined && agent.startsWith('kube-probe/'));
      (reply as FastifyReply).code(status).headers(textHeaders).send('bad request\n');
    },
  });
  app.server.headersTimeout = config.headersTimeout;
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).headers(textHeaders).send('not found\n');
  });
  return app;
}
