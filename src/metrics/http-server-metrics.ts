import type { Registry } from 'prom-client';
import { type Series, counterFamily, gaugeFamily } from './family.js';

/** What a tracked server counts at stop. */
export interface HttpServerStopCounter {
  /** Count the connections and requests a stop cut. */
  cut(connections: number, requests: number): void;
}

/** The families of the app's own HTTP servers (`httpServerService`). */
export interface HttpServerMetrics {
  /**
   * Follow the server of service `name`: its requests in flight are read
   * from `inFlight` at scrape time. Returns where its stop counts what it cut.
   */
  track(name: string, inFlight: () => number): HttpServerStopCounter;
}

/**
 * `http_server_requests_in_flight{name}` (read at scrape time),
 * `http_server_connections_cut_total{name}` and
 * `http_server_requests_cut_total{name}` (what a stop closed because its
 * `stopTimeout` ran out), one series per service.
 */
export function httpServerMetrics(registry: Registry, config: { readonly prefix: string }): HttpServerMetrics {
  const { prefix } = config;
  const sources = new Map<string, { readonly series: Series; readonly read: () => number }>();
  const inFlight = gaugeFamily(registry, {
    name: `${prefix}http_server_requests_in_flight`,
    help: 'Requests the HTTP server of the service is answering now.',
    labelNames: ['name'],
    collect: () => {
      for (const source of sources.values()) source.series.set(source.read());
    },
  });
  const connectionsCut = counterFamily(registry, {
    name: `${prefix}http_server_connections_cut_total`,
    help: 'Connections the HTTP server of the service closed at stop because its stopTimeout ran out.',
    labelNames: ['name'],
  });
  const requestsCut = counterFamily(registry, {
    name: `${prefix}http_server_requests_cut_total`,
    help: 'Requests in flight when the HTTP server of the service closed its connections at stop.',
    labelNames: ['name'],
  });
  return {
    track(name, read) {
      sources.set(name, { series: inFlight.labels(name), read });
      const connections = connectionsCut.labels(name);
      const requests = requestsCut.labels(name);
      return {
        cut(c, r) {
          connections.inc(c);
          requests.inc(r);
        },
      };
    },
  };
}
