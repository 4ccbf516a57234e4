import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Server } from '../core/server.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import { sourceCheck } from './allow-from.js';
import { registerDrainRoute } from './drain-route.js';
import { HealthModel } from './health-model.js';
import { registerMetricsRoute } from './metrics-route.js';
import { type HttpLog, type HttpOptionsInput, httpDefaults } from './options.js';
import { registerProbeRoutes } from './probe-routes.js';

/** Options of the {@link podwardenHttp} fastify plugin. */
export interface PodwardenHttpPluginOptions {
  /** The server whose state the endpoints show and whose drain `/drain` joins. */
  readonly server: Server;
  /** The health model to read; by default the plugin makes one (and closes it with fastify). */
  readonly model?: HealthModel;
  /** Show failure reasons (only when the plugin makes the model; default `false`). */
  readonly exposeDetails?: boolean;
  /** `/drain`'s guards, as in {@link HttpOptionsInput} `drain`. */
  readonly drain?: Pick<NonNullable<HttpOptionsInput['drain']>, 'token' | 'allowUnauthenticated' | 'allowFrom' | 'hostIPs'>;
  /** Count the plugin's requests in these metrics and, unless `metricsRoute` is false, serve them on `/metrics`. */
  readonly metrics?: PodwardenMetrics;
  /** Serve `/metrics` (default `true` when `metrics` is given). */
  readonly metricsRoute?: boolean;
  readonly log?: HttpLog;
}

const plugin: FastifyPluginAsync<PodwardenHttpPluginOptions> = async (fastify, options) => {
  const ownModel = options.model === undefined;
  const model = options.model ?? new HealthModel(options.server, { exposeDetails: options.exposeDetails ?? false });
  registerProbeRoutes(fastify, model, options.metrics?.requests);
  registerDrainRoute(fastify, {
    server: options.server,
    token: options.drain?.token,
    allowUnauthenticated: options.drain?.allowUnauthenticated ?? false,
    sourceCheck: sourceCheck(options.drain?.allowFrom, options.drain?.hostIPs),
    counters: options.metrics?.requests,
    log: options.log,
    bodyLimit: httpDefaults.bodyLimit,
  });
  if (options.metrics && options.metricsRoute !== false) registerMetricsRoute(fastify, options.metrics);
  if (ownModel) fastify.addHook('onClose', async () => model.close());
};

/**
 * podwarden's endpoints as a fastify plugin: `/livez`, `/readyz`, `/startupz`
 * (and `/<probe>/<name>`), `/drain`, and `/metrics` when given metrics. Use it
 * to serve them from an app's own fastify instance (only the plugin's own
 * routes are counted); the `podwarden` service
 * ({@link addHttpService}) runs it on a server of its own.
 */
export const podwardenHttp = fp(plugin, { name: 'podwarden-http', fastify: '5.x' });
