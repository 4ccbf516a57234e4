import type { Server } from '../core/server.js';
import { drainDefaults, httpDefaults } from '../defaults.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import type { CheckResults } from '../checks/check-result.js';
import { sourceCheck } from './allow-from.js';
import { type Endpoints, createEndpoints } from './endpoints.js';
import type { HttpLog, HttpOptionsInput } from './options.js';

/** Options of the adapters that serve podwarden's endpoints from an app's own HTTP server (fastify, Express/connect, plain `node:http`). */
export interface PodwardenEndpointsOptions {
  /** The server whose state the endpoints show and whose drain `/drain` joins. */
  readonly server: Server;
  /** Show failure reasons and check details in `?verbose` and JSON answers (default {@link httpDefaults}`.exposeDetails`). */
  readonly exposeDetails?: boolean;
  /** `/drain`'s guards, as in {@link HttpOptionsInput} `drain`. */
  readonly drain?: Pick<NonNullable<HttpOptionsInput['drain']>, 'token' | 'allowUnauthenticated' | 'allowFrom' | 'hostIPs'>;
  /** Count the adapter's requests in these metrics and, unless `metricsRoute` is false, serve them on `/metrics`. */
  readonly metrics?: PodwardenMetrics;
  /** Serve `/metrics` (default `true` when `metrics` is given). */
  readonly metricsRoute?: boolean;
  /** The built-in checks' results: with `exposeDetails`, JSON answers show each check's last error, last success and thresholds. */
  readonly checkResults?: CheckResults;
  readonly log?: HttpLog;
}

/** The endpoints an adapter serves, with the adapter options' defaults applied. */
export function adapterEndpoints(options: PodwardenEndpointsOptions): Endpoints {
  return createEndpoints({
    server: options.server,
    health: {
      exposeDetails: options.exposeDetails ?? httpDefaults.exposeDetails,
      drain: {
        token: options.drain?.token,
        allowUnauthenticated: options.drain?.allowUnauthenticated ?? drainDefaults.allowUnauthenticated,
        sourceCheck: sourceCheck(options.drain?.allowFrom, options.drain?.hostIPs),
      },
      checkResults: options.checkResults,
    },
    metrics: options.metrics,
    serveMetrics: options.metricsRoute !== false,
    log: options.log,
  });
}
