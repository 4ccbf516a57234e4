import * as z from 'zod/mini';
import { formatDuration } from '../core/duration.js';
import { drainDefaults, httpDefaults, logDefaults, metricsDefaults, shutdownDefaults } from '../defaults.js';
import { allowEntryProblem, hostIPsEnv, hostIPsKeyword } from '../http/allow-from.js';
import { type LogLevelName, logLevelNames } from '../logging/log-levels.js';
import { metricPrefixPattern, metricPrefixRule } from '../metrics/metric-prefix.js';
import { describe, duration, flag, port, says, serviceName, text } from './schema-helpers.js';
import { serviceSchema } from './service-schemas.js';

/**
 * The podwarden config file, as one zod schema: the single source of truth
 * for validation, for the TypeScript types below and for the generated
 * reference (`docs/config.md`). Every object is strict.
 */

/** Log levels, most severe first: the list is {@link logLevelNames}. */
export const logLevels = logLevelNames;

const serverSchema = z.prefault(
  z.strictObject({
    port: describe(z._default(port, httpDefaults.port), 'Port of the health endpoints (`/livez`, `/readyz`, `/startupz`, `/drain`, `/metrics`).'),
    host: describe(z._default(text('a host or address'), httpDefaults.host), 'Address to bind; `::` is dual-stack (IPv6 and IPv4).'),
    metricsPort: describe(z._default(z.nullable(port), null), 'Serve `/metrics` on this port instead of the health port; `null`: on the health port.'),
    exposeDetails: describe(z._default(flag, httpDefaults.exposeDetails), 'Show failure reasons in probe responses. Off: reasons go to the log only.'),
    eventLoop: z.prefault(
      z.strictObject({
        maxLag: describe(z.prefault(duration({ min: 1 }), formatDuration(httpDefaults.maxLag)), 'Event-loop lag above this makes podwarden not ready.'),
        livenessAfter: describe(z.prefault(duration({ min: 1 }), formatDuration(httpDefaults.livenessAfter)), 'Lag above `maxLag` sustained this long fails `/livez`.'),
      }),
      {},
    ),
  }),
  {},
);

const shutdownSchema = z.prefault(
  z.strictObject({
    drainDelay: describe(
      z.prefault(duration(), formatDuration(shutdownDefaults.drainDelay)),
      'How long `/readyz` fails before services stop, so load balancers stop sending.',
    ),
    stopBudget: describe(z.prefault(duration(), formatDuration(shutdownDefaults.stopBudget)), 'Budget for the whole stop phase.'),
    stopTimeout: describe(z.prefault(duration(), formatDuration(shutdownDefaults.stopTimeout)), 'Default time each service may take to stop.'),
  }),
  {},
);

/** One `drain.allowFrom` entry. */
const allowEntry = z.string({ error: says('an address, a CIDR or hostIPs', 'a string') }).check(
  z.superRefine((value, ctx) => {
    const problem = allowEntryProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

const drainSchema = z.prefault(
  z.strictObject({
    tokenFile: describe(
      z._default(text('a file path'), drainDefaults.tokenFile),
      'File holding the bearer token `/drain` requires (a mounted Secret). A missing file means no token. `PODWARDEN_DRAIN_TOKEN` takes precedence.',
    ),
    maxHold: describe(
      z.prefault(duration({ min: 1 }), formatDuration(drainDefaults.maxHold)),
      'Un-drain when no SIGTERM follows a completed drain within this time.',
    ),
    allowUnauthenticated: describe(
      z._default(flag, drainDefaults.allowUnauthenticated),
      'Allow `/drain` without a token when none is configured. Off: such calls get 403.',
    ),
    allowFrom: describe(
      z._default(z.array(allowEntry, { error: says('a list of addresses', 'e.g. [hostIPs, 10.0.0.0/8]') }), []),
      `Accept \`/drain\` only from these sources (checked before the token; others get 403): IPv4/IPv6 addresses, CIDRs, or \`${hostIPsKeyword}\` (the node's addresses, from \`${hostIPsEnv}\`). Loopback is always allowed once set. Empty: any source.`,
    ),
    appCheck: describe(
      z.optional(serviceName),
      'The service that checks the app container. It going failed → ready after a completed drain, before any SIGTERM, means the app container was restarted (a liveness restart): the drain is let go at once. Must name a service below.',
    ),
    stateFile: describe(
      z.optional(text('a file path')),
      'Record the drain here (on an `emptyDir`) so a restarted podwarden starts drained for what is left of `maxHold`. Unset: not recorded.',
    ),
  }),
  {},
);

const metricsSchema = z.prefault(
  z.strictObject({
    prefix: describe(
      z._default(
        z.string({ error: says('a metric prefix', 'a string') }).check(z.regex(metricPrefixPattern, { error: says('a metric prefix', metricPrefixRule) })),
        metricsDefaults.prefix,
      ),
      'Prefix of every metric name.',
    ),
  }),
  {},
);

const logSchema = z.prefault(
  z.strictObject({
    level: describe(z._default(z.enum(logLevelNames, { error: says('a log level', `one of ${logLevelNames.join(', ')}`) }), logDefaults.level), 'Log level.'),
  }),
  {},
);

/** The whole config file. */
export const configSchema = z.strictObject({
  server: serverSchema,
  shutdown: shutdownSchema,
  drain: drainSchema,
  metrics: metricsSchema,
  log: logSchema,
  services: describe(
    z._default(
      z.array(serviceSchema, { error: says('a list of services') }).check(
        z.superRefine((services, ctx) => {
          services.forEach((service, i) => {
            if (service.maxRestarts !== undefined && service.restart !== 'on-failure') {
              ctx.addIssue({ code: 'custom', path: [i, 'maxRestarts'], message: 'limits restarts, so it needs restart: on-failure' });
            }
          });
        }),
      ),
      [],
    ),
    'The checks and services to run. See the check types below.',
  ),
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
