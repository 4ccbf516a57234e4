import { type Duration, toMilliseconds } from '../core/duration.js';
import { drainDefaults, httpDefaults } from '../defaults.js';
import { podwardenError } from '../errors.js';
import { sourceCheck } from './allow-from.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import type { EventLoopMonitor } from '../runtime/event-loop-monitor.js';
import type { CheckResults } from '../checks/check-result.js';

/** Where the HTTP layer writes the few things it logs (a refused `/drain`, a bind fallback). A pino logger fits. */
export interface HttpLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Options of the `podwarden` HTTP service. Durations are milliseconds, or strings in the duration grammar (`"250ms"`, `"1.5s"`, `"10m"`, `"1h"`, `"0"`); see {@link Duration}. */
export interface HttpOptionsInput {
  /** Health port (default {@link httpDefaults}`.port`; `0` picks a free port). */
  readonly port?: number;
  /** Address to bind (default {@link httpDefaults}`.host`: dual-stack, falling back to `0.0.0.0` where IPv6 is off). */
  readonly host?: string;
  /** Serve `/metrics` on this port instead of the health port (default: unset). */
  readonly metricsPort?: number | null;
  /** Show failure reasons in `?verbose` and JSON answers (default {@link httpDefaults}`.exposeDetails`). */
  readonly exposeDetails?: boolean;
  readonly eventLoop?: {
    /** Lag above this makes podwarden not ready (default {@link httpDefaults}`.maxLag`). */
    readonly maxLag?: Duration;
    /** Lag above `maxLag` for this long fails `/livez` (default {@link httpDefaults}`.livenessAfter`). */
    readonly livenessAfter?: Duration;
    /** How often the lag is sampled (default {@link httpDefaults}`.sampleInterval`). */
    readonly sampleInterval?: Duration;
  };
  readonly drain?: {
    /** Bearer token `/drain` requires (default: none). */
    readonly token?: string;
    /** Without a token, let anyone call `/drain` (default {@link drainDefaults}`.allowUnauthenticated`: 403). */
    readonly allowUnauthenticated?: boolean;
    /**
     * Accept `/drain` only from these sources, checked before the token:
     * IPv4/IPv6 addresses, CIDRs, or `hostIPs` (the addresses in `hostIPs`).
     * Loopback is always allowed once the list is set. Default: empty, no restriction.
     */
    readonly allowFrom?: readonly string[];
    /** The node's addresses, for the `hostIPs` entry of `allowFrom` (the CLI reads them from `PODWARDEN_HOST_IPS`). */
    readonly hostIPs?: readonly string[];
  };
  /** Connection limits of the health server; see docs/http.md. `/drain` is exempt from `connection`. */
  readonly timeouts?: {
    /** Close a socket idle this long (default {@link httpDefaults}`.connectionTimeout`). */
    readonly connection?: Duration;
    /** Time to receive a whole request (default {@link httpDefaults}`.requestTimeout`). */
    readonly request?: Duration;
    /** Time to receive the request headers (default {@link httpDefaults}`.headersTimeout`; at most `request`). */
    readonly headers?: Duration;
    /** Keep an idle keep-alive connection this long (default {@link httpDefaults}`.keepAliveTimeout`). */
    readonly keepAlive?: Duration;
  };
  /**
   * The monitor whose verdict makes `podwarden` not ready (default: one made
   * from `eventLoop`). Pass the one the metrics read, so both see the same lag.
   */
  readonly eventLoopMonitor?: EventLoopMonitor;
  /** Metrics to serve on `/metrics` and to count requests in. */
  readonly metrics?: PodwardenMetrics;
  /** The built-in checks' results: with `exposeDetails`, JSON answers show each check's last error, last success and thresholds. */
  readonly checkResults?: CheckResults;
  readonly log?: HttpLog;
}

/** {@link HttpOptionsInput} after defaults, in milliseconds. */
export interface HttpConfig {
  readonly port: number;
  readonly host: string;
  readonly metricsPort: number | undefined;
  readonly exposeDetails: boolean;
  readonly maxLag: number;
  readonly livenessAfter: number;
  readonly sampleInterval: number;
  readonly drainToken: string | undefined;
  readonly allowUnauthenticated: boolean;
  /** `drain.allowFrom` as given (checked); empty: no restriction. */
  readonly drainAllowFrom: readonly string[];
  /** The addresses `hostIPs` in `drainAllowFrom` stands for. */
  readonly hostIPs: readonly string[] | undefined;
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly headersTimeout: number;
  readonly keepAliveTimeout: number;
}

/** The HTTP layer's defaults, stated in `src/defaults.ts`. */
export { httpDefaults };

function port(value: number | null | undefined, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `${JSON.stringify(value)} is not a port (0–65535)`);
  return value;
}

/** Apply defaults to the HTTP options and reject conflicting ones. */
export function resolveHttpOptions(input: HttpOptionsInput = {}): HttpConfig {
  const ms = (value: Duration | undefined, fallback: number, where: string) => (value === undefined ? fallback : toMilliseconds(value, where));
  const healthPort = port(input.port, 'server.port') ?? httpDefaults.port;
  const metricsPort = port(input.metricsPort, 'server.metricsPort');
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === healthPort) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'server.metricsPort', `must differ from server.port (${healthPort}); leave it unset to serve /metrics on the health port`);
  }
  const host = input.host ?? httpDefaults.host;
  if (typeof host !== 'string' || host === '') throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'server.host', 'must be an address or host name');
  const token = input.drain?.token;
  if (token !== undefined && (typeof token !== 'string' || token.trim() === '')) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'drain.token', 'is empty; set a token or leave it unset');
  }
  const drainAllowFrom = input.drain?.allowFrom ?? [];
  // Built here only to refuse a bad entry at setup; the route builds its own.
  sourceCheck(drainAllowFrom, input.drain?.hostIPs);
  const requestTimeout = ms(input.timeouts?.request, httpDefaults.requestTimeout, 'timeouts.request');
  const headersTimeout = ms(input.timeouts?.headers, Math.min(httpDefaults.headersTimeout, requestTimeout), 'timeouts.headers');
  if (headersTimeout > requestTimeout) throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'timeouts.headers', 'must not exceed timeouts.request');
  if (input.eventLoopMonitor !== undefined && input.eventLoop !== undefined) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'eventLoop', 'give either eventLoop thresholds or an eventLoopMonitor (made with them), not both');
  }
  const maxLag = ms(input.eventLoop?.maxLag, httpDefaults.maxLag, 'server.eventLoop.maxLag');
  const sampleInterval = ms(input.eventLoop?.sampleInterval, httpDefaults.sampleInterval, 'server.eventLoop.sampleInterval');
  if (sampleInterval <= 0) throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'server.eventLoop.sampleInterval', 'must be above 0');
  return {
    port: healthPort,
    host,
    metricsPort,
    exposeDetails: input.exposeDetails ?? httpDefaults.exposeDetails,
    maxLag,
    livenessAfter: ms(input.eventLoop?.livenessAfter, httpDefaults.livenessAfter, 'server.eventLoop.livenessAfter'),
    sampleInterval,
    drainToken: token?.trim(),
    allowUnauthenticated: input.drain?.allowUnauthenticated ?? drainDefaults.allowUnauthenticated,
    drainAllowFrom,
    hostIPs: input.drain?.hostIPs,
    connectionTimeout: ms(input.timeouts?.connection, httpDefaults.connectionTimeout, 'timeouts.connection'),
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: ms(input.timeouts?.keepAlive, httpDefaults.keepAliveTimeout, 'timeouts.keepAlive'),
  };
}
