import { Counter, type Registry } from 'prom-client';

/** The fixed values of the `probe` label of `probe_requests_total`. */
export const requestProbes = ['livez', 'readyz', 'startupz', 'drain', 'metrics', 'other'] as const;

/** Which endpoint answered a request; everything that is not one of podwarden's endpoints (404s included) is `other`. */
export type RequestProbe = (typeof requestProbes)[number];

/** The values of the `result` label of `drain_requests_total`. */
export const drainResults = ['drained', 'unauthorized', 'forbidden', 'unavailable'] as const;

/** How a `/drain` request ended: `drained` (200), `unauthorized` (401), `forbidden` (403), `unavailable` (503, server not running). */
export type DrainResult = (typeof drainResults)[number];

/** Counts requests; called on every response, so it only bumps a number: prom-client sees the counts at scrape time. */
export interface RequestCounters {
  /** Count one answered request. `kubeProbe`: the User-Agent starts with `kube-probe/`. */
  countRequest(probe: RequestProbe, statusCode: number, kubeProbe: boolean): void;
  /** Count one `/drain` request. */
  countDrain(result: DrainResult): void;
}

type Child = ReturnType<Counter<string>['labels']>;

/** One series: its prom-client child, and the requests counted since the last scrape. */
interface Cell {
  readonly child: Child;
  pending: number;
}

/**
 * `probe_requests_total{probe,code,agent}` and `drain_requests_total{result}`.
 * Label values are bounded: `probe` and `agent` come from fixed sets and
 * `code` is an HTTP status code, so random request paths add no series.
 */
export function requestMetrics(registry: Registry, config: { readonly prefix: string }): RequestCounters {
  const cells: Cell[] = [];
  const requests = new Counter({
    name: `${config.prefix}probe_requests_total`,
    help: 'Requests answered, by endpoint (livez, readyz, startupz, drain, metrics, other), status code and agent (kube-probe or other).',
    labelNames: ['probe', 'code', 'agent'],
    registers: [registry],
    collect() {
      for (const cell of cells) {
        if (cell.pending === 0) continue;
        cell.child.inc(cell.pending);
        cell.pending = 0;
      }
    },
  });
  const drains = new Counter({
    name: `${config.prefix}drain_requests_total`,
    help: 'Requests to /drain, by result (drained, unauthorized, forbidden, unavailable).',
    labelNames: ['result'],
    registers: [registry],
  });
  // byProbe[probe][agent] maps a status code to its cell.
  const byProbe = new Map<RequestProbe, [Map<number, Cell>, Map<number, Cell>]>(requestProbes.map((p) => [p, [new Map(), new Map()]]));
  const cellOf = (probe: RequestProbe, code: number, kubeProbe: boolean): Cell => {
    const byCode = byProbe.get(probe)![kubeProbe ? 1 : 0];
    let cell = byCode.get(code);
    if (!cell) {
      cell = { child: requests.labels(probe, String(code), kubeProbe ? 'kube-probe' : 'other'), pending: 0 };
      cell.child.inc(0);
      byCode.set(code, cell);
      cells.push(cell);
    }
    return cell;
  };
  // The series a healthy pod produces exist from the start, at 0.
  for (const kubeProbe of [true, false]) {
    for (const probe of ['livez', 'readyz', 'startupz'] as const) for (const code of [200, 503]) cellOf(probe, code, kubeProbe);
    cellOf('other', 404, kubeProbe);
    cellOf('other', 400, kubeProbe);
  }
  cellOf('metrics', 200, false);
  const drainChildren = new Map(drainResults.map((r) => [r, drains.labels(r)]));
  for (const child of drainChildren.values()) child.inc(0);

  return {
    countRequest(probe, statusCode, kubeProbe) {
      cellOf(probe, statusCode, kubeProbe).pending++;
    },
    countDrain(result) {
      drainChildren.get(result)?.inc();
    },
  };
}
