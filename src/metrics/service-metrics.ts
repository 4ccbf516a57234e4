import type { Gauge, Registry } from 'prom-client';
import { Counter, Gauge as GaugeMetric } from 'prom-client';
import type { Server } from '../core/server.js';
import { isServing, serviceStates } from '../core/states.js';

/** What the service metrics read. */
export interface ServiceMetricsConfig {
  readonly prefix: string;
  readonly server: Server;
}

/** Milliseconds to seconds, to the microsecond. */
const seconds = (ms: number) => Math.round(ms * 1000) / 1e6;

/**
 * Per-service gauges, fed from the server's lifecycle events: start and
 * first-ready timestamps (wall clock, absent until they happen), start → first
 * ready and dependency-wait durations (monotonic clock), `service_ready`,
 * `service_state{state}` (every state, 1 for the current one) and the
 * `service_restarts_total` counter. Returns the function that unsubscribes.
 */
export function serviceMetrics(registry: Registry, config: ServiceMetricsConfig): () => void {
  const { prefix, server } = config;
  const gauge = (name: string, help: string, labelNames: readonly string[] = ['name']): Gauge<string> =>
    new GaugeMetric({ name: `${prefix}${name}`, help, labelNames, registers: [registry] });
  const startedAt = gauge('service_start_timestamp_seconds', 'When the service first started, in seconds since the Unix epoch.');
  const readyAt = gauge('service_ready_timestamp_seconds', 'When the service was first ready, in seconds since the Unix epoch; absent until then.');
  const readyDuration = gauge('service_ready_duration_seconds', 'Seconds from the service start to its first ready (monotonic clock).');
  const dependencyWait = gauge('service_dependency_wait_seconds', 'Seconds the service waited on its dependencies before it started (monotonic clock).');
  const ready = gauge('service_ready', 'Whether the service is ready (or completed): 1 or 0.');
  const state = gauge('service_state', 'The service state: 1 for the current state, 0 for every other.', ['name', 'state']);
  const restarts = new Counter({
    name: `${prefix}service_restarts_total`,
    help: 'How many times the service was restarted after a failure.',
    labelNames: ['name'],
    registers: [registry],
  });
  const known = new Set<string>();
  const everReady = new Set<string>();

  const update = (name: string) => {
    const snapshot = server.service(name);
    if (!snapshot) return;
    if (!known.has(name)) {
      known.add(name);
      restarts.inc({ name }, 0);
    }
    ready.set({ name }, isServing(snapshot.state) ? 1 : 0);
    for (const s of serviceStates) state.set({ name, state: s }, s === snapshot.state ? 1 : 0);
    if (snapshot.startedAt) startedAt.set({ name }, snapshot.startedAt.wall / 1000);
    if (snapshot.dependencyWaitMs !== undefined) dependencyWait.set({ name }, seconds(snapshot.dependencyWaitMs));
    const firstReady = snapshot.readyAt;
    if (firstReady && snapshot.startedAt && !everReady.has(name)) {
      everReady.add(name);
      readyAt.set({ name }, firstReady.wall / 1000);
      readyDuration.set({ name }, seconds(firstReady.mono - snapshot.startedAt.mono));
    }
  };
  const updateAll = () => {
    for (const snapshot of server.services()) update(snapshot.name);
  };

  updateAll();
  const offs = [
    server.on('service-state', (event) => update(event.name)),
    server.on('service-restart', (event) => restarts.inc({ name: event.name })),
    server.on('phase', (event) => {
      if (event.phase === 'starting' && event.previous === undefined) updateAll();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
