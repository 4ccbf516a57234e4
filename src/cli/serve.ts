import { CheckResults } from '../checks/check-result.js';
import { type ConfigOverrides, flagOption, overrideTable } from '../config/env-overrides.js';
import { loadConfig } from '../config/load-config.js';
import type { PodwardenConfig } from '../config/schema.js';
import { Server } from '../core/server.js';
import { selfServiceName } from '../core/service-names.js';
import { isPodwardenError, podwardenError } from '../errors.js';
import { addHttpService } from '../http/http-service.js';
import { formatAddress } from '../http/listen.js';
import { httpDefaults } from '../http/options.js';
import { logLifecycle } from '../logging/lifecycle-log.js';
import { createLogger } from '../logging/logger.js';
import { createMetrics } from '../metrics/podwarden-metrics.js';
import { EventLoopMonitor } from '../runtime/event-loop-monitor.js';
import { turnOffPretenuring } from '../runtime/pretenuring.js';
import { addConfiguredServices } from './add-services.js';
import { httpOptionsFromConfig, serverOptionsFromConfig } from './config-options.js';
import { serveHelp } from './help.js';
import { tracingDecision } from '../tracing/tracing-env.js';
import { tracingDefaults } from '../defaults.js';
import { type CliIo, errorText, exitCodes } from './io.js';

/** What `serve` needs beyond {@link CliIo}: the exit function the hard deadline calls. */
export interface ServeIo extends CliIo {
  exit(code: number): void;
}

/** parseArgs options: `--config` plus one flag per config override. */
const flagOptions = Object.fromEntries([
  ['config', { type: 'string', short: 'c' }],
  ['help', { type: 'boolean', short: 'h' }],
  ...overrideTable.map((spec) => [flagOption(spec.flag), { type: spec.kind === 'boolean' ? 'boolean' : 'string' }]),
]) as Record<string, { type: 'string' | 'boolean'; short?: string }>;

const usageCodes = ['PODWARDEN_ERR_CONFIG', 'PODWARDEN_ERR_CONFIG_READ', 'PODWARDEN_ERR_USAGE', 'PODWARDEN_ERR_INVALID_OPTION', 'PODWARDEN_ERR_INVALID_SERVICE', 'PODWARDEN_ERR_DUPLICATE_SERVICE', 'PODWARDEN_ERR_UNKNOWN_DEPENDENCY', 'PODWARDEN_ERR_DEPENDENCY_CYCLE'] as const;

function ignoreSignal(): void {}

function isUsageError(err: unknown): boolean {
  return usageCodes.some((code) => isPodwardenError(err, code));
}

/** The flags' values; an unknown flag, a flag without its value or a positional argument is a `PODWARDEN_ERR_USAGE`. */
function parseFlags(args: readonly string[]): Record<string, string | boolean | undefined> {
  try {
    // From getBuiltinModule: on Node 24 an ES-module import of node:util evaluates its lazy exports, a dozen modules.
    return process.getBuiltinModule('node:util').parseArgs({ args: [...args], options: flagOptions, allowPositionals: false, strict: true }).values;
  } catch (err) {
    throw podwardenError('PODWARDEN_ERR_USAGE', `${(err as Error).message}\n\nRun "podwarden serve --help" for the flags.`);
  }
}

/**
 * `podwarden serve`: load the config (or the embedded default), start the
 * health server, the metrics, the lifecycle log and the configured services,
 * and resolve with the exit code once the server has terminated: 0 clean,
 * 1 failure or overrun, 2 bad config or usage, 130 SIGINT.
 */
export async function runServe(args: readonly string[], io: ServeIo): Promise<number> {
  let values;
  try {
    values = parseFlags(args);
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.stderr.write(`podwarden serve: ${errorText(err)}`);
    return exitCodes.usage;
  }
  if (values.help) {
    io.stdout.write(serveHelp());
    return exitCodes.ok;
  }
  const overrides: Record<string, string | boolean> = {};
  for (const spec of overrideTable) {
    const value = values[flagOption(spec.flag)];
    if (value !== undefined) overrides[spec.flag] = value;
  }

  let config: PodwardenConfig;
  try {
    config = await loadConfig({ file: values.config as string | undefined, env: io.env, overrides: overrides as ConfigOverrides });
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.stderr.write(`podwarden serve: ${errorText(err)}`);
    return exitCodes.usage;
  }

  const logger = createLogger({ level: config.log.level });
  const server = new Server(serverOptionsFromConfig(config, (code) => io.exit(code)));
  const results = new CheckResults();
  // One monitor: its verdict makes `podwarden` not ready, and the metrics show the lag it judged.
  const eventLoop = new EventLoopMonitor({ ...config.server.eventLoop, sampleInterval: httpDefaults.sampleInterval });
  const metrics = createMetrics({ server, checkResults: results, prefix: config.metrics.prefix, eventLoop });
  logLifecycle(server, logger, { checkResults: results });
  // The OpenTelemetry SDK and exporter load only when an OTLP endpoint is set: without it, startup and memory do not move.
  const tracingOn = tracingDecision(io.env);
  const tracing = tracingOn.on ? (await import('../tracing/sidecar-tracing.js')).startSidecarTracing(server, tracingOn.protocol) : undefined;
  if (tracingOn.on) logger.info({ event: 'tracing', protocol: tracingOn.protocol }, `exporting lifecycle spans over OTLP (${tracingOn.protocol})`);
  else if (io.env.OTEL_EXPORTER_OTLP_ENDPOINT || io.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) logger.info({ event: 'tracing', off: tracingOn.why }, `not exporting spans: ${tracingOn.why}`);
  // Node opens its inspector on SIGUSR1: code execution for anything that reaches 127.0.0.1:9229 in the pod. A listener keeps it shut.
  process.on('SIGUSR1', () => logger.warn({ event: 'signal', signal: 'SIGUSR1', action: 'ignored' }, 'SIGUSR1 ignored: the Node.js inspector stays closed'));
  // The server removes its signal handlers when it terminates; a signal arriving while the process exits must not kill it (143 instead of 0).
  server.on('terminated', () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, ignoreSignal);
  });
  let http;
  try {
    http = addHttpService(server, httpOptionsFromConfig(config, metrics, logger, eventLoop, results));
    addConfiguredServices(server, config, results);
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.stderr.write(`podwarden serve: ${errorText(err)}`);
    return exitCodes.usage;
  }
  // Said once the health port is bound (the `podwarden` service is ready then), never for a port that could not be.
  const offStarted = server.on('service-state', (event) => {
    if (event.name !== selfServiceName || event.state !== 'ready') return;
    offStarted();
    const address = http.address();
    logger.info(
      {
        event: 'start',
        port: address?.port ?? http.config.port,
        host: http.config.host,
        metricsPort: http.metricsAddress()?.port ?? http.config.metricsPort,
        services: config.services.map((s) => s.name),
        drainToken: config.drain.token !== undefined,
        ...(config.drain.allowFrom.length > 0 ? { drainAllowFrom: config.drain.allowFrom, hostIPs: config.drain.hostIPs } : {}),
      },
      `podwarden serving on ${formatAddress(address?.address ?? http.config.host, address?.port ?? http.config.port)}`,
    );
  });

  // After every import, before any service starts.
  turnOffPretenuring();
  let report;
  try {
    report = await server.run();
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.stderr.write(`podwarden serve: ${errorText(err)}`);
    return exitCodes.usage;
  }
  if (tracing && !(await tracing.flush(tracingDefaults.flushCap))) {
    logger.warn({ event: 'tracing', flushCapMs: tracingDefaults.flushCap }, `the last spans were not exported within ${tracingDefaults.flushCap} ms; exiting without them`);
  }
  for (const name of report.failed) {
    const service = report.services.find((s) => s.name === name);
    io.stderr.write(`podwarden: service "${name}" ${service?.state ?? 'failed'}${service?.reason ? `: ${service.reason}` : ''}\n`);
  }
  if (report.overran.length > 0) io.stderr.write(`podwarden: did not stop in time: ${report.overran.join(', ')}\n`);
  return report.exitCode;
}
