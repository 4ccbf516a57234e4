import { type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse, createServer } from 'node:http';
import type { HttpConfig } from './options.js';
import { httpDefaults } from './options.js';
import type { FastPath } from './probe-fast-path.js';
import { answerClientErrors } from './client-errors.js';
import { type AdmissionRefusal, guardPipelinedReads, requestAdmission } from './request-admission.js';
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

/** What a listener does beyond answering: bodies it invites, refusals it reports. */
export interface HealthListenerOptions {
  /**
   * Whether a request that sent `Expect: 100-continue` may send its body (an
   * authorised `/drain`). Any other such request is answered without `100
   * Continue` and its connection closed after the answer, so a refused caller
   * never gets to send a body.
   */
  readonly invitesBody?: (request: IncomingMessage) => boolean;
  /** A connection was closed for having too many answers outstanding (see {@link requestAdmission}). */
  readonly onRefuse?: (reason: AdmissionRefusal) => void;
  /** A request Node could not parse was answered with `status` (400, 408, 413, 431). */
  readonly onClientError?: (status: number) => void;
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
export function createHealthListener<R extends Router>(
  config: HttpConfig,
  fastPath: FastPath,
  load: (server: HttpServer) => Promise<R>,
  options: HealthListenerOptions = {},
): HealthListener<R> {
  let router: RequestListener | undefined;
  let loading: Promise<R> | undefined;
  const admission = requestAdmission(httpDefaults.outstandingAnswers, options.onRefuse);
  const handle: RequestListener = (request, response) => {
    if (!admission.admit(request, response)) return;
    if (!server.listening) answerClosing(response);
    else if (fastPath(request, response)) return;
    else if (router) router(request, response);
    else void loadRouter().then(({ handle }) => handle(request, response), () => answerUnavailable(request, response));
  };
  const server = createServer({ connectionsCheckingInterval: httpDefaults.timeoutCheckInterval }, handle);
  // After the http server's own `connection` listener, which adds the `data` listener the guard wraps.
  server.on('connection', guardPipelinedReads(httpDefaults.outstandingAnswers.perConnection, options.onRefuse));
  server.on('clientError', answerClientErrors((status) => options.onClientError?.(status)));
  // Without this listener Node answers `100 Continue` to every request that asks, before anything has looked at it.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (options.invitesBody?.(request)) response.writeContinue();
    else response.shouldKeepAlive = false;
    handle(request, response);
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
