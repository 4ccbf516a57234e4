import type { Server } from '../core/server.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import type { RequestEndpoint } from '../metrics/request-metrics.js';
import { CheckDetails } from '../checks/check-details.js';
import type { CheckResults } from '../checks/check-result.js';
import { type Answer, closing, fixedAnswers, jsonAnswer } from './answers.js';
import { type DrainEndpoint, drainEndpoint } from './drain-endpoint.js';
import type { DrainGuardOptions } from './drain-guard.js';
import type { EndpointRequest } from './endpoint-request.js';
import { healthReport } from './health-report.js';
import { type HealthEndpoint, healthEndpoints } from './health-endpoints.js';
import { HealthState } from './health-state.js';
import { HealthText } from './health-text.js';
import { metricsAnswers } from './metrics-answers.js';
import { healthFormat, metricsFormat } from './negotiate.js';
import { type HttpLog, httpDefaults } from './options.js';

/** What one set of endpoints serves. */
export interface EndpointsOptions {
  /** The server whose state the health endpoints show and whose drain `/drain` joins. */
  readonly server: Server;
  /** Serve `/livez`, `/readyz`, `/startupz` (and `/<endpoint>/<name>`) and `/drain`; unset on a listener of `/metrics` only. */
  readonly health?: {
    /** Show failure reasons in `?verbose` and JSON answers. */
    readonly exposeDetails: boolean;
    /** Who may call `/drain`. */
    readonly drain: DrainGuardOptions;
    /** The built-in checks' results, for the check details of JSON answers (read only with `exposeDetails`). */
    readonly checkResults?: CheckResults | undefined;
  };
  /** Count requests in these metrics, and serve them on `/metrics` when `serveMetrics`. */
  readonly metrics?: PodwardenMetrics | undefined;
  readonly serveMetrics?: boolean;
  readonly log?: HttpLog | undefined;
}

/** podwarden's endpoints as one function from a request to its answer, for every adapter (the listener, the fastify plugin). */
export interface Endpoints {
  /** The answer to `request`, counted in `probe_requests_total` as it is decided. */
  answer(request: EndpointRequest): Answer | Promise<Answer>;
  /** The answer while the listener closes (503, connection closed), counted as `other`. */
  closing(request: EndpointRequest): Answer;
  /** Whether `url` (a path and query, relative to where the endpoints are mounted) is one of the endpoints', for adapters that share a server with an app. */
  owns(url: string): boolean;
  /** Whether `request` may send its body after `Expect: 100-continue` (an authorised `/drain`). */
  invitesBody(request: EndpointRequest): boolean;
  /** Count a request the HTTP parser refused (400, 408, 413, 431) and answered itself. */
  countProtocolError(status: number): void;
  /** The paths served, as router patterns (`/readyz`, `/readyz/*`, …), for adapters that route before they answer. */
  readonly paths: readonly string[];
  /** The health state, to decide a service's liveness from outside (`podwarden`'s event-loop lag); unset without `health`. */
  readonly health: HealthState | undefined;
  /** Stop following the server. */
  close(): void;
}

type Route = { readonly kind: 'health'; readonly endpoint: HealthEndpoint } | { readonly kind: 'metrics' } | { readonly kind: 'drain' };

/** kubelet sends `User-Agent: kube-probe/<major>.<minor>`. */
function isKubeProbe(userAgent: string | undefined): boolean {
  return userAgent !== undefined && userAgent.startsWith('kube-probe/');
}

/** The path percent-decoded (`/%64rain` is `/drain`); `undefined` when malformed. */
function decodePath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function isPending(answer: Answer | Promise<Answer>): answer is Promise<Answer> {
  return 'then' in answer;
}

/**
 * podwarden's endpoints: a request (method, path, query, `Accept`,
 * `User-Agent`, `Authorization`, source address) maps to an answer (status,
 * headers, body) and the endpoint it is counted under. kubelet's probes (`GET`
 * with no query and `Accept: *\/*` or none) get a cached answer: nothing is
 * parsed or built for them. Every other form is negotiated here too
 * (`?verbose`, `?exclude=`, JSON, `/<endpoint>/<name>`), and every refusal
 * (404, 405, 400, 413) is plain text with the same headers, counted as
 * `other`. A request whose body is not read is answered with its connection
 * closed.
 */
export function createEndpoints(options: EndpointsOptions): Endpoints {
  const { server, metrics, log } = options;
  const counters = metrics?.requests;
  const state = options.health ? new HealthState(server) : undefined;
  const text = state && options.health ? new HealthText(state, options.health.exposeDetails) : undefined;
  const exposeDetails = options.health?.exposeDetails ?? false;
  // Kept only where they may be shown.
  const checkDetails = exposeDetails && options.health?.checkResults ? new CheckDetails(options.health.checkResults) : undefined;
  const drain: DrainEndpoint | undefined = options.health
    ? drainEndpoint({ ...options.health.drain, server, log, countDrain: (result) => counters?.countDrain(result) })
    : undefined;
  const serving = options.serveMetrics && metrics ? metrics : undefined;

  const routes = new Map<string, Route>();
  if (state) for (const endpoint of healthEndpoints) routes.set(`/${endpoint}`, { kind: 'health', endpoint });
  if (drain) routes.set('/drain', { kind: 'drain' });
  if (serving) routes.set('/metrics', { kind: 'metrics' });

  const count = (endpoint: RequestEndpoint, status: number, request: EndpointRequest) => counters?.countRequest(endpoint, status, isKubeProbe(request.userAgent));

  function healthAnswer(endpoint: HealthEndpoint, name: string | undefined, query: string | undefined, request: EndpointRequest): Answer {
    let verbose = false;
    let exclude: string[] | undefined;
    if (query !== undefined) {
      const params = new URLSearchParams(query);
      verbose = params.has('verbose');
      const excluded = params.getAll('exclude');
      if (excluded.length > 0) exclude = excluded;
    }
    if (healthFormat(request.accept) === 'json') {
      const report = healthReport(state!, exposeDetails, checkDetails, endpoint, exclude, name);
      return report === undefined ? fixedAnswers.notFoundJson : jsonAnswer(report.status, report.body);
    }
    return name === undefined ? text!.answer(endpoint, verbose, exclude) : text!.answerOne(endpoint, name, verbose);
  }

  const scrapes = serving ? metricsAnswers(serving) : undefined;
  function metricsAnswer(request: EndpointRequest): Answer | Promise<Answer> {
    const format = metricsFormat(request.accept);
    // HEAD asks for no body: no render.
    return request.method === 'HEAD' ? scrapes!.head(format) : scrapes!.get(format);
  }

  /** `/livez/<name>` and the like: the endpoint and the name. */
  function oneCheck(path: string): { endpoint: HealthEndpoint; name: string } | undefined {
    if (!state) return undefined;
    const slash = path.indexOf('/', 1);
    if (slash === -1) return undefined;
    const found = routes.get(path.slice(0, slash));
    return found?.kind === 'health' ? { endpoint: found.endpoint, name: path.slice(slash + 1) } : undefined;
  }

  function route(request: EndpointRequest): { endpoint: RequestEndpoint; answer: Answer | Promise<Answer> } {
    const { url, method } = request;
    const q = url.indexOf('?');
    const query = q === -1 ? undefined : url.slice(q + 1);
    const path = decodePath(q === -1 ? url : url.slice(0, q));
    if (path === undefined) return { endpoint: 'other', answer: fixedAnswers.badRequest };
    const found = routes.get(path);
    const readOnly = method === 'GET' || method === 'HEAD';
    if (found?.kind === 'health') {
      if (!readOnly) return { endpoint: 'other', answer: fixedAnswers.methodNotAllowed.read };
      return { endpoint: found.endpoint, answer: healthAnswer(found.endpoint, undefined, query, request) };
    }
    if (found?.kind === 'metrics') {
      if (!readOnly) return { endpoint: 'other', answer: fixedAnswers.methodNotAllowed.read };
      return { endpoint: 'metrics', answer: metricsAnswer(request) };
    }
    if (found?.kind === 'drain') {
      // HEAD is a reachability check and must not take the pod out of service.
      if (method !== 'GET' && method !== 'POST') return { endpoint: 'other', answer: fixedAnswers.methodNotAllowed.drain };
      return { endpoint: 'drain', answer: drain!.answer(request) };
    }
    const one = oneCheck(path);
    if (one === undefined) return { endpoint: 'other', answer: fixedAnswers.notFound };
    if (!readOnly) return { endpoint: 'other', answer: fixedAnswers.methodNotAllowed.read };
    const answer = healthAnswer(one.endpoint, one.name, query, request);
    return { endpoint: answer.status === 404 ? 'other' : one.endpoint, answer };
  }

  return {
    answer(request) {
      const { endpoint, answer } = route(request);
      // `/drain` reads the body it accepts. Elsewhere a body means nothing, but it must be read before the next request
      // on the connection; one larger than the limit is left unread, and the connection closes after the answer.
      if (request.hasBody && endpoint !== 'drain') {
        return Promise.all([answer, request.readBody(httpDefaults.bodyLimit)]).then(([settled, whole]) => {
          count(endpoint, settled.status, request);
          return whole ? settled : closing(settled);
        });
      }
      if (isPending(answer)) {
        return answer.then((settled) => {
          count(endpoint, settled.status, request);
          return settled;
        });
      }
      // A probe: a cached answer and a counter bump, nothing allocated for it here.
      count(endpoint, answer.status, request);
      return answer;
    },
    closing(request) {
      count('other', fixedAnswers.shuttingDown.status, request);
      return fixedAnswers.shuttingDown;
    },
    owns(url) {
      const q = url.indexOf('?');
      const path = decodePath(q === -1 ? url : url.slice(0, q));
      return path !== undefined && (routes.has(path) || oneCheck(path) !== undefined);
    },
    invitesBody(request) {
      const { url } = request;
      const q = url.indexOf('?');
      return drain !== undefined && request.method === 'POST' && decodePath(q === -1 ? url : url.slice(0, q)) === '/drain' && drain.mayDrain(request);
    },
    countProtocolError(status) {
      counters?.countRequest('other', status, false);
    },
    paths: [...routes].flatMap(([path, found]) => (found.kind === 'health' ? [path, `${path}/*`] : [path])),
    health: state,
    close() {
      state?.close();
      checkDetails?.close();
    },
  };
}
