import { type Timestamp, elapsed } from './clock.js';
import type { HoldSnapshot } from './holds.js';
import type { ShutdownReason } from './shutdown-watch.js';
import type { ProbeKind, ServerPhase, ServiceState } from './states.js';

/** A service as it is now (live) or was at exit (in the {@link ExitReport}). Monotonic times give exact durations. */
export interface ServiceSnapshot {
  readonly name: string;
  readonly state: ServiceState;
  /** Why it is in this state, when there is a reason (failure, not-ready reason, blocking dependency). */
  readonly reason: string | undefined;
  readonly probes: readonly ProbeKind[];
  readonly dependencies: readonly string[];
  /** Current instance number (0 before the first start). */
  readonly instance: number;
  readonly restarts: number;
  /** True once the service has been ready (or completed) at least once. */
  readonly everReady: boolean;
  /** When it began waiting on its dependencies (at `run()`); for a service without dependencies, when it was launched. */
  readonly waitStartedAt: Timestamp | undefined;
  /** When its first instance started. */
  readonly startedAt: Timestamp | undefined;
  /** When it was first ready. */
  readonly readyAt: Timestamp | undefined;
  /** When the stop phase reached it: its watch fired then, or once the holds on it were released. */
  readonly stopRequestedAt: Timestamp | undefined;
  /** When its last instance returned during the stop phase. */
  readonly stoppedAt: Timestamp | undefined;
  /** `startedAt − waitStartedAt`, in milliseconds. */
  readonly dependencyWaitMs: number | undefined;
  /** `readyAt − startedAt`, in milliseconds. */
  readonly readyDurationMs: number | undefined;
  /** `stoppedAt − stopRequestedAt`, in milliseconds. */
  readonly stopDurationMs: number | undefined;
  /** True when it did not return within its stop timeout or the stop budget. */
  readonly overran: boolean;
}

/** What `server.run()` resolves with, once the server has terminated. */
export interface ExitReport {
  /** 0: all stopped cleanly; 1: a service failed or overran, a hold expired, or the hard deadline passed; 130: SIGINT. */
  readonly exitCode: 0 | 1 | 130;
  /** What started the shutdown. */
  readonly reason: ShutdownReason;
  /** Each phase the server entered, with when. */
  readonly phases: ReadonlyArray<{ readonly phase: ServerPhase; readonly at: Timestamp }>;
  readonly services: readonly ServiceSnapshot[];
  /** Services that did not return within their stop timeout or the stop budget. */
  readonly overran: readonly string[];
  /** Services that ended `failed` or `blocked`. */
  readonly failed: readonly string[];
  /** Milliseconds from the start of `stopping` to `terminated`. */
  readonly stopPhaseMs: number;
  /**
   * The holds the stop phase met (those still active when it reached their
   * server or service), with what became of each. Holds released before the
   * stop phase are not listed.
   */
  readonly holds: readonly HoldSnapshot[];
  /** Holds asked for once the stop phase had begun, and refused. */
  readonly refusedHolds: number;
}

/** What the {@link ExitReport} is made from when the server terminates. */
export interface ExitReportInput {
  readonly reason: ShutdownReason;
  readonly phases: ExitReport['phases'];
  readonly services: readonly ServiceSnapshot[];
  /** When the stop phase began; `undefined` when it never did. */
  readonly stopStartedAt: Timestamp | undefined;
  /** A SIGINT was received: exit 130 whatever else happened. */
  readonly sigint: boolean;
  /** The hard deadline passed: exit 1. */
  readonly deadlinePassed: boolean;
  readonly holds: readonly HoldSnapshot[];
  readonly refusedHolds: number;
}

/** The exit report: who overran, who failed, which holds expired, and the exit code those make. */
export function assembleExitReport(input: ExitReportInput): ExitReport {
  const { services } = input;
  const overran = services.filter((s) => s.overran).map((s) => s.name);
  const failed = services.filter((s) => s.state === 'failed' || s.state === 'blocked').map((s) => s.name);
  const expired = input.holds.some((h) => h.outcome === 'expired');
  const exitCode = input.sigint ? 130 : input.deadlinePassed || overran.length > 0 || failed.length > 0 || expired ? 1 : 0;
  return {
    exitCode,
    reason: input.reason,
    phases: [...input.phases],
    services,
    overran,
    failed,
    stopPhaseMs: input.stopStartedAt ? elapsed(input.stopStartedAt) : 0,
    holds: input.holds,
    refusedHolds: input.refusedHolds,
  };
}
