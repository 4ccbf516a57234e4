import type { Logger } from 'pino';
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
}

const round = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms));

/**
 * The exit report as a JSON-ready object: exit code, reason, the shutdown
 * timeline (each phase with its wall-clock time and its offset from the first
 * phase), the holds the stop phase met (what became of each, how long it
 * waited on it) and refused, and each service's state, readiness time and stop duration.
 * Unknown values are `undefined`, which JSON leaves out.
 */
export function exitReportFields(report: ExitReport) {
  const first = report.phases[0]?.at.mono ?? 0;
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
      }),
    ),
  };
}

/** Log the exit report and the shutdown timeline: `info` on exit code 0, `error` otherwise. */
export function logExitReport(logger: Logger, report: ExitReport): void {
  const fields = { event: 'exit', ...exitReportFields(report) };
  const problems = [
    ...report.failed.map((n) => `${n} failed`),
    ...report.overran.map((n) => `${n} overran`),
    ...report.holds.filter((h) => h.outcome === 'expired').map((h) => `hold "${h.reason}"${h.service === undefined ? '' : ` on ${h.service}`} expired`),
  ];
  const message = `terminated with exit code ${report.exitCode}${problems.length > 0 ? ` (${problems.join(', ')})` : ''}`;
  if (report.exitCode === 0 || report.exitCode === 130) logger.info(fields, message);
  else logger.error(fields, message);
}
