import type { ServiceSnapshot } from '../core/exit-report.js';
import { serviceStates, type ServiceState } from '../core/states.js';
import { timestampAt } from '../tracing/span-plan.js';

/** Input `podwarden timeline` cannot draw: what is missing or wrong, and how to get what it needs. Exit code 1. */
export class TimelineInputError extends Error {
  override readonly name = 'TimelineInputError';
}

/** A service's times as read from a log line or a probe answer: epoch milliseconds. */
export interface ReadService {
  readonly name: string;
  readonly state: string;
  readonly reason: string | undefined;
  readonly dependencies: readonly string[];
  readonly restarts: number;
  readonly waitStartedAt: number | undefined;
  readonly startedAt: number | undefined;
  readonly readyAt: number | undefined;
  readonly stopRequestedAt: number | undefined;
  readonly stoppedAt: number | undefined;
  /** The durations as podwarden measured them (monotonic clock), when the input has them. */
  readonly dependencyWaitMs: number | undefined;
  readonly readyDurationMs: number | undefined;
  readonly stopDurationMs: number | undefined;
  readonly overran: boolean;
}

const states: ReadonlySet<string> = new Set(serviceStates);
const at = (ms: number | undefined) => (ms === undefined ? undefined : timestampAt(ms));
const between = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? undefined : to - from);

/** The snapshot the span plans are made from, as the server would have reported it. */
export function snapshotOf(read: ReadService): ServiceSnapshot {
  if (!states.has(read.state)) throw new TimelineInputError(`service ${JSON.stringify(read.name)} has the unknown state ${JSON.stringify(read.state)}`);
  return {
    name: read.name,
    state: read.state as ServiceState,
    reason: read.reason,
    probes: [],
    dependencies: read.dependencies,
    instance: read.startedAt === undefined ? 0 : 1 + read.restarts,
    restarts: read.restarts,
    everReady: read.readyAt !== undefined,
    waitStartedAt: at(read.waitStartedAt),
    startedAt: at(read.startedAt),
    readyAt: at(read.readyAt),
    stopRequestedAt: at(read.stopRequestedAt),
    stoppedAt: at(read.stoppedAt),
    dependencyWaitMs: read.dependencyWaitMs ?? between(read.waitStartedAt, read.startedAt),
    readyDurationMs: read.readyDurationMs ?? between(read.startedAt, read.readyAt),
    stopDurationMs: read.stopDurationMs ?? between(read.stopRequestedAt, read.stoppedAt),
    overran: read.overran,
  };
}

/** A plain object, or `undefined`. */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
export const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
