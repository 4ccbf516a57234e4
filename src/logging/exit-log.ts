import type { Logger } from 'pino';
import type { Timestamp } from '../core/clock.js';
import type { ExitReport } from '../core/exit-report.js';

/** One service in the logged exit report. Durations in milliseconds (monotonic clock). */
export interface ExitLogService {
  readonly service: string;
  readonly state: string;
  readonly reason?: string;
  readonly restarts: number;
  readonly readyMs?: number;
  readonly stopMs?: number;
  readonly overran: boolean;
  /** The services it waited on, when it had any. */
  readonly dependsOn?: readonly string[];
  /** When each step happened, in milliseconds since the first phase (`timeline[0]`); what has not happened is left out. */
  readonly sinceStartMs: ExitLogServiceTimes;
}

/** A service's steps as offsets from the first phase: what `podwarden timeline` draws. */
export interface ExitLogServiceTimes {
  /** It began waiting on its dependencies. */
  readonly waitStarted?: number;
  /** Its first instance started. */
  readonly started?: number;
  /** It was first ready. */
  readonly ready?: number;
  /** The stop phase fired its watch. */
  readonly stopRequested?: number;
  /** Its last instance returned. */
  readonly stopped?: number;
  /** For a service that ended `failed` or `blocked`: when it last became so. */
  readonly failed?: number;
}

/** When each service last became `failed` or `blocked`: the exit report keeps no such time, the lifecycle log sees it happen. */
export type FailureMoments = ReadonlyMap<string, Timestamp>;

const round = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms));

/**
 * The exit report as a JSON-ready object: exit code, reason, the shutdown
 * timeline (each phase with its wall-clock time and its offset from the first
 * phase), the holds the stop phase met (what became of each, how long it
 * waited on it) and refused, and each service's state, readiness time, stop
 * duration, and the offsets of its start, readiness and stop (monotonic clock,
 * like the phases').
 * Unknown values are `undefined`, which JSON leaves out.
 */
export function exitReportFields(report: ExitReport, failedAt: FailureMoments = new Map()) {
  const first = report.phases[0]?.at.mono ?? 0;
  const since = (at: Timestamp | undefined) => (at === undefined ? undefined : Math.round(at.mono - first));
  return {
    exitCode: report.exitCode,
    reason: report.reason,
    stopPhaseMs: Math.round(report.stopPhaseMs),
    overran: report.overran,
    failed: report.failed,
    timeline: report.phases.map((p) => ({ phase: p.phase, at: new Date(p.at.wall).toISOString(), sinceStartMs: Math.round(p.at.mono - first) })),
    holds: report.holds.map((h) => ({ service: h.service, reason: h.reason, outcome: h.outcome, waitedMs: Math.round(h.waitedMs) })),
    refusedHolds: report.refusedHolds,
    services: report.services.map(
      (s): ExitLogService => ({
        service: s.name,
        state: s.state,
        reason: s.reason,
        restarts: s.restarts,
        readyMs: round(s.readyDurationMs),
        stopMs: round(s.stopDurationMs),
        overran: s.overran,
        dependsOn: s.dependencies.length > 0 ? s.dependencies : undefined,
        sinceStartMs: {
          waitStarted: since(s.waitStartedAt),
          started: since(s.startedAt),
          ready: since(s.readyAt),
          stopRequested: since(s.stopRequestedAt),
          stopped: since(s.stoppedAt),
          failed: s.state === 'failed' || s.state === 'blocked' ? since(failedAt.get(s.name)) : undefined,
        },
      }),
    ),
  };
}

/**
 * Log the exit report and the shutdown timeline: `info` on exit code 0,
 * `error` otherwise. `failedAt` adds when failed services failed
 * ({@link logLifecycle} passes it).
 */
export function logExitReport(logger: Logger, report: ExitReport, failedAt?: FailureMoments): void {
  const fields = { event: 'exit', ...exitReportFields(report, failedAt) };
  const problems = [
    ...report.failed.map((n) => `${n} failed`),
    ...report.overran.map((n) => `${n} overran`),
    ...report.holds.filter((h) => h.outcome === 'expired').map((h) => `hold "${h.reason}"${h.service === undefined ? '' : ` on ${h.service}`} expired`),
  ];
  const message = `terminated with exit code ${report.exitCode}${problems.length > 0 ? ` (${problems.join(', ')})` : ''}`;
  if (report.exitCode === 0 || report.exitCode === 130) logger.info(fields, message);
  else logger.error(fields, message);
}
