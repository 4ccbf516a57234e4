import { podwardenError } from '../errors.js';
import type { ServiceReadyNotifier } from './ready-notifier.js';
import { serviceNamePattern, serviceNameRule } from './service-names.js';
import type { ShutdownWatch } from './shutdown-watch.js';

/**
 * A long-running task run by the {@link Server}, as in Pingora.
 *
 * Implement `start` (ready as soon as it starts) or `startWithReadyNotifier`
 * (ready when it calls `ready.notifyReady()`), not both. Return when the
 * shutdown watch fires. Returning earlier marks the service `completed` (a
 * one-shot job such as a migration); throwing or rejecting marks it `failed`.
 */
export interface BackgroundService {
  /** Unique name; used in probes (`/readyz/<name>`), metrics (`name` label) and logs. */
  readonly name: string;
  /** Run until `shutdown` fires. The service counts as ready as soon as this is called. */
  start?(shutdown: ShutdownWatch): Promise<void> | void;
  /** Run until `shutdown` fires, calling `ready.notifyReady()` once initialised. */
  startWithReadyNotifier?(shutdown: ShutdownWatch, ready: ServiceReadyNotifier): Promise<void> | void;
}

/** Reject services that implement neither or both start methods, or have no usable name. */
export function assertBackgroundService(service: BackgroundService): void {
  const label = typeof service?.name === 'string' ? `"${service.name}"` : '(unnamed)';
  if (!service || typeof service.name !== 'string' || !serviceNamePattern.test(service.name)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_SERVICE', label, `name must be ${serviceNameRule}`);
  }
  const method = startMethodOf(service);
  if (method === 'none' || method === 'both') {
    throw podwardenError(
      'PODWARDEN_ERR_INVALID_SERVICE',
      label,
      method === 'both' ? 'implement start() or startWithReadyNotifier(), not both' : 'implement start() or startWithReadyNotifier()',
    );
  }
}

/**
 * Which start method `value` implements: `start` or `startWithReadyNotifier`
 * for a service; `none` for a value that is not one; `both` for one that
 * implements two (a service implements exactly one).
 */
export function startMethodOf(value: unknown): 'start' | 'startWithReadyNotifier' | 'none' | 'both' {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return 'none';
  const hasStart = typeof (value as BackgroundService).start === 'function';
  const hasNotifier = typeof (value as BackgroundService).startWithReadyNotifier === 'function';
  if (hasStart && hasNotifier) return 'both';
  return hasStart ? 'start' : hasNotifier ? 'startWithReadyNotifier' : 'none';
}

/**
 * Run one instance: Pingora's default `startWithReadyNotifier` notifies ready at
 * once and then calls `start`.
 */
export async function runService(
  service: BackgroundService,
  shutdown: ShutdownWatch,
  ready: ServiceReadyNotifier,
): Promise<void> {
  if (service.startWithReadyNotifier) {
    await service.startWithReadyNotifier(shutdown, ready);
    return;
  }
  ready.notifyReady();
  await service.start?.(shutdown);
}

/**
 * Adapt a plain async function into a {@link BackgroundService}.
 *
 * @example
 * server.addService(serviceFromFunction('cache-warmer', async (shutdown, ready) => {
 *   await warm();
 *   ready.notifyReady();
 *   await shutdown.wait();
 * }));
 */
export function serviceFromFunction(
  name: string,
  run: (shutdown: ShutdownWatch, ready: ServiceReadyNotifier) => Promise<void> | void,
): BackgroundService {
  return { name, startWithReadyNotifier: run };
}
