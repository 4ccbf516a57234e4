import type { CheckResults } from '../checks/check-result.js';
import type { PodwardenConfig } from '../config/schema.js';
import type { ServerOptionsInput } from '../core/options.js';
import type { HttpLog, HttpOptionsInput } from '../http/options.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import type { EventLoopMonitor } from '../runtime/event-loop-monitor.js';

/** The runner's options from the config (durations are already milliseconds). */
export function serverOptionsFromConfig(config: PodwardenConfig, exit: (code: number) => void): ServerOptionsInput {
  return {
    shutdown: { drainDelay: config.shutdown.drainDelay, stopBudget: config.shutdown.stopBudget, stopTimeout: config.shutdown.stopTimeout },
    drain: { maxHold: config.drain.maxHold, appCheck: config.drain.appCheck, stateFile: config.drain.stateFile },
    exit,
  };
}

/** The `podwarden` HTTP service's options from the config. */
export function httpOptionsFromConfig(
  config: PodwardenConfig,
  metrics: PodwardenMetrics,
  log: HttpLog,
  eventLoopMonitor: EventLoopMonitor,
  checkResults: CheckResults,
): HttpOptionsInput {
  return {
    port: config.server.port,
    host: config.server.host,
    metricsPort: config.server.metricsPort,
    exposeDetails: config.server.exposeDetails,
    eventLoopMonitor,
    drain: { token: config.drain.token, allowUnauthenticated: config.drain.allowUnauthenticated, allowFrom: config.drain.allowFrom, hostIPs: config.drain.hostIPs },
    metrics,
    checkResults,
    log,
  };
}
