import type { Registry } from 'prom-client';
import { toSeconds } from '../core/duration.js';
import type { Server } from '../core/server.js';
import { isServing, serviceStates } from '../core/states.js';
import { type ScalarFamily, type Series, counterFamily, gaugeFamily } from './family.js';

/** What the service metrics read. */
export interface ServiceMetricsConfig {
  readonly prefix: string;
  readonly server: Server;
}

/** The series of one service that exist from its first event on. */
interface ServiceSeries {
  readonly ready: Series;
  /** One per state, in `serviceStates` order. */
  readonly states: readonly Series[];
  readonly restarts: Series;
  readyOnce: boolean;
}

/**
 * Per-service gauges, fed from the server's lifecycle events: start and
 * first-ready timestamps (wall clock, absent until they happen), start → first
 * ready and dependency-wait durations (monotonic clock), `service_ready`,
 * `service_state{state}` (every state, 1 for the current one) and the
 * `service_restarts_total` counter. Returns the function that unsubscribes.
 */
export function serviceMetrics(registry: Registry, config: ServiceMetricsConfig): () => void {
  const { prefix, server } = config;
  const gauge = (name: string, help: string, labelNames: readonly string[] = ['name']): ScalarFamily =>
    gaugeFamily(registry, { name: `${prefix}${name}`, help, labelNames });
  const startedAt = gauge('service_start_timestamp_seconds', 'When the service first started, in seconds since the Unix epoch.');
  const readyAt = gauge('service_ready_timestamp_seconds', 'When the service was first ready, in seconds since the Unix epoch; absent until then.');
  const readyDuration = gauge('service_ready_duration_seconds', 'Seconds from the service start to its first ready (monotonic clock).');
  const dependencyWait = gauge('service_dependency_wait_seconds', 'Seconds the service waited on its dependencies before it started (monotonic clock).');
  const ready = gauge('service_ready', 'Whether the service is ready (or completed): 1 or 0.');
  const state = gauge('service_state', 'The service state: 1 for the current state, 0 for every other.', ['name', 'state']);
  const restarts = counterFamily(registry, {
    name: `${prefix}service_restarts_total`,
    help: 'How many times the service was restarted after a failure.',
    labelNames: ['name'],
  });
  const known = new Map<string, ServiceSeries>();
  const seriesOf = (name: string): ServiceSeries => {
    let found = known.get(name);
    if (!found) {
      found = { ready: ready.labels(name), states: serviceStates.map((s) => state.labels(name, s)), restarts: restarts.labels(name), readyOnce: false };
      known.set(name, found);
    }
    return found;
  };

  const update = (name: string) => {
    const snapshot = server.service(name);
    if (!snapshot) return;
    const series = seriesOf(name);
    series.ready.set(isServing(snapshot.state) ? 1 : 0);
    for (let i = 0; i < serviceStates.length; i++) series.states[i]!.set(serviceStates[i] === snapshot.state ? 1 : 0);
    if (snapshot.startedAt) startedAt.labels(name).set(snapshot.startedAt.wall / 1000);
    if (snapshot.dependencyWaitMs !== undefined) dependencyWait.labels(name).set(toSeconds(snapshot.dependencyWaitMs));
    const firstReady = snapshot.readyAt;
    if (firstReady && snapshot.startedAt && !series.readyOnce) {
      series.readyOnce = true;
      readyAt.labels(name).set(firstReady.wall / 1000);
      readyDuration.labels(name).set(toSeconds(firstReady.mono - snapshot.startedAt.mono));
    }
  };
  const updateAll = () => {
    for (const snapshot of server.services()) update(snapshot.name);
  };

  updateAll();
  const offs = [
    server.on('service-state', (event) => update(event.name)),
    server.on('service-restart', (event) => seriesOf(event.name).restarts.inc()),
    server.on('phase', (event) => {
      if (event.phase === 'starting' && event.previous === undefined) updateAll();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
