import { drainDefaults, serviceDefaults, shutdownDefaults } from '../defaults.js';
import { podwardenError } from '../errors.js';
import { type Duration, toMilliseconds } from './duration.js';
import { type ProbeKind, probeKinds } from './states.js';

/** Where the server listens for process signals; `process` by default. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options for `new Server(options)`. Durations are milliseconds, or strings in the duration grammar (`"250ms"`, `"1.5s"`, `"10m"`, `"1h"`, `"0"`); see {@link Duration}. */
export interface ServerOptionsInput {
  readonly shutdown?: {
    /** How long readiness fails before services stop (default {@link shutdownDefaults}`.drainDelay`). */
    readonly drainDelay?: Duration;
    /** Budget for the whole stop phase (default {@link shutdownDefaults}`.stopBudget`). */
    readonly stopBudget?: Duration;
    /** Default per-service stop timeout (default {@link shutdownDefaults}`.stopTimeout`). */
    readonly stopTimeout?: Duration;
    /** Budget for the stop phase of a fast shutdown (SIGINT, second signal; default `2s`). */
    readonly fastStopBudget?: Duration;
  };
  readonly drain?: {
    /** Un-drain when no shutdown follows a completed drain within this time (default {@link drainDefaults}`.maxHold`). */
    readonly maxHold?: Duration;
    /**
     * The service that checks the app container. When it goes from `not-ready`
     * or `failed` to `ready` after a completed drain, before any shutdown began,
     * the app container was restarted (a liveness restart): the drain is let go
     * at once. `run()` rejects when no such service is registered. Default: unset.
     */
    readonly appCheck?: string;
    /**
     * Record the drain in this file, so a restarted process starts drained
     * for what is left of `maxHold`. Default: unset (not recorded).
     */
    readonly stateFile?: string;
  };
  /** Install SIGTERM/SIGINT handlers when `run()` starts (default `true`). */
  readonly handleSignals?: boolean;
  /** Where signals come from (default `process`); tests pass an emitter. */
  readonly signals?: SignalSource;
  /**
   * Called with exit code 1 when the hard deadline passes (remaining drain +
   * `stopBudget` + 1 s after SIGTERM). The library never exits the process on
   * its own; the CLI passes `process.exit`.
   */
  readonly exit?: (code: number) => void;
}

/** {@link ServerOptionsInput} after defaults, in milliseconds. */
export interface ServerConfig {
  readonly drainDelay: number;
  readonly stopBudget: number;
  readonly stopTimeout: number;
  readonly fastStopBudget: number;
  readonly maxHold: number;
  readonly appCheck: string | undefined;
  readonly stateFile: string | undefined;
  readonly handleSignals: boolean;
  readonly signals: SignalSource;
  readonly exit: ((code: number) => void) | undefined;
}

/** Restart policies for a service whose instance fails. */
export const restartPolicies = ['never', 'on-failure'] as const;

/** Restart policy for a service whose instance fails. */
export type RestartPolicy = (typeof restartPolicies)[number];

/** Per-service options for `server.addService(service, options)`. */
export interface ServiceOptionsInput {
  /** Fail the service when it is not ready this long after it began waiting (dependencies included). Unset: wait forever. */
  readonly readyTimeout?: Duration;
  /** How long the service may take to return once its watch fires (default: the server's `stopTimeout`). */
  readonly stopTimeout?: Duration;
  /** `never` (default) or `on-failure`: restart with capped exponential backoff. */
  readonly restart?: RestartPolicy;
  /** Backoff between restarts: starts at `initial`, doubles, capped at `max` (defaults {@link serviceDefaults}`.backoffInitial` and `.backoffMax`). */
  readonly restartBackoff?: { readonly initial?: Duration; readonly max?: Duration };
  /** Which aggregate probes the service counts in (default {@link serviceDefaults}`.probes`). */
  readonly probes?: readonly ProbeKind[];
  /**
   * End the process (exit code 1) when this service fails for good: it failed
   * and will not be restarted (`restart: 'never'`, or `maxRestarts` spent), or
   * it was not ready within its `readyTimeout`. Default {@link serviceDefaults}`.critical`.
   */
  readonly critical?: boolean;
  /** With `restart: 'on-failure'`: restarts allowed before a failure is for good (default: no limit). */
  readonly maxRestarts?: number;
}

/** {@link ServiceOptionsInput} after defaults, in milliseconds. */
export interface ServiceConfig {
  readonly readyTimeout: number | undefined;
  readonly stopTimeout: number;
  readonly restart: RestartPolicy;
  readonly backoffInitial: number;
  readonly backoffMax: number;
  readonly probes: ReadonlySet<ProbeKind>;
  readonly critical: boolean;
  /** `undefined`: no limit. */
  readonly maxRestarts: number | undefined;
}

function optionalText(value: string | undefined, where: string, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `must be ${what}, or left unset`);
  return value;
}

/** Apply defaults to server options and reject conflicting ones. */
export function resolveServerOptions(input: ServerOptionsInput = {}): ServerConfig {
  const ms = (value: Duration | undefined, fallback: number, where: string) =>
    value === undefined ? fallback : toMilliseconds(value, where);
  return {
    drainDelay: ms(input.shutdown?.drainDelay, shutdownDefaults.drainDelay, 'shutdown.drainDelay'),
    stopBudget: ms(input.shutdown?.stopBudget, shutdownDefaults.stopBudget, 'shutdown.stopBudget'),
    stopTimeout: ms(input.shutdown?.stopTimeout, shutdownDefaults.stopTimeout, 'shutdown.stopTimeout'),
    fastStopBudget: ms(input.shutdown?.fastStopBudget, shutdownDefaults.fastStopBudget, 'shutdown.fastStopBudget'),
    maxHold: ms(input.drain?.maxHold, drainDefaults.maxHold, 'drain.maxHold'),
    appCheck: optionalText(input.drain?.appCheck, 'drain.appCheck', 'a service name'),
    stateFile: optionalText(input.drain?.stateFile, 'drain.stateFile', 'a file path'),
    handleSignals: input.handleSignals ?? true,
    signals: input.signals ?? process,
    exit: input.exit,
  };
}

/** Apply defaults to one service's options and reject conflicting ones. */
export function resolveServiceOptions(name: string, input: ServiceOptionsInput, server: ServerConfig): ServiceConfig {
  const where = (field: string) => `${field} of service "${name}"`;
  const restart = input.restart ?? serviceDefaults.restart;
  if (!restartPolicies.includes(restart)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('restart'), `"${String(restart)}" is not one of ${restartPolicies.map((p) => `"${p}"`).join(', ')}`);
  }
  const probes = input.probes ?? serviceDefaults.probes;
  for (const probe of probes) {
    if (!probeKinds.includes(probe)) {
      throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('probes'), `"${String(probe)}" is not one of ${probeKinds.join(', ')}`);
    }
  }
  const backoffInitial =
    input.restartBackoff?.initial === undefined ? serviceDefaults.backoffInitial : toMilliseconds(input.restartBackoff.initial, where('restartBackoff.initial'));
  const backoffMax =
    input.restartBackoff?.max === undefined ? Math.max(serviceDefaults.backoffMax, backoffInitial) : toMilliseconds(input.restartBackoff.max, where('restartBackoff.max'));
  if (backoffMax < backoffInitial) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('restartBackoff'), 'max must be at least initial');
  }
  const { maxRestarts } = input;
  if (maxRestarts !== undefined && (!Number.isInteger(maxRestarts) || maxRestarts < 0)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('maxRestarts'), `${JSON.stringify(maxRestarts)} must be a whole number of restarts, 0 or more`);
  }
  if (maxRestarts !== undefined && restart !== 'on-failure') {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('maxRestarts'), 'limits restarts, so it needs restart: on-failure');
  }
  const critical = input.critical ?? serviceDefaults.critical;
  if (typeof critical !== 'boolean') throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('critical'), 'must be true or false');
  return {
    readyTimeout: input.readyTimeout === undefined ? undefined : toMilliseconds(input.readyTimeout, where('readyTimeout')),
    stopTimeout: input.stopTimeout === undefined ? server.stopTimeout : toMilliseconds(input.stopTimeout, where('stopTimeout')),
    restart,
    backoffInitial,
    backoffMax,
    probes: new Set(probes),
    critical,
    maxRestarts,
  };
}
