import type { RequestListener, Server as HttpServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { RequestCounters } from '../metrics/request-metrics.js';
import { httpDefaults } from './options.js';
import { isKubeProbe, textHeaders } from './route-config.js';

/** A fastify instance serving requests of a listener it did not create. */
export interface HealthApp {
  readonly app: FastifyInstance;
  /** fastify's request handler: give it the requests this app should answer. */
  readonly handle: RequestListener;
}

/**
 * A fastify instance for one of podwarden's listeners: no request logging, a
 * 1 KiB body limit, plain 404 and 400 answers that echo nothing back.
 * Requests no route answers (404s, malformed URLs) are counted as `other`.
 * The listener (its timeouts, binding and closing) stays `server`'s owner's:
 * fastify only routes the requests it is handed, so closing the app never
 * closes the server. Register routes, then call `app.ready()`.
 */
export function createHealthApp(server: HttpServer, counters?: RequestCounters): HealthApp {
  let handle: RequestListener | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      handle = handler;
      return server;
    },
    logger: false,
    bodyLimit: httpDefaults.bodyLimit,
    return503OnClosing: true,
    exposeHeadRoutes: true,
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      counters?.countRequest('other', status, isKubeProbe(request.headers['user-agent']));
      (reply as FastifyReply).code(status).headers(textHeaders).send('bad request\n');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    counters?.countRequest('other', 404, isKubeProbe(request.headers['user-agent']));
    reply.code(404).headers(textHeaders).send('not found\n');
  });
  if (handle === undefined) throw new Error('fastify did not call its serverFactory');
  return { app, handle };
}
