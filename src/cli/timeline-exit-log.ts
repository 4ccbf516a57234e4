import type { ExitReport } from '../core/exit-report.js';
import type { ShutdownReason } from '../core/shutdown-watch.js';
import { type ServerPhase, serverPhases } from '../core/states.js';
import { type DrainRecord, type ServiceMoment, endsStartup, shutdownPlan, startupPlan, timestampAt } from '../tracing/span-plan.js';
import { TimelineInputError, numberOf, objectOf, snapshotOf, stringOf } from './timeline-input.js';
import type { Timeline } from './waterfall.js';

/** What a podwarden log holds for a timeline: its last `exit` line, and the drain that preceded it. */
export interface ExitLogScan {
  readonly exit: Record<string, unknown> | undefined;
  /** Who started the drain of that run (`SIGTERM`, `drain-endpoint`, …), from its `drain` line. */
  readonly drainSource: string | undefined;
  readonly exitLines: number;
  readonly lines: number;
}

/**
 * Read a podwarden log line by line and keep its last `exit` line. Lines may
 * carry a prefix before the JSON (`kubectl logs --timestamps`, `--prefix`);
 * lines that are not podwarden's are skipped.
 */
export async function scanExitLog(lines: AsyncIterable<string>): Promise<ExitLogScan> {
  let exit: Record<string, unknown> | undefined;
  let drainSource: string | undefined;
  let pendingDrain: string | undefined;
  let exitLines = 0;
  let count = 0;
  for await (const line of lines) {
    count++;
    const brace = line.indexOf('{"');
    if (brace === -1) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(brace));
    } catch {
      continue;
    }
    const fields = objectOf(value);
    if (fields?.event === 'drain' && fields.kind === 'started') pendingDrain = stringOf(fields.source);
    else if (fields?.event === 'exit') {
      exit = fields;
      drainSource = pendingDrain;
      pendingDrain = undefined;
      exitLines++;
    }
  }
  return { exit, drainSource, exitLines, lines: count };
}

const howToGetOne = 'pipe in the log of a podwarden that has exited, e.g. `kubectl logs POD -c podwarden --previous | podwarden timeline`, or ask a running one with --url';
const phases: ReadonlySet<string> = new Set(serverPhases);

/** The exit line's shutdown timeline: each phase with its offset from the first, and when the first was (epoch ms). */
function readPhases(exit: Record<string, unknown>): { origin: number; phases: Array<{ phase: ServerPhase; offset: number }> } {
  const timeline = Array.isArray(exit.timeline) ? exit.timeline.map(objectOf) : [];
  const origin = Date.parse(stringOf(timeline[0]?.at) ?? '');
  const read = timeline.map((entry) => ({ phase: stringOf(entry?.phase) ?? '', offset: numberOf(entry?.sinceStartMs) }));
  if (Number.isNaN(origin) || read.some((p) => !phases.has(p.phase) || p.offset === undefined)) {
    throw new TimelineInputError(`the exit line has no readable "timeline" (each phase with "phase", "at" and "sinceStartMs"): is it podwarden's? ${howToGetOne}`);
  }
  return { origin, phases: read as Array<{ phase: ServerPhase; offset: number }> };
}

/** The drain the shutdown began with: the last `draining` that no un-drain (back to `running`) followed. */
function drainOf(phaseList: ExitReport['phases'], source: string | undefined): DrainRecord | undefined {
  const index = phaseList.findLastIndex((p) => p.phase === 'draining');
  if (index === -1) return undefined;
  const after = phaseList.slice(index + 1);
  if (after.some((p) => p.phase === 'running' || p.phase === 'starting')) return undefined;
  return { source: source ?? 'unknown', startedAt: phaseList[index]!.at, completedAt: after.find((p) => p.phase === 'drained')?.at };
}

/**
 * The startup and shutdown plans of the run an `exit` line reports, made by
 * the functions that make the traces: its phases and each service's
 * `sinceStartMs` offsets become the timestamps the runner had.
 */
export function timelineFromExitLog(scan: ExitLogScan): Timeline {
  const { exit } = scan;
  if (exit === undefined) throw new TimelineInputError(`no "exit" event in the ${scan.lines} lines read from stdin: podwarden logs one when it terminates; ${howToGetOne}`);
  const { origin, phases: read } = readPhases(exit);
  const when = (offset: number | undefined) => (offset === undefined ? undefined : origin + offset);
  const failures = new Map<string, ServiceMoment[]>();
  const services = (Array.isArray(exit.services) ? exit.services : []).map((value: unknown) => {
    const s = objectOf(value) ?? {};
    const times = objectOf(s.sinceStartMs);
    const name = stringOf(s.service) ?? '?';
    if (times === undefined) {
      throw new TimelineInputError(`the exit line's service ${JSON.stringify(name)} has no "sinceStartMs" (when it started, became ready and stopped): the log is from a podwarden older than this command; run its own version's tools, or upgrade it`);
    }
    const failedAt = when(numberOf(times.failed));
    // The failure ends its startup span, as the moment the runner saw does in a trace.
    if (failedAt !== undefined) failures.set(name, [{ name: String(s.state), at: timestampAt(failedAt), attributes: {} }]);
    return snapshotOf({
      name,
      state: stringOf(s.state) ?? '',
      reason: stringOf(s.reason),
      dependencies: Array.isArray(s.dependsOn) ? s.dependsOn.map(String) : [],
      restarts: numberOf(s.restarts) ?? 0,
      waitStartedAt: when(numberOf(times.waitStarted)),
      startedAt: when(numberOf(times.started)),
      readyAt: when(numberOf(times.ready)),
      stopRequestedAt: when(numberOf(times.stopRequested)),
      stoppedAt: when(numberOf(times.stopped)),
      dependencyWaitMs: undefined,
      readyDurationMs: numberOf(s.readyMs),
      stopDurationMs: numberOf(s.stopMs),
      overran: s.overran === true,
    });
  });
  const phaseList = read.map((p) => ({ phase: p.phase, at: timestampAt(origin + p.offset) }));
  const first = phaseList[0]!;
  const startupEnd = phaseList.find((p) => endsStartup(p.phase)) ?? phaseList.at(-1)!;
  const names = (key: string) => (Array.isArray(exit[key]) ? (exit[key] as unknown[]).map(String) : []);
  const exitCode = numberOf(exit.exitCode);
  const report: ExitReport = {
    exitCode: exitCode === 0 || exitCode === 1 || exitCode === 130 ? exitCode : 1,
    reason: (stringOf(exit.reason) ?? 'unknown') as ShutdownReason,
    phases: phaseList,
    services,
    overran: names('overran'),
    failed: names('failed'),
    stopPhaseMs: numberOf(exit.stopPhaseMs) ?? 0,
    // The waterfall draws no holds: the exit line gives how long each was waited on, not when it was taken.
    holds: [],
    refusedHolds: numberOf(exit.refusedHolds) ?? 0,
  };
  const notes = scan.exitLines > 1 ? [`stdin held ${scan.exitLines} exit lines (one per run): this is the last run.`] : [];
  return {
    source: `podwarden's exit log: exit code ${report.exitCode} at ${new Date(origin + read.at(-1)!.offset).toISOString()}`,
    startup: startupPlan(first.at, startupEnd.at, services, failures),
    shutdown: shutdownPlan(report, drainOf(phaseList, scan.drainSource), undefined),
    notes,
  };
}
