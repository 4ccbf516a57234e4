import type { Registry } from 'prom-client';
import type { Server } from '../core/server.js';
import { gaugeFamily } from './family.js';

/** What the hold metrics read. */
export interface HoldMetricsConfig {
  readonly prefix: string;
  readonly server: Server;
}

/**
 * `server_holds` (server-level holds active now) and `service_holds{name}`
 * (holds on each service), fed by the server's `hold` events. Reasons are
 * free text, so they go to the log and the exit report, never to a label.
 * Returns the function that unsubscribes.
 */
export function holdMetrics(registry: Registry, config: HoldMetricsConfig): () => void {
  const { prefix, server } = config;
  const serverHolds = gaugeFamily(registry, {
    name: `${prefix}server_holds`,
    help: 'Server-level holds active now (server.hold): while any is, the stop phase waits before stopping services.',
  });
  const serviceHolds = gaugeFamily(registry, {
    name: `${prefix}service_holds`,
    help: "Holds active now on the service (handle.hold): while any is, the service's stop waits.",
    labelNames: ['name'],
  });
  serverHolds.labels().set(0);
  const showServices = () => {
    for (const snapshot of server.services()) serviceHolds.labels(snapshot.name).set(0);
  };
  showServices();
  const offs = [
    server.on('hold', (event) => (event.service === undefined ? serverHolds.labels() : serviceHolds.labels(event.service)).set(event.active)),
    server.on('phase', (event) => {
      if (event.phase === 'starting' && event.previous === undefined) showServices();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
