import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { BackgroundService } from '../core/background-service.js';
import type { ServiceHandle, Server } from '../core/server.js';
import { createHealthApp } from './app.js';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { HealthModel, shutdownCheckName } from './health-model.js';
import { podwardenError } from '../errors.js';
import { formatAddress, listen } from './listen.js';
import { registerMetricsRoute } from './metrics-route.js';
import { type HttpConfig, type HttpOptionsInput, resolveHttpOptions } from './options.js';
import { podwardenHttp } from './plugin.js';
import { probeFastPath } from './probe-fast-path.js';

/** The name of the built-in service: the server itself (its listener and event loop). */
export const selfServiceName = 'podwarden';

/** What {@link addHttpService} returns. */
export interface HttpService {
  /** The `podwarden` service's handle: make services depend on it to start them once the probes listen. */
  readonly handle: ServiceHandle;
  readonly config: HttpConfig;
  readonly model: HealthModel;
  /** The health listener's fastify instance. */
  readonly app: FastifyInstance;
  /** The `/metrics` listener, when `metricsPort` is set. */
  readonly metricsApp: FastifyInstance | undefined;
  readonly eventLoop: EventLoopMonitor;
  /** Where the health endpoints listen, once bound. */
  address(): AddressInfo | undefined;
  /** Where `/metrics` listens when `metricsPort` is set, once bound. */
  metricsAddress(): AddressInfo | undefined;
}

/**
 * Add the built-in `podwarden` service to `server`: a member of all three
 * probes that binds the health listener (and the metrics listener) when it
 * starts and is ready once bound. A port that cannot be bound fails the
 * service with `PODWARDEN_ERR_LISTEN` naming the address and shuts the server
 * down at once, so `run()` resolves with exit code 1 before anything reports
 * ready. Event-loop lag above `maxLag` makes it not ready; sustained for
 * `livenessAfter` it fails `/livez`. The listeners close after every service
 * has stopped, so probes answer throughout the drain and the stop phase.
 */
export function addHttpService(server: Server, input: HttpOptionsInput = {}): HttpService {
  const config = resolveHttpOptions(input);
  const model = new HealthModel(server, { exposeDetails: config.exposeDetails });
  const eventLoop = new EventLoopMonitor(config);
  const { metrics, log } = input;
  metrics?.trackEventLoop(() => eventLoop.lagMs / 1000);

  const app = createHealthApp(config, metrics?.requests, probeFastPath(model, metrics?.requests));
  const separateMetrics = config.metricsPort !== undefined && metrics !== undefined;
  void app.register(podwardenHttp, {
    server,
    model,
    drain: { token: config.drainToken, allowUnauthenticated: config.allowUnauthenticated },
    metrics,
    metricsRoute: !separateMetrics,
    log,
  });
  let metricsApp: FastifyInstance | undefined;
  if (separateMetrics) {
    metricsApp = createHealthApp(config, metrics.requests);
    registerMetricsRoute(metricsApp, metrics);
  }

  const onFallback = (host: string) => log?.warn({ event: 'listen-fallback', host }, `IPv6 is not available; listening on ${host}`);
  const service: BackgroundService = {
    name: selfServiceName,
    async startWithReadyNotifier(shutdown, ready) {
      if (server.service(shutdownCheckName)) {
        void server.shutdown('invalid-service', { fast: true });
        throw podwardenError('PODWARDEN_ERR_INVALID_SERVICE', `"${shutdownCheckName}"`, 'the name is reserved for the built-in shutdown check; choose another name');
      }
      try {
        const bound = await listen(app, config.host, config.port, onFallback);
        log?.info({ event: 'listening', address: bound.address, port: bound.port, endpoints: 'health' }, `listening on ${formatAddress(bound.address, bound.port)}`);
        if (metricsApp && config.metricsPort !== undefined) {
          const boundMetrics = await listen(metricsApp, config.host, config.metricsPort, onFallback);
          log?.info(
            { event: 'listening', address: boundMetrics.address, port: boundMetrics.port, endpoints: 'metrics' },
            `/metrics listening on ${formatAddress(boundMetrics.address, boundMetrics.port)}`,
          );
        }
      } catch (err) {
        // Nothing can be probed, so nothing has reported ready: stop everything now, before the phase can reach `running`.
        void server.shutdown('listen-failed', { fast: true });
        throw err;
      }
      model.setLiveness(selfServiceName, undefined);
      eventLoop.start((verdict) => {
        if (verdict.notReady === undefined) ready.notifyReady();
        else ready.notifyNotReady(verdict.notReady);
        model.setLiveness(selfServiceName, verdict.notLive);
      });
      ready.notifyReady();
      await shutdown.wait();
      eventLoop.stop();
    },
  };
  const handle = server.addService(service, { probes: ['readiness', 'liveness', 'startup'] });
  server.addCloseHook('podwarden-http', async () => {
    eventLoop.stop();
    const closing = Promise.all([app.close(), metricsApp?.close()]);
    // Every service has stopped: a client still sending its request (a slow one) must not hold the exit until the deadline.
    app.server.closeAllConnections();
    metricsApp?.server.closeAllConnections();
    await closing;
    model.close();
  });

  const addressOf = (instance: FastifyInstance | undefined) => {
    const address = instance?.server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  };
  return {
    handle,
    config,
    model,
    app,
    metricsApp,
    eventLoop,
    address: () => addressOf(app),
    metricsAddress: () => addressOf(metricsApp),
  };
}
