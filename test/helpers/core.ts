import { EventEmitter } from 'node:events';
import { Server } from '../../src/core/server.js';
import type { ServerOptionsInput } from '../../src/core/options.js';
import type { ServiceStateEvent, PhaseEvent } from '../../src/core/events.js';

/** A signal source the test can fire without touching the test process. */
export class FakeSignals extends EventEmitter {
  send(signal: NodeJS.Signals): void {
    this.emit(signal, signal);
  }
}

/** A Server wired to fake signals, with every state and phase event recorded. */
export function recordingServer(options: ServerOptionsInput = {}) {
  const signals = new FakeSignals();
  const server = new Server({ ...options, signals });
  const states: ServiceStateEvent[] = [];
  const phases: PhaseEvent[] = [];
  server.on('service-state', (e) => states.push(e));
  server.on('phase', (e) => phases.push(e));
  const statesOf = (name: string) => states.filter((e) => e.name === name).map((e) => e.state);
  return { server, signals, states, phases, statesOf };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolve when `predicate` holds, polling every few ms; reject after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** The most of `times` (ms) that fall within any `window` ms. */
export function mostWithin(times: readonly number[], window: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j += 1) {
    while (sorted[j]! - sorted[i]! >= window) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** A deferred promise the test resolves by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
