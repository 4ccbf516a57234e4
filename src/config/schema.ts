import * as z from 'zod';
import { formatDuration } from '../core/duration.js';
import { drainDefaults, httpDefaults, logDefaults, metricsDefaults, shutdownDefaults } from '../defaults.js';
import { allowEntryProblem, hostIPsEnv, hostIPsKeyword } from '../http/allow-from.js';
import { type LogLevelName, logLevelNames } from '../logging/log-levels.js';
import { metricPrefixPattern, metricPrefixRule } from '../metrics/metric-prefix.js';
import { duration, flag, port, says, serviceName, text } from './schema-helpers.js';
import { serviceSchema } from './service-schemas.js';

/**
 * The podwarden config file, as one zod schema: the single source of truth
 * for validation, for the TypeScript types below and for the generated
 * reference (`docs/config.md`). Every object is strict.
 */

/** Log levels, most severe first: the list is {@link logLevelNames}. */
export const logLevels = logLevelNames;

const serverSchema = z
  .strictObject({
    port: port.default(httpDefaults.port).describe('Port of the health endpoints (`/livez`, `/readyz`, `/startupz`, `/drain`, `/metrics`).'),
    host: text('a host or address').default(httpDefaults.host).describe('Address to bind; `::` is dual-stack (IPv6 and IPv4).'),
    metricsPort: port
      .nullable()
      .default(null)
      .describe('Serve `/metrics` on this port instead of the health port; `null`: on the health port.'),
    exposeDetails: flag.default(httpDefaults.exposeDetails).describe('Show failure reasons in probe responses. Off: reasons go to the log only.'),
    eventLoop: z
      .strictObject({
        maxLag: duration({ min: 1 }).prefault(formatDuration(httpDefaults.maxLag)).describe('Event-loop lag above this makes podwarden not ready.'),
        livenessAfter: duration({ min: 1 }).prefault(formatDuration(httpDefaults.livenessAfter)).describe('Lag above `maxLag` sustained this long fails `/livez`.'),
      })
      .prefault({}),
  })
  .prefault({});

const shutdownSchema = z
  .strictObject({
    drainDelay: duration().prefault(formatDuration(shutdownDefaults.drainDelay)).describe('How long `/readyz` fails before services stop, so load balancers stop sending.'),
    stopBudget: duration().prefault(formatDuration(shutdownDefaults.stopBudget)).describe('Budget for the whole stop phase.'),
    stopTimeout: duration().prefault(formatDuration(shutdownDefaults.stopTimeout)).describe('Default time each service may take to stop.'),
  })
  .prefault({});

/** One `drain.allowFrom` entry. */
const allowEntry = z.string({ error: says('an address, a CIDR or hostIPs', 'a string') }).superRefine((value, ctx) => {
  const problem = allowEntryProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

const drainSchema = z
  .strictObject({
    tokenFile: text('a file path')
      .default(drainDefaults.tokenFile)
      .describe('File holding the bearer token `/drain` requires (a mounted Secret). A missing file means no token. `PODWARDEN_DRAIN_TOKEN` takes precedence.'),
    maxHold: duration({ min: 1 }).prefault(formatDuration(drainDefaults.maxHold)).describe('Un-drain when no SIGTERM follows a completed drain within this time.'),
    allowUnauthenticated: flag.default(drainDefaults.allowUnauthenticated).describe('Allow `/drain` without a token when none is configured. Off: such calls get 403.'),
    allowFrom: z
      .array(allowEntry, { error: says('a list of addresses', 'e.g. [hostIPs, 10.0.0.0/8]') })
      .default([])
      .describe(
        `Accept \`/drain\` only from these sources (checked before the token; others get 403): IPv4/IPv6 addresses, CIDRs, or \`${hostIPsKeyword}\` (the node's addresses, from \`${hostIPsEnv}\`). Loopback is always allowed once set. Empty: any source.`,
      ),
    appCheck: serviceName
      .optional()
      .describe('The service that checks the app container. It going failed → ready after a completed drain, before any SIGTERM, means the app container was restarted (a liveness restart): the drain is let go at once. Must name a service below.'),
    stateFile: text('a file path')
      .optional()
      .describe('Record the drain here (on an `emptyDir`) so a restarted podwarden starts drained for what is left of `maxHold`. Unset: not recorded.'),
  })
  .prefault({});

const metricsSchema = z
  .strictObject({
    prefix: z
      .string({ error: says('a metric prefix', 'a string') })
      .regex(metricPrefixPattern, { error: says('a metric prefix', metricPrefixRule) })
      .default(metricsDefaults.prefix)
      .describe('Prefix of every metric name.'),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z
      .enum(logLevelNames, { error: says('a log level', `one of ${logLevelNames.join(', ')}`) })
      .default(logDefaults.level)
      .describe('Log level.'),
  })
  .prefault({});

/** The whole config file. */
export const configSchema = z.strictObject({
  server: serverSchema,
  shutdown: shutdownSchema,
  drain: drainSchema,
  metrics: metricsSchema,
  log: logSchema,
  services: z
    .array(serviceSchema, { error: says('a list of services') })
    .superRefine((services, ctx) => {
      services.forEach((service, i) => {
        if (service.maxRestarts !== undefined && service.restart !== 'on-failure') {
          ctx.addIssue({ code: 'custom', path: [i, 'maxRestarts'], message: 'limits restarts, so it needs restart: on-failure' });
        }
      });
    })
    .default([])
    .describe('The checks and services to run. See the check types below.'),
});

type DeepReadonly<T> = T extends RegExp ? T : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The config as a user writes it (YAML parsed, or an object): every key optional, durations as strings. */
export type PodwardenConfigInput = DeepReadonly<z.input<typeof configSchema>>;

type Parsed = z.output<typeof configSchema>;

/**
 * The config after validation and defaults. Durations are milliseconds; paths
 * in `services` (module, file, tls.ca) are absolute; `drain.token` is resolved
 * from `PODWARDEN_DRAIN_TOKEN` or `drain.tokenFile` and is not enumerable, so
 * it does not show up when the config is logged or serialised.
 * `drain.hostIPs` holds the addresses from `PODWARDEN_HOST_IPS` when
 * `drain.allowFrom` lists `hostIPs`, else `undefined`.
 */
export type PodwardenConfig = DeepReadonly<Omit<Parsed, 'drain'> & { drain: Parsed['drain'] & { token: string | undefined; hostIPs: string[] | undefined } }>;

/** One resolved entry of `services:`. */
export type ServiceSpec = PodwardenConfig['services'][number];
/** The check types. */
export type ServiceType = ServiceSpec['type'];
/** A resolved service of one type, e.g. `ServiceSpecOf<'http'>`. */
export type ServiceSpecOf<T extends ServiceType> = Extract<ServiceSpec, { type: T }>;
export type HttpServiceSpec = ServiceSpecOf<'http'>;
export type TcpServiceSpec = ServiceSpecOf<'tcp'>;
export type GrpcServiceSpec = ServiceSpecOf<'grpc'>;
export type ExecServiceSpec = ServiceSpecOf<'exec'>;
export type FileServiceSpec = ServiceSpecOf<'file'>;
export type DnsServiceSpec = ServiceSpecOf<'dns'>;
export type ModuleServiceSpec = ServiceSpecOf<'module'>;
/** A resolved periodic check (every type but `module`). */
export type CheckSpec = Exclude<ServiceSpec, ModuleServiceSpec>;
/** One of the log levels. */
export type LogLevel = LogLevelName;
