import type { Registry } from 'prom-client';
import type { Server } from '../core/server.js';
import { serverPhases } from '../core/states.js';
import { gaugeFamily } from './family.js';

/** What the server metrics read. */
export interface ServerMetricsConfig {
  readonly prefix: string;
  readonly server: Server;
  /** The current event-loop lag in seconds, read at scrape time; `undefined` until it is measured. */
  readonly eventLoopLag: () => number | undefined;
}

/**
 * `server_phase{phase}` (1 for the current phase, 0 for every other) and the
 * event-loop lag podwarden judges its readiness by. Returns the function that
 * unsubscribes.
 */
export function serverMetrics(registry: Registry, config: ServerMetricsConfig): () => void {
  const { prefix, server, eventLoopLag } = config;
  const phase = gaugeFamily(registry, {
    name: `${prefix}server_phase`,
    help: 'The server phase: 1 for the current phase, 0 for every other.',
    labelNames: ['phase'],
  });
  const lag = gaugeFamily(registry, {
    name: `${prefix}event_loop_lag_seconds`,
    help: 'The largest event-loop delay in the last sampling window, in seconds; above server.eventLoop.maxLag podwarden is not ready.',
    collect: () => lag.labels().set(eventLoopLag() ?? 0),
  });
  const children = serverPhases.map((p) => phase.labels(p));
  const show = (current: string | undefined) => {
    for (let i = 0; i < serverPhases.length; i++) children[i]!.set(serverPhases[i] === current ? 1 : 0);
  };
  show(server.phase);
  return server.on('phase', (event) => show(event.phase));
}
