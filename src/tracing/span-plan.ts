import { performance } from 'node:perf_hooks';
import type { Timestamp } from '../core/clock.js';
import type { ExitReport, ServiceSnapshot } from '../core/exit-report.js';
import type { ServerPhase } from '../core/states.js';

/** An attribute value a span carries. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

/** Something that happened inside a span, at a moment. */
export interface SpanPlanEvent {
  readonly name: string;
  /** Unix epoch milliseconds, fractional (from the monotonic clock). */
  readonly at: number;
  readonly attributes?: SpanAttributes;
}

/**
 * One span to record, with its children: the lifecycle as a tree of timed
 * steps, independent of any tracing library. Times are Unix epoch
 * milliseconds taken from the monotonic clock, so durations are exactly the
 * exit report's.
 */
export interface SpanPlan {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly attributes: SpanAttributes;
  readonly events: readonly SpanPlanEvent[];
  /** Set when the step failed: why. */
  readonly error?: string;
  readonly children: readonly SpanPlan[];
}

/** A state change or restart kept for a service's startup span. */
export interface ServiceMoment {
  readonly name: string;
  readonly at: Timestamp;
  readonly attributes: SpanAttributes;
}

/** The epoch time of a monotonic timestamp: exact differences, anchored like `Date.now()`. */
export function epochOf(at: Timestamp): number {
  return performance.timeOrigin + at.mono;
}

/** The timestamp whose {@link epochOf} is `epochMs`: for plans made from a log line or a probe answer, whose times are epoch milliseconds. */
export function timestampAt(epochMs: number): Timestamp {
  return { mono: epochMs - performance.timeOrigin, wall: epochMs };
}

/**
 * Whether entering `phase` ends the startup: `running` (every service
 * settled), or a shutdown's `stopping` or `terminated` before that, which
 * ends it with the services still unsettled. A drain does not.
 */
export function endsStartup(phase: ServerPhase): boolean {
  return phase === 'running' || phase === 'stopping' || phase === 'terminated';
}

const serviceAttribute = 'podwarden.service.name';

/**
 * The startup as a span tree: `podwarden.startup` from the `starting` phase
 * to `end` (when every service settled, or shutdown began), with a child per
 * service from when it began waiting on its dependencies to when it was first
 * ready (or failed, or `end`), and within it the dependency wait.
 */
export function startupPlan(startedAt: Timestamp, end: Timestamp, services: readonly ServiceSnapshot[], moments: ReadonlyMap<string, readonly ServiceMoment[]>): SpanPlan {
  const endMs = epochOf(end);
  const children = services.map((service) => serviceStartPlan(service, moments.get(service.name) ?? [], endMs));
  const failed = services.filter((s) => s.state === 'failed' || s.state === 'blocked').map((s) => s.name);
  return {
    name: 'podwarden.startup',
    start: epochOf(startedAt),
    end: endMs,
    attributes: { 'podwarden.services': services.length, 'podwarden.services.ready': services.filter((s) => s.everReady).length },
    events: [],
    ...(failed.length > 0 ? { error: `not ready: ${failed.join(', ')}` } : {}),
    children,
  };
}

function serviceStartPlan(service: ServiceSnapshot, moments: readonly ServiceMoment[], endMs: number): SpanPlan {
  const start = service.waitStartedAt ? epochOf(service.waitStartedAt) : endMs;
  const settledAt = service.readyAt ?? (service.state === 'failed' || service.state === 'blocked' ? moments.at(-1)?.at : undefined);
  const end = settledAt ? epochOf(settledAt) : endMs;
  const children: SpanPlan[] = [];
  if (service.dependencies.length > 0 && service.waitStartedAt) {
    children.push({
      name: `wait ${service.name}`,
      start,
      end: service.startedAt ? epochOf(service.startedAt) : end,
      attributes: { [serviceAttribute]: service.name, 'podwarden.service.dependencies': service.dependencies.join(',') },
      events: [],
      children: [],
    });
  }
  const notReady = !service.everReady;
  return {
    name: `start ${service.name}`,
    start,
    end,
    attributes: {
      [serviceAttribute]: service.name,
      'podwarden.service.state': service.state,
      'podwarden.service.restarts': service.restarts,
      ...(service.dependencyWaitMs !== undefined ? { 'podwarden.service.dependency_wait_ms': service.dependencyWaitMs } : {}),
      ...(service.readyDurationMs !== undefined ? { 'podwarden.service.ready_ms': service.readyDurationMs } : {}),
    },
    events: moments.map((m) => ({ name: m.name, at: epochOf(m.at), attributes: m.attributes })),
    ...(notReady ? { error: service.reason ?? service.state } : {}),
    children,
  };
}

/** Where the drain was when the shutdown began: its start and source, and when the delay ended. */
export interface DrainRecord {
  readonly source: string;
  readonly startedAt: Timestamp;
  readonly completedAt: Timestamp | undefined;
}

/**
 * The shutdown as a span tree: `podwarden.shutdown` from its start (the
 * drain's start, or the signal, or the stop phase) to `terminated`, with the
 * drain and a child per service stop, in the order they stopped; overruns are
 * errors.
 */
export function shutdownPlan(report: ExitReport, drain: DrainRecord | undefined, requestedAt: Timestamp | undefined): SpanPlan {
  const phaseAt = (phase: ServerPhase) => report.phases.findLast((p) => p.phase === phase)?.at;
  const terminatedAt = phaseAt('terminated');
  const stoppingAt = phaseAt('stopping');
  const startAt = drain?.startedAt ?? requestedAt ?? stoppingAt ?? terminatedAt;
  const end = terminatedAt ? epochOf(terminatedAt) : performance.timeOrigin + performance.now();
  const start = startAt ? epochOf(startAt) : end;
  const children: SpanPlan[] = [];
  if (drain) {
    children.push({
      name: 'podwarden.drain',
      start: epochOf(drain.startedAt),
      end: drain.completedAt ? epochOf(drain.completedAt) : stoppingAt ? epochOf(stoppingAt) : end,
      attributes: { 'podwarden.drain.source': drain.source, 'podwarden.drain.completed': drain.completedAt !== undefined },
      events: [],
      children: [],
    });
  }
  const stopped = report.services.filter((s) => s.stopRequestedAt !== undefined).sort((a, b) => (a.stoppedAt?.mono ?? Infinity) - (b.stoppedAt?.mono ?? Infinity));
  for (const service of stopped) {
    children.push({
      name: `stop ${service.name}`,
      start: epochOf(service.stopRequestedAt!),
      end: service.stoppedAt ? epochOf(service.stoppedAt) : end,
      attributes: {
        [serviceAttribute]: service.name,
        'podwarden.service.state': service.state,
        'podwarden.service.overran': service.overran,
        ...(service.stopDurationMs !== undefined ? { 'podwarden.service.stop_ms': service.stopDurationMs } : {}),
      },
      events: [],
      ...(service.overran ? { error: 'overran its stop timeout' } : {}),
      children: [],
    });
  }
  const problems = [...report.failed.map((n) => `${n} failed`), ...report.overran.map((n) => `${n} overran`)];
  return {
    name: 'podwarden.shutdown',
    start,
    end,
    attributes: {
      'podwarden.shutdown.reason': String(report.reason),
      'podwarden.exit_code': report.exitCode,
      'podwarden.stop_phase_ms': report.stopPhaseMs,
      ...(drain ? { 'podwarden.drain.source': drain.source } : {}),
    },
    events: report.phases.filter((p) => startAt === undefined || p.at.mono >= startAt.mono).map((p) => ({ name: p.phase, at: epochOf(p.at) })),
    ...(problems.length > 0 ? { error: problems.join(', ') } : {}),
    children,
  };
}
