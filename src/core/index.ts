/**
 * `podwarden/core`: the service runner alone — {@link Server},
 * BackgroundService, ServiceReadyNotifier, ShutdownWatch and the lifecycle
 * events — without the HTTP, metrics, logging and config layers (and their
 * dependencies), for programs that wire their own. Everything here is also
 * exported from `podwarden`.
 *
 * @packageDocumentation
 */
export type { BackgroundService } from './background-service.js';
export { serviceFromFunction } from './background-service.js';
export { ServiceReadyNotifier } from './ready-notifier.js';
export type { ShutdownWatch, ShutdownReason } from './shutdown-watch.js';
export { Server } from './server.js';
export type { ServiceHandle, CloseHook, ShutdownOptions } from './server.js';
export type { ServerOptionsInput, ServerConfig, ServiceOptionsInput, ServiceConfig, RestartPolicy, SignalSource } from './options.js';
export type { ExitReport, ServiceSnapshot } from './exit-report.js';
export type { HoldOutcome, HoldSnapshot, ReleaseHold } from './holds.js';
export type {
  LifecycleEvents,
  LifecycleListener,
  ServiceStateEvent,
  ServiceRestartEvent,
  ServiceStoppedEvent,
  PhaseEvent,
  SignalEvent,
  DrainEvent,
  DrainStateEvent,
  DeadlineEvent,
  HoldEvent,
  HoldWaitEvent,
} from './events.js';
export { serviceStates, serverPhases, probeKinds } from './states.js';
export type { ServiceState, ServerPhase, ProbeKind } from './states.js';
export type { Timestamp } from './clock.js';
export type { Duration } from './duration.js';
export { PodwardenError, isPodwardenError, errorCodes } from '../errors.js';
export type { PodwardenErrorCode } from '../errors.js';
