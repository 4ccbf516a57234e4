import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsOpenMetrics } from '../metrics/exposition.js';
import { type PodwardenMetrics, contentTypeOf } from '../metrics/podwarden-metrics.js';
import type { RequestCounters } from '../metrics/request-metrics.js';
import type { HealthModel, ProbeAnswer, ProbeRoute } from './health-model.js';
import { isKubeProbe, textHeaders } from './route-config.js';

/** Handles a request before the router; returns false to pass it on. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

const routeOfUrl: ReadonlyMap<string | undefined, ProbeRoute> = new Map([
  ['/livez', 'livez'],
  ['/readyz', 'readyz'],
  ['/startupz', 'startupz'],
]);

const textHeaderList = Object.entries(textHeaders).flat();
const headerLists = new WeakMap<ProbeAnswer, readonly string[]>();

/** The first value of header `name` (lower case) in Node's raw `[name, value, …]` list. */
function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/** Whether any value of header `name` (lower case) contains `text`: Node joins repeated `Accept` headers. */
function anyRawHeaderIncludes(raw: readonly string[], name: string, text: string): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name && raw[i + 1]!.includes(text)) return true;
  }
  return false;
}

/** An answer's headers as the flat list `writeHead` takes, built once per answer (the model caches answers until something changes). */
function headersOf(answer: ProbeAnswer): string[] {
  let list = headerLists.get(answer);
  if (list === undefined) {
    list = [...textHeaderList, 'content-length', String(Buffer.byteLength(answer.body))];
    headerLists.set(answer, list);
  }
  return list as string[];
}

/**
 * kubelet's requests — `GET /livez`, `/readyz`, `/startupz` with no query and
 * no JSON — answered straight from the {@link HealthModel}'s cached answer,
 * without the router. The answer, headers and counting are those of the
 * router's probe routes (which serve every other form: `?verbose`,
 * `?exclude`, JSON, `/<probe>/<name>`), so probes cost what a bare
 * `node:http` server costs.
 */
export function probeFastPath(model: HealthModel, counters: RequestCounters | undefined): FastPath {
  return (request, response) => {
    const route = routeOfUrl.get(request.url);
    if (route === undefined) return false;
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    // The raw list, not `request.headers`: Node builds that object on first access, a cost a bare server never pays.
    const raw = request.rawHeaders;
    if (anyRawHeaderIncludes(raw, 'accept', 'application/json')) return false;
    const answer = model.answer(route, false, undefined);
    response.writeHead(answer.status, headersOf(answer));
    response.end(method === 'HEAD' ? undefined : answer.body);
    counters?.countRequest(route, answer.status, isKubeProbe(rawHeader(raw, 'user-agent')));
    return true;
  };
}

/**
 * Prometheus' scrape — `GET /metrics` with no query — rendered and answered
 * without the router, as the router's `/metrics` route would: the text
 * format, or OpenMetrics when `Accept` asks for it; counted as `metrics`.
 * `HEAD /metrics` gets the headers without a render: it asks for no body.
 */
export function metricsFastPath(metrics: PodwardenMetrics): FastPath {
  return (request, response) => {
    if (request.url !== '/metrics') return false;
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const kube = isKubeProbe(request.headers['user-agent']);
    const openMetrics = wantsOpenMetrics(request.headers.accept);
    if (method === 'HEAD') {
      response.writeHead(200, { 'content-type': contentTypeOf(openMetrics), 'cache-control': 'no-store' });
      response.end();
      metrics.requests.countRequest('metrics', 200, kube);
      return true;
    }
    metrics.render(openMetrics).then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        response.end(body);
        metrics.requests.countRequest('metrics', 200, kube);
      },
      () => {
        const body = 'metrics unavailable\n';
        response.writeHead(500, { ...textHeaders, 'content-length': body.length });
        response.end(body);
        metrics.requests.countRequest('metrics', 500, kube);
      },
    );
    return true;
  };
}

/** The first of `paths` that takes the request answers it. */
export function firstFastPath(...paths: readonly FastPath[]): FastPath {
  if (paths.length === 1) return paths[0]!;
  return (request, response) => {
    for (const path of paths) if (path(request, response)) return true;
    return false;
  };
}
