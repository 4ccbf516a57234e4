import type { Registry } from 'prom-client';
import { type Series, counterFamily } from './family.js';

/** The fixed values of the `probe` label of `probe_requests_total`: the endpoint that answered. */
export const requestEndpoints = ['livez', 'readyz', 'startupz', 'drain', 'metrics', 'other'] as const;

/** Which endpoint answered a request; everything that is not one of podwarden's endpoints (404s included) is `other`. */
export type RequestEndpoint = (typeof requestEndpoints)[number];

/** The values of the `result` label of `drain_requests_total`. */
export const drainResults = ['drained', 'unauthorized', 'forbidden', 'forbidden-source', 'unavailable'] as const;

/**
 * How a `/drain` request ended: `drained` (200), `unauthorized` (401),
 * `forbidden` (403, no token configured), `forbidden-source` (403, the source
 * address is not in `drain.allowFrom`), `unavailable` (503, server not running).
 */
export type DrainResult = (typeof drainResults)[number];

/** Counts requests; called on every response, so it only bumps a number: the exposition reads the counts at scrape time. */
export interface RequestCounters {
  /** Count one answered request. `kubeProbe`: the User-Agent starts with `kube-probe/`. */
  countRequest(endpoint: RequestEndpoint, statusCode: number, kubeProbe: boolean): void;
  /** Count one `/drain` request. */
  countDrain(result: DrainResult): void;
}

/** The row of an endpoint in the request table: two rows per endpoint, `agent="other"` then `agent="kube-probe"`. */
const endpointRow: Readonly<Record<RequestEndpoint, number>> = { livez: 0, readyz: 2, startupz: 4, drain: 6, metrics: 8, other: 10 };

/**
 * `probe_requests_total{probe,code,agent}` and `drain_requests_total{result}`.
 * Label values are bounded: `probe` and `agent` come from fixed sets and
 * `code` is an HTTP status code, so random request paths add no series.
 * A request bumps a plain number, found by endpoint and agent in a fixed table
 * and by status code in a small map.
 */
export function requestMetrics(registry: Registry, config: { readonly prefix: string }): RequestCounters {
  const requests = counterFamily(registry, {
    name: `${config.prefix}probe_requests_total`,
    help: 'Requests answered, by endpoint (livez, readyz, startupz, drain, metrics, other), status code and agent (kube-probe or other).',
    labelNames: ['probe', 'code', 'agent'],
  });
  const drains = counterFamily(registry, {
    name: `${config.prefix}drain_requests_total`,
    help: 'Requests to /drain, by result (drained, unauthorized, forbidden, forbidden-source, unavailable).',
    labelNames: ['result'],
  });
  // table[endpointRow[endpoint] + kube] maps a status code to its series.
  const table = requestEndpoints.flatMap(() => [new Map<number, Series>(), new Map<number, Series>()]);
  const seriesOf = (endpoint: RequestEndpoint, code: number, kubeProbe: boolean): Series => {
    const byCode = table[endpointRow[endpoint] + (kubeProbe ? 1 : 0)]!;
    let found = byCode.get(code);
    if (!found) {
      found = requests.labels(endpoint, String(code), kubeProbe ? 'kube-probe' : 'other');
      byCode.set(code, found);
    }
    return found;
  };
  // The series a healthy pod produces exist from the start, at 0.
  for (const kubeProbe of [true, false]) {
    for (const endpoint of ['livez', 'readyz', 'startupz'] as const) for (const code of [200, 503]) seriesOf(endpoint, code, kubeProbe);
    seriesOf('other', 404, kubeProbe);
    seriesOf('other', 400, kubeProbe);
    seriesOf('other', 405, kubeProbe);
  }
  seriesOf('metrics', 200, false);
  const drainSeries: Readonly<Record<DrainResult, Series>> = {
    drained: drains.labels('drained'),
    unauthorized: drains.labels('unauthorized'),
    forbidden: drains.labels('forbidden'),
    'forbidden-source': drains.labels('forbidden-source'),
    unavailable: drains.labels('unavailable'),
  };

  return {
    countRequest(endpoint, statusCode, kubeProbe) {
      seriesOf(endpoint, statusCode, kubeProbe).value++;
    },
    countDrain(result) {
      drainSeries[result].value++;
    },
  };
}
