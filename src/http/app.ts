import Fastify, { type FastifyInstance } from 'fastify';
import { type HttpConfig, httpDefaults } from './options.js';
import { textHeaders } from './route-config.js';

/**
 * A fastify instance for podwarden's own listener: no request logging, the
 * timeouts of {@link HttpConfig} (see docs/http.md), a 1 KiB body limit, idle
 * keep-alive sockets closed on close (so closing never waits on them), and a
 * plain 404 that echoes nothing back.
 */
export function createHealthApp(config: HttpConfig): FastifyInstance {
  const app = Fastify({
    logger: false,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    bodyLimit: httpDefaults.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    exposeHeadRoutes: true,
  });
  app.server.headersTimeout = config.headersTimeout;
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).headers(textHeaders).send('not found\n');
  });
  return app;
}
