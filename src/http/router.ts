import type { Server as HttpServer } from 'node:http';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import { type HealthApp, createHealthApp } from './app.js';
import { registerMetricsRoute } from './metrics-route.js';
import { type PodwardenHttpPluginOptions, podwardenHttp } from './plugin.js';

/**
 * The router behind the health listener's fast path: podwarden's endpoints in
 * every form (`?verbose`, JSON, `/<probe>/<name>`, `/drain`, `HEAD`, `/metrics`
 * with a query) and the 404s. This module is what loads fastify; the
 * `podwarden` service imports it only when a request needs it.
 */
export async function loadHealthRouter(server: HttpServer, options: PodwardenHttpPluginOptions): Promise<HealthApp> {
  const router = createHealthApp(server, options.metrics?.requests);
  await router.app.register(podwardenHttp, options);
  await router.app.ready();
  return router;
}

/** The router of the separate `/metrics` listener (`metricsPort`): `/metrics` and 404s. */
export async function loadMetricsRouter(server: HttpServer, metrics: PodwardenMetrics): Promise<HealthApp> {
  const router = createHealthApp(server, metrics.requests);
  registerMetricsRoute(router.app, metrics);
  await router.app.ready();
  return router;
}
