import type { Logger } from 'pino';
import type { CheckResults } from '../checks/check-result.js';
import type { Timestamp } from '../core/clock.js';
import type { Server } from '../core/server.js';
import type { HoldEvent } from '../core/events.js';
import type { ServiceState } from '../core/states.js';
import { logDefaults } from '../defaults.js';
import { logCheckFailures } from './check-log.js';
import { logExitReport } from './exit-log.js';
import { logThrottle } from './log-throttle.js';

/** Options of {@link logLifecycle}. */
export interface LifecycleLogOptions {
  /** Log failing checks: the first failure at `warn` with its error, then one line per 10 s while it keeps failing, and the recovery at `info`. */
  readonly checkResults?: CheckResults;
  /** Log the exit report and shutdown timeline when the server terminates (default `true`). */
  readonly exitReport?: boolean;
}

const stateLevel: Record<ServiceState, 'info' | 'warn' | 'error'> = {
  pending: 'info',
  starting: 'info',
  ready: 'info',
  'not-ready': 'warn',
  stopping: 'info',
  stopped: 'info',
  completed: 'info',
  failed: 'error',
  blocked: 'error',
};

const iso = (wall: number) => new Date(wall).toISOString();

/** `hold "reason"` or `hold "reason" on service x`. */
const holdName = (e: { reason: string; service: string | undefined }) => `hold "${e.reason}"${e.service === undefined ? '' : ` on service ${e.service}`}`;

/**
 * Log one event per lifecycle change: service state (with the service name),
 * restarts, phases, signals, the drain and its state file, each service's stop duration and
 * overrun, holds (taken and released at `debug`; refused, at most one line per 10 s, and
 * given up at `warn`; expired at `error`), the hard deadline, and the exit report with the shutdown timeline.
 * Probe requests are never logged. Returns the function that unsubscribes.
 */
export function logLifecycle(server: Server, logger: Logger, options: LifecycleLogOptions = {}): () => void {
  const holdFields = (e: HoldEvent) => ({ event: 'hold', kind: e.kind, reason: e.reason, service: e.service, active: e.active, heldMs: e.heldMs === undefined ? undefined : Math.round(e.heldMs), at: iso(e.at.wall) });
  // A program that takes a hold per request keeps asking during the stop phase: one line per window, with the count.
  const logRefusal = logThrottle(logDefaults.repeatInterval, (e: HoldEvent, count) =>
    logger.warn({ ...holdFields(e), count }, `${holdName(e)} refused: the stop phase has begun${count === 1 ? '' : ` (${count} refusals in the last ${logDefaults.repeatInterval / 1000}s)`}`),
  );
  const offs = [
    server.on('service-state', (e) => {
      const fields = { event: 'service-state', service: e.name, state: e.state, previous: e.previous, instance: e.instance, at: iso(e.at.wall) };
      const message = e.previous === e.state ? `service ${e.name}: ${e.state}: ${e.reason ?? ''}` : `service ${e.name}: ${e.previous} → ${e.state}`;
      logger[stateLevel[e.state]](e.reason === undefined ? fields : { ...fields, reason: e.reason }, message);
    }),
    server.on('service-restart', (e) => {
      logger.warn(
        { event: 'service-restart', service: e.name, restarts: e.restarts, delayMs: e.delayMs, reason: e.reason, at: iso(e.at.wall) },
        `service ${e.name}: restarting in ${e.delayMs}ms (restart ${e.restarts})`,
      );
    }),
    server.on('service-stopped', (e) => {
      const fields = { event: 'service-stopped', service: e.name, stopMs: Math.round(e.durationMs), overran: e.overran, at: iso(e.at.wall) };
      if (e.overran) logger.error(fields, `service ${e.name}: did not stop within its stop timeout or the stop budget (${Math.round(e.durationMs)}ms)`);
      else logger.info(fields, `service ${e.name}: stopped in ${Math.round(e.durationMs)}ms`);
    }),
    server.on('phase', (e) => {
      logger.info({ event: 'phase', phase: e.phase, previous: e.previous, reason: e.reason, at: iso(e.at.wall) }, `phase ${e.phase}`);
    }),
    server.on('signal', (e) => {
      logger.info({ event: 'signal', signal: e.signal, action: e.action, at: iso(e.at.wall) }, `${e.signal}: ${e.action} shutdown`);
    }),
    server.on('drain', (e) => {
      const fields = { event: 'drain', kind: e.kind, source: e.source, at: iso(e.at.wall) };
      if (e.kind === 'started') {
        const delayMs = e.drainEndsAt === undefined ? undefined : Math.round(e.drainEndsAt - e.at.mono);
        logger.info({ ...fields, drainDelayMs: delayMs }, `drain started by ${e.source}: /readyz fails from now`);
      } else if (e.kind === 'completed') {
        logger.info(fields, 'drain delay passed');
      } else if (e.source === 'app-restarted') {
        logger.warn(fields, 'drain.appCheck failed and is ready again before any SIGTERM: the app container was restarted, serving again');
      } else {
        logger.warn(fields, 'no shutdown followed the drain within drain.maxHold: serving again');
      }
    }),
    server.on('drain-state', (e) => {
      const fields = { event: 'drain-state', kind: e.kind, file: e.file, detail: e.detail, at: iso(e.at.wall) };
      if (e.kind === 'restored') logger.warn({ ...fields, holdEndsAt: e.holdEndsAt === undefined ? undefined : iso(e.holdEndsAt) }, `drain restored from ${e.file}: /readyz fails until the hold ends`);
      else if (e.kind === 'ignored') logger.warn(fields, `drain state file ${e.file} ignored: ${e.detail}`);
      else logger.warn(fields, `drain state not kept: ${e.detail}`);
    }),
    server.on('critical-failure', (e) => {
      logger.error(
        { event: 'critical-failure', service: e.name, reason: e.reason, restarts: e.restarts, at: iso(e.at.wall) },
        `critical service ${e.name} failed for good${e.reason === undefined ? '' : ` (${e.reason})`}: shutting down, exit code 1`,
      );
    }),
    server.on('hold', (e) => {
      if (e.kind === 'refused') logRefusal(e);
      else if (e.kind === 'expired') logger.error(holdFields(e), `${holdName(e)} still held when its time ran out`);
      else if (e.kind === 'abandoned') logger.warn(holdFields(e), `${holdName(e)} not waited for`);
      else logger.debug(holdFields(e), `${holdName(e)} ${e.kind}`);
    }),
    server.on('hold-wait', (e) => {
      const what = e.service === undefined ? 'the stop phase' : `service ${e.service}'s stop`;
      logger.info({ event: 'hold-wait', service: e.service, reasons: e.reasons, at: iso(e.at.wall) }, `${what} waits on ${e.reasons.length === 1 ? 'a hold' : `${e.reasons.length} holds`}: ${e.reasons.join(', ')}`);
    }),
    server.on('deadline', (e) => {
      logger.fatal({ event: 'deadline', waitingOn: e.waitingOn, at: iso(e.at.wall) }, `hard deadline passed; still waiting on ${e.waitingOn.join(', ') || 'nothing'}`);
    }),
  ];
  if (options.exitReport !== false) {
    const failedAt = new Map<string, Timestamp>();
    offs.push(
      server.on('service-state', (e) => {
        if (e.state === 'failed' || e.state === 'blocked') failedAt.set(e.name, e.at);
      }),
      server.on('terminated', (report) => logExitReport(logger, report, failedAt)),
    );
  }
  if (options.checkResults) offs.push(logCheckFailures(options.checkResults, logger));
  return () => {
    for (const off of offs) off();
  };
}
