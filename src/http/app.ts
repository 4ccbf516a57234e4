import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerFactory } from 'fastify';
import type { RequestCounters } from '../metrics/request-metrics.js';
import { type HttpConfig, httpDefaults } from './options.js';
import { isKubeProbe, textHeaders } from './route-config.js';
import type { FastPath } from './probe-fast-path.js';

/**
 * A fastify instance for podwarden's own listener: no request logging, the
 * timeouts of {@link HttpConfig} (see docs/http.md), a 1 KiB body limit, idle
 * keep-alive sockets closed on close (so closing never waits on them), and
 * plain 404 and 400 answers that echo nothing back. Requests no podwarden
 * route answers (404s, malformed URLs) are counted here as `other`.
 */
export function createHealthApp(config: HttpConfig, counters?: RequestCounters, fastPath?: FastPath): FastifyInstance {
  const app = Fastify({
    ...(fastPath && { serverFactory: fastPathServer(config, fastPath) }),
    logger: false,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    bodyLimit: httpDefaults.bodyLimit,
    forceCloseConnections: 'idle',
    // Node enforces the request and headers timeouts on this tick: a client trickling its headers is cut within a second of its limit, not 30 s.
    http: { connectionsCheckingInterval: httpDefaults.timeoutCheckInterval },
    return503OnClosing: true,
    exposeHeadRoutes: true,
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      counters?.countRequest('other', status, isKubeProbe(request.headers['user-agent']));
      (reply as FastifyReply).code(status).headers(textHeaders).send('bad request\n');
    },
  });
  app.server.headersTimeout = config.headersTimeout;
  app.setNotFoundHandler((request, reply) => {
    counters?.countRequest('other', 404, isKubeProbe(request.headers['user-agent']));
    reply.code(404).headers(textHeaders).send('not found\n');
  });
  return app;
}

/**
 * The HTTP server fastify would make, with the fast path in front of its
 * handler. Once the listener is closing, everything goes through fastify,
 * which answers 503 and closes the connection.
 */
function fastPathServer(config: HttpConfig, fastPath: FastPath): FastifyServerFactory {
  return (handler) => {
    const server = createServer({ connectionsCheckingInterval: httpDefaults.timeoutCheckInterval }, (request, response) => {
      if (!server.listening || !fastPath(request, response)) handler(request, response);
    });
    server.keepAliveTimeout = config.keepAliveTimeout;
    server.requestTimeout = config.requestTimeout;
    server.setTimeout(config.connectionTimeout);
    return server;
  };
}
