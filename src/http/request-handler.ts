import type { IncomingMessage, ServerResponse } from 'node:http';
import { type PodwardenEndpointsOptions, adapterEndpoints } from './adapter-options.js';
import { IncomingEndpointRequest } from './endpoint-request.js';
import type { Endpoints } from './endpoints.js';
import { writeAnswer } from './write-answer.js';

/**
 * podwarden's endpoints for a plain `node:http` (or `https`) request
 * listener: returns `true` when the request was one of the endpoints' and is
 * being answered, `false` when it is the app's to answer.
 */
export interface PodwardenRequestHandler {
  (request: IncomingMessage, response: ServerResponse): boolean;
  /** Stop following the server (when the app's server closes). */
  close(): void;
}

/**
 * Express / connect middleware serving podwarden's endpoints; any other
 * request goes on to `next()`. Mounted under a path (`app.use('/ops', …)`),
 * it serves the endpoints under that path.
 */
export interface PodwardenMiddleware {
  (request: IncomingMessage, response: ServerResponse, next: (err?: unknown) => void): void;
  /** Stop following the server (when the app's server closes). */
  close(): void;
}

function answerWith(endpoints: Endpoints, raw: IncomingMessage, response: ServerResponse): void {
  const answer = endpoints.answer(new IncomingEndpointRequest(raw));
  if ('then' in answer) void answer.then((settled) => writeAnswer(response, settled));
  else writeAnswer(response, answer);
}

/**
 * podwarden's endpoints (`/livez`, `/readyz`, `/startupz` and
 * `/<endpoint>/<name>`, `/drain`, `/metrics` when given metrics) for an app's
 * own `node:http` server, answered by the same function as the sidecar's
 * listener:
 *
 * ```js
 * const podwarden = podwardenRequestHandler({ server });
 * createServer((req, res) => podwarden(req, res) || app(req, res));
 * ```
 */
export function podwardenRequestHandler(options: PodwardenEndpointsOptions): PodwardenRequestHandler {
  const endpoints = adapterEndpoints(options);
  const handler = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (!endpoints.owns(request.url ?? '/')) return false;
    answerWith(endpoints, request, response);
    return true;
  };
  return Object.assign(handler, { close: () => endpoints.close() });
}

/**
 * podwarden's endpoints as Express / connect middleware (`app.use(podwardenMiddleware({ server }))`),
 * answered by the same function as the sidecar's listener; the app's own
 * routes, 404s and error handling stay the app's.
 */
export function podwardenMiddleware(options: PodwardenEndpointsOptions): PodwardenMiddleware {
  const endpoints = adapterEndpoints(options);
  const middleware = (request: IncomingMessage, response: ServerResponse, next: (err?: unknown) => void): void => {
    // Express rewrites `url` to be relative to the mount path and keeps the whole one in `originalUrl`.
    if (!endpoints.owns(request.url ?? '/')) {
      next();
      return;
    }
    answerWith(endpoints, request, response);
  };
  return Object.assign(middleware, { close: () => endpoints.close() });
}
