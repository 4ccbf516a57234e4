import type { CheckDetail, CheckDetails } from '../checks/check-details.js';
import { type Timestamp, now } from '../core/clock.js';
import type { Server } from '../core/server.js';
import type { ServerPhase, ServiceState } from '../core/states.js';
import { shutdownCheckName } from '../core/service-names.js';
import type { HealthEndpoint } from './health-endpoints.js';
import type { HealthState } from './health-state.js';
import { verdictOf } from './health-verdicts.js';

/** One check in a JSON probe answer. Times are ISO 8601 (wall clock); durations seconds (monotonic clock). */
export interface ReportCheck {
  readonly name: string;
  readonly status: 'ok' | 'failed';
  /** Why it fails (or, for `shutdown`, where the shutdown is); failure reasons only with `exposeDetails`. */
  readonly reason?: string;
  readonly state?: ServiceState;
  /** For the `shutdown` check: the server's phase. */
  readonly phase?: ServerPhase | 'not-started';
  readonly restarts?: number;
  /** When it began waiting on its dependencies (when the server starts; for a service without dependencies, when it was launched). */
  readonly waitStartedAt?: string;
  readonly startedAt?: string;
  readonly readyAt?: string;
  readonly readyDurationSeconds?: number;
  readonly dependencyWaitSeconds?: number;
  /** A built-in check's recent results and the thresholds in force; only with `exposeDetails`, once it has run. */
  readonly details?: ReportCheckDetails;
}

/** A built-in check's recent results, as a Spring Boot Actuator user would look for them. */
export interface ReportCheckDetails {
  readonly type: string;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  /** Why the last failed attempt failed; kept after a recovery, with `lastFailureAt`. */
  readonly lastError?: string;
  readonly lastDurationSeconds: number;
  /** The timing and thresholds in force, with kubelet's meanings. */
  readonly thresholds?: {
    readonly successThreshold: number;
    readonly failureThreshold: number;
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
  };
}

/** The shutdown part of a JSON probe answer. */
export interface ReportShutdown {
  readonly phase: ServerPhase | 'not-started';
  /** The configured drain delay. */
  readonly drainDelaySeconds: number;
  /** While draining: when the drain delay ends, and how long that is from now. */
  readonly drainEndsAt?: string;
  readonly drainLeftSeconds?: number;
  /** Once a shutdown began: when the hard deadline passes, and how long that is from now. */
  readonly deadlineAt?: string;
  readonly deadlineLeftSeconds?: number;
}

/** The JSON answer of `/livez`, `/readyz`, `/startupz` (and `/<endpoint>/<name>`) for `Accept: application/json`. */
export interface HealthReport {
  /** The endpoint answered (the field keeps the name clients already read). */
  readonly probe: HealthEndpoint;
  readonly status: 'ok' | 'failed';
  readonly phase: ServerPhase | 'not-started';
  readonly checks: readonly ReportCheck[];
  readonly shutdown: ReportShutdown;
  /** When this answer was made: the end of what is still in progress, on the server's clock. */
  readonly answeredAt: string;
}

const iso = (at: Timestamp | undefined) => (at === undefined ? undefined : new Date(at.wall).toISOString());
const secs = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms) / 1000);

/**
 * The JSON answer of `endpoint`: each check's state and timings, and the
 * phase with its deadlines. `name` narrows it to one check; `undefined` when
 * `name` is not one of `endpoint`'s. Failure reasons only with `exposeDetails`
 * (the `shutdown` check's phase is no secret); so are a built-in check's
 * details, read from `checkDetails` when given.
 */
export function healthReport(
  state: HealthState,
  exposeDetails: boolean,
  checkDetails: CheckDetails | undefined,
  endpoint: HealthEndpoint,
  exclude: readonly string[] | undefined,
  name?: string,
): { status: 200 | 503; body: HealthReport } | undefined {
  if (name !== undefined && !state.has(endpoint, name)) return undefined;
  const { server } = state;
  const names = name !== undefined ? [name] : state.namesOf(endpoint).filter((n) => !exclude?.includes(n));
  let failed = false;
  const checks = names.map((checkName): ReportCheck => {
    const { failure, detail } = verdictOf(state, endpoint, checkName);
    if (failure !== undefined) failed = true;
    const reason = failure ?? detail;
    return {
      name: checkName,
      status: failure === undefined ? 'ok' : 'failed',
      ...(checkName === shutdownCheckName ? { phase: server.phase ?? 'not-started' } : reportTimings(checkName, server)),
      ...(reason !== undefined && (exposeDetails || checkName === shutdownCheckName) ? { reason } : {}),
      ...detailsOf(exposeDetails ? checkDetails?.get(checkName) : undefined),
    };
  });
  const at = now();
  const body: HealthReport = { probe: endpoint, status: failed ? 'failed' : 'ok', phase: server.phase ?? 'not-started', checks, shutdown: reportShutdown(server, at), answeredAt: iso(at)! };
  return { status: failed ? 503 : 200, body };
}

/** A service's state and timings, read from its snapshot. */
function reportTimings(name: string, server: Server): Partial<ReportCheck> {
  const snapshot = server.service(name);
  if (!snapshot) return {};
  return dropUndefined({
    state: snapshot.state,
    restarts: snapshot.restarts,
    waitStartedAt: iso(snapshot.waitStartedAt),
    startedAt: iso(snapshot.startedAt),
    readyAt: iso(snapshot.readyAt),
    readyDurationSeconds: secs(snapshot.readyDurationMs),
    dependencyWaitSeconds: secs(snapshot.dependencyWaitMs),
  });
}

/** A check's details in the report's units: ISO times, seconds. */
function detailsOf(detail: CheckDetail | undefined): { details?: ReportCheckDetails } {
  if (detail === undefined) return {};
  const { timing } = detail;
  const details: ReportCheckDetails = dropUndefined({
    type: detail.type,
    consecutiveFailures: detail.consecutiveFailures,
    consecutiveSuccesses: detail.consecutiveSuccesses,
    lastSuccessAt: iso(detail.lastSuccessAt),
    lastFailureAt: iso(detail.lastFailureAt),
    lastError: detail.lastError,
    lastDurationSeconds: secs(detail.lastDurationMs)!,
    thresholds:
      timing === undefined
        ? undefined
        : { successThreshold: timing.successThreshold, failureThreshold: timing.failureThreshold, intervalSeconds: timing.interval / 1000, timeoutSeconds: timing.timeout / 1000 },
  });
  return { details };
}

/** The phase, the drain delay and the deadlines, as they are `at`. */
function reportShutdown(server: Server, at: Timestamp): ReportShutdown {
  const wallOf = (mono: number) => new Date(at.wall + (mono - at.mono)).toISOString();
  const drainEndsAt = server.drainEndsAt;
  const deadlineAt = server.deadlineAt;
  return dropUndefined({
    phase: server.phase ?? 'not-started',
    drainDelaySeconds: server.config.drainDelay / 1000,
    drainEndsAt: drainEndsAt === undefined ? undefined : wallOf(drainEndsAt),
    drainLeftSeconds: drainEndsAt === undefined ? undefined : secs(Math.max(0, drainEndsAt - at.mono)),
    deadlineAt: deadlineAt === undefined ? undefined : wallOf(deadlineAt),
    deadlineLeftSeconds: deadlineAt === undefined ? undefined : secs(Math.max(0, deadlineAt - at.mono)),
  });
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
