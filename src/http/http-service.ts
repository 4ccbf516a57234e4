import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { BackgroundService } from '../core/background-service.js';
import type { ServiceHandle, Server } from '../core/server.js';
import { podwardenError } from '../errors.js';
import { logThrottle } from '../logging/log-throttle.js';
import { sourceCheck } from './allow-from.js';
import { drainGuard } from './drain-guard.js';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { type HealthListenerOptions, createHealthListener } from './health-listener.js';
import type { AdmissionRefusal } from './request-admission.js';
import { HealthModel, shutdownCheckName } from './health-model.js';
import { formatAddress, listen } from './listen.js';
import { type HttpConfig, type HttpOptionsInput, httpDefaults, resolveHttpOptions } from './options.js';
import { firstFastPath, metricsFastPath, probeFastPath } from './probe-fast-path.js';

/** The name of the built-in service: the server itself (its listener and event loop). */
export const selfServiceName = 'podwarden';

/** What {@link addHttpService} returns. */
export interface HttpService {
  /** The `podwarden` service's handle: make services depend on it to start them once the probes listen. */
  readonly handle: ServiceHandle;
  readonly config: HttpConfig;
  readonly model: HealthModel;
  /** The health listener. */
  readonly server: HttpServer;
  /** The `/metrics` listener, when `metricsPort` is set. */
  readonly metricsServer: HttpServer | undefined;
  /**
   * The fastify instance that routes the health listener's requests beyond
   * the fast path, loaded on first use (the fast path answers kubelet's
   * probes and Prometheus' scrapes without it).
   */
  router(): Promise<FastifyInstance>;
  readonly eventLoop: EventLoopMonitor;
  /** Where the health endpoints listen, once bound. */
  address(): AddressInfo | undefined;
  /** Where `/metrics` listens when `metricsPort` is set, once bound. */
  metricsAddress(): AddressInfo | undefined;
}

/**
 * Add the built-in `podwarden` service to `serverCore`: a member of all three
 * probes that binds the health listener (and the metrics listener) when it
 * starts and is ready once bound. A port that cannot be bound fails the
 * service with `PODWARDEN_ERR_LISTEN` naming the address and shuts the server
 * down at once, so `run()` resolves with exit code 1 before anything reports
 * ready. Event-loop lag above `maxLag` makes it not ready; sustained for
 * `livenessAfter` it fails `/livez`. The listeners close after every service
 * has stopped, so probes answer throughout the drain and the stop phase.
 */
export function addHttpService(serverCore: Server, input: HttpOptionsInput = {}): HttpService {
  const config = resolveHttpOptions(input);
  const model = new HealthModel(serverCore, { exposeDetails: config.exposeDetails });
  const eventLoop = new EventLoopMonitor(config);
  const { metrics, log } = input;
  metrics?.trackEventLoop(() => eventLoop.lagMs / 1000);

  const separateMetrics = config.metricsPort !== undefined && metrics !== undefined;
  const drainCaller = drainGuard({
    token: config.drainToken,
    allowUnauthenticated: config.allowUnauthenticated,
    sourceCheck: sourceCheck(config.drainAllowFrom, config.hostIPs),
  });
  const listenerOptions: HealthListenerOptions = {
    onClientError: (status) => metrics?.requests.countRequest('other', status, false),
    invitesBody: (request) => request.url === '/drain' && drainCaller(request) === undefined,
    onRefuse: logThrottle(httpDefaults.refusalLogInterval, (reason: AdmissionRefusal, count) =>
      log?.warn(
        { event: 'connection-refused', reason, count },
        `closed ${count === 1 ? 'a connection' : `${count} connections`} that pipelined more requests than podwarden answers at once (${reason})`,
      ),
    ),
  };
  // fastify is imported only when a request needs more than the fast path.
  const probes = probeFastPath(model, metrics?.requests);
  const health = createHealthListener(config, metrics && !separateMetrics ? firstFastPath(probes, metricsFastPath(metrics)) : probes, async (server) =>
    (await import('./router.js')).loadHealthRouter(server, {
      server: serverCore,
      model,
      drain: { token: config.drainToken, allowUnauthenticated: config.allowUnauthenticated, allowFrom: config.drainAllowFrom, hostIPs: config.hostIPs },
      metrics,
      metricsRoute: !separateMetrics,
      log,
    }),
    listenerOptions,
  );
  const metricsListener = separateMetrics
    ? createHealthListener(config, metricsFastPath(metrics), async (server) => (await import('./router.js')).loadMetricsRouter(server, metrics), listenerOptions)
    : undefined;

  const onFallback = (host: string) => log?.warn({ event: 'listen-fallback', host }, `IPv6 is not available; listening on ${host}`);
  const service: BackgroundService = {
    name: selfServiceName,
    async startWithReadyNotifier(shutdown, ready) {
      if (serverCore.service(shutdownCheckName)) {
        void serverCore.shutdown('invalid-service', { fast: true });
        throw podwardenError('PODWARDEN_ERR_INVALID_SERVICE', `"${shutdownCheckName}"`, 'the name is reserved for the built-in shutdown check; choose another name');
      }
      try {
        const bound = await listen(health.server, config.host, config.port, onFallback);
        log?.info({ event: 'listening', address: bound.address, port: bound.port, endpoints: 'health' }, `listening on ${formatAddress(bound.address, bound.port)}`);
        if (metricsListener && config.metricsPort !== undefined) {
          const boundMetrics = await listen(metricsListener.server, config.host, config.metricsPort, onFallback);
          log?.info(
            { event: 'listening', address: boundMetrics.address, port: boundMetrics.port, endpoints: 'metrics' },
            `/metrics listening on ${formatAddress(boundMetrics.address, boundMetrics.port)}`,
          );
        }
      } catch (err) {
        // Nothing can be probed, so nothing has reported ready: stop everything now, before the phase can reach `running`.
        void serverCore.shutdown('listen-failed', { fast: true });
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
  const handle = serverCore.addService(service, { probes: ['readiness', 'liveness', 'startup'] });
  serverCore.addCloseHook('podwarden-http', async () => {
    eventLoop.stop();
    const listeners = [health, metricsListener].filter((l) => l !== undefined);
    const closing = Promise.all(listeners.map((l) => closeServer(l.server)));
    // Every service has stopped: a client still sending its request (a slow one) must not hold the exit until the deadline.
    for (const listener of listeners) listener.server.closeAllConnections();
    await closing;
    await Promise.all(listeners.map(async (l) => (await l.routerIfStarted()?.catch(() => undefined))?.app.close()));
    model.close();
  });

  return {
    handle,
    config,
    model,
    server: health.server,
    metricsServer: metricsListener?.server,
    eventLoop,
    router: async () => (await health.loadRouter()).app,
    address: () => addressOf(health.server),
    metricsAddress: () => addressOf(metricsListener?.server),
  };
}

function addressOf(server: HttpServer | undefined): AddressInfo | undefined {
  const address = server?.address();
  return address !== null && typeof address === 'object' ? address : undefined;
}

function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
