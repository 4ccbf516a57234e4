import { type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse, createServer } from 'node:http';
import type { HttpConfig } from './options.js';
import { httpDefaults } from './options.js';
import type { FastPath } from './probe-fast-path.js';
import { textHeaders } from './route-config.js';

/** What serves the requests the fast path passes on: anything with a request handler. */
export interface Router {
  readonly handle: RequestListener;
}

/** A listener of podwarden's: a `node:http` server with a fast path, and the router behind it loaded on demand. */
export interface HealthListener<R extends Router> {
  readonly server: HttpServer;
  /** Load the router now (once); resolves when requests it should serve can be served. */
  loadRouter(): Promise<R>;
  /** The router, loaded or loading; `undefined` when nothing has needed it yet. */
  routerIfStarted(): Promise<R> | undefined;
}

const closingBody = 'shutting down\n';
const unavailableBody = 'unavailable\n';

/**
 * A `node:http` server with podwarden's timeouts (see docs/http.md) whose
 * requests go to `fastPath` first. Whatever it passes on goes to the router
 * `load` makes, which is loaded the first time such a request arrives (or
 * when {@link HealthListener.loadRouter} is called): kubelet's probes and
 * Prometheus' scrapes never need it, so a sidecar that only sees those never
 * pays for it. Requests that arrive while it loads wait for it. Once the
 * server is closing, every request is answered 503 with `connection: close`.
 */
export function createHealthListener<R extends Router>(config: HttpConfig, fastPath: FastPath, load: (server: HttpServer) => Promise<R>): HealthListener<R> {
  let router: RequestListener | undefined;
  let loading: Promise<R> | undefined;
  const server = createServer({ connectionsCheckingInterval: httpDefaults.timeoutCheckInterval }, (request, response) => {
    if (!server.listening) answerClosing(response);
    else if (fastPath(request, response)) return;
    else if (router) router(request, response);
    else void loadRouter().then(({ handle }) => handle(request, response), () => answerUnavailable(request, response));
  });
  server.keepAliveTimeout = config.keepAliveTimeout;
  server.requestTimeout = config.requestTimeout;
  server.headersTimeout = config.headersTimeout;
  server.setTimeout(config.connectionTimeout);

  function loadRouter(): Promise<R> {
    loading ??= load(server).then(
      (loaded) => {
        router = loaded.handle;
        return loaded;
      },
      (err: unknown) => {
        // A failed load is retried by the next request that needs the router.
        loading = undefined;
        throw err;
      },
    );
    return loading;
  }
  return { server, loadRouter, routerIfStarted: () => loading };
}

function answerClosing(response: ServerResponse): void {
  response.writeHead(503, { ...textHeaders, 'content-length': closingBody.length, connection: 'close' });
  response.end(closingBody);
}

function answerUnavailable(request: IncomingMessage, response: ServerResponse): void {
  if (response.headersSent) return void request.socket.destroy();
  response.writeHead(503, { ...textHeaders, 'content-length': unavailableBody.length });
  response.end(unavailableBody);
}
