import type { SignalSource } from './options.js';

/** Signals the server answers: SIGTERM (graceful) and SIGINT (fast). */
export const handledSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Install one listener for the handled signals; returns the function that removes it. */
export function listenForSignals(source: SignalSource, onSignal: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals) => onSignal(signal);
  for (const signal of handledSignals) source.on(signal, listener);
  return () => {
    for (const signal of handledSignals) source.off(signal, listener);
  };
}
