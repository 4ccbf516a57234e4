import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackgroundService } from '../core/background-service.js';
import type { ServiceHandle, Server } from '../core/server.js';
import { podwardenError } from '../errors.js';
import { logThrottle } from '../logging/log-throttle.js';
import { EventLoopMonitor } from '../runtime/event-loop-monitor.js';
import { sourceCheck } from './allow-from.js';
import { createEndpoints } from './endpoints.js';
import { createHealthListener } from './health-listener.js';
import { selfServiceName, shutdownCheckName } from '../core/service-names.js';
import { formatAddress, listen } from './listen.js';
import { type HttpConfig, type HttpOptionsInput, httpDefaults, resolveHttpOptions } from './options.js';
import type { AdmissionRefusal } from './request-admission.js';

/** What {@link addHttpService} returns. */
export interface HttpService {
  /** The `podwarden` service's handle: make services depend on it to start them once the probes listen. */
  readonly handle: ServiceHandle;
  readonly config: HttpConfig;
  /** The health listener. */
  readonly server: HttpServer;
  /** The `/metrics` listener, when `metricsPort` is set. */
  readonly metricsServer: HttpServer | undefined;
  /** The event-loop monitor that makes `podwarden` not ready when the loop lags. */
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
  const eventLoop = input.eventLoopMonitor ?? new EventLoopMonitor(config);
  const { metrics, log, checkResults } = input;
  const separateMetrics = config.metricsPort !== undefined && metrics !== undefined;
  const health = createEndpoints({
    server: serverCore,
    health: {
      exposeDetails: config.exposeDetails,
      drain: { token: config.drainToken, allowUnauthenticated: config.allowUnauthenticated, sourceCheck: sourceCheck(config.drainAllowFrom, config.hostIPs) },
      checkResults,
    },
    metrics,
    serveMetrics: !separateMetrics,
    log,
  });
  const onRefuse = logThrottle(httpDefaults.refusalLogInterval, (reason: AdmissionRefusal, count) =>
    log?.warn(
      { event: 'connection-refused', reason, count },
      `closed ${count === 1 ? 'a connection' : `${count} connections`} that pipelined more requests than podwarden answers at once (${reason})`,
    ),
  );
  const healthServer = createHealthListener(config, health, onRefuse);
  const metricsEndpoints = separateMetrics ? createEndpoints({ server: serverCore, metrics, serveMetrics: true, log }) : undefined;
  const metricsServer = metricsEndpoints ? createHealthListener(config, metricsEndpoints, onRefuse) : undefined;
  const model = health.health!;

  const onFallback = (host: string) => log?.warn({ event: 'listen-fallback', host }, `IPv6 is not available; listening on ${host}`);
  const service: BackgroundService = {
    name: selfServiceName,
    async startWithReadyNotifier(shutdown, ready) {
      if (serverCore.service(shutdownCheckName)) {
        void serverCore.shutdown('invalid-service', { fast: true });
        throw podwardenError('PODWARDEN_ERR_INVALID_SERVICE', `"${shutdownCheckName}"`, 'the name is reserved for the built-in shutdown check; choose another name');
      }
      try {
        const bound = await listen(healthServer, config.host, config.port, { onFallback });
        log?.info({ event: 'listening', address: bound.address, port: bound.port, endpoints: 'health' }, `listening on ${formatAddress(bound.address, bound.port)}`);
        if (metricsServer && config.metricsPort !== undefined) {
          const boundMetrics = await listen(metricsServer, config.host, config.metricsPort, { onFallback });
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
    const listeners = [healthServer, metricsServer].filter((l) => l !== undefined);
    const closing = Promise.all(listeners.map(closeServer));
    // Every service has stopped: a client still sending its request (a slow one) must not hold the exit until the deadline.
    for (const listener of listeners) listener.closeAllConnections();
    await closing;
    health.close();
    metricsEndpoints?.close();
  });

  return {
    handle,
    config,
    server: healthServer,
    metricsServer,
    eventLoop,
    address: () => addressOf(healthServer),
    metricsAddress: () => addressOf(metricsServer),
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
