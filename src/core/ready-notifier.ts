/** What a notifier reports to whoever runs the service instance. */
export interface ReadinessSink {
  ready(): void;
  notReady(reason: string): void;
}

/**
 * Handed to {@link BackgroundService.startWithReadyNotifier}: the service
 * calls {@link ServiceReadyNotifier.notifyReady} once it can serve.
 *
 * The first `notifyReady()` marks the service started and lets its
 * dependents start; later calls are harmless. Beyond Pingora,
 * `notifyNotReady(reason)` and `notifyReady()` move a running service out of
 * and back into readiness (a dependency went away and came back).
 */
export class ServiceReadyNotifier {
  readonly #sink: ReadinessSink;

  /** @internal Created by the runner; services receive one, they do not make one. */
  constructor(sink: ReadinessSink) {
    this.#sink = sink;
  }

  /** Report the service ready. Idempotent. */
  notifyReady(): void {
    this.#sink.ready();
  }

  /** Report the service not ready, with a short reason (shown only when details are exposed). */
  notifyNotReady(reason: string): void {
    this.#sink.notReady(reason);
  }
}
