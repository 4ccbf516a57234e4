import * as z from 'zod/mini';
import { formatDuration } from '../core/duration.js';
import { restartPolicies } from '../core/options.js';
import { probeKinds } from '../core/states.js';
import { checkDefaults, serviceDefaults } from '../defaults.js';
import { count, describe, duration, flag, hostName, ipAddress, meta, port, refuse, says, serviceName, showValue, text } from './schema-helpers.js';

/**
 * The schema of one entry of `services:`, one object per check type. Every
 * object is strict: an unknown key is an error, not silently ignored.
 */

/** Keys every service has. */
const common = {
  name: describe(serviceName, 'Unique name: the `name` label in metrics, `/readyz/<name>` in probes.'),
  dependsOn: describe(z._default(z.array(serviceName, { error: says('a list of service names') }), []), 'Services that must be ready before this one starts.'),
  probes: describe(
    z._default(
      z.array(z.enum(probeKinds, { error: says('a probe', `one of ${probeKinds.join(', ')}`) }), {
        error: says('a list', 'e.g. [readiness, startup]'),
      }),
      [...serviceDefaults.probes],
    ),
    'Which aggregate endpoints it counts in: `readiness` (/readyz), `liveness` (/livez), `startup` (/startupz).',
  ),
  readyTimeout: describe(
    z.optional(duration({ min: 1 })),
    'Mark the service failed when it is not ready this long after it began waiting (dependencies included). Unset: wait forever.',
  ),
  stopTimeout: describe(z.optional(duration()), 'How long it may take to stop once asked. Unset: `shutdown.stopTimeout`.'),
  restart: describe(
    z._default(z.enum(restartPolicies, { error: says('a restart policy', restartPolicies.join(' or ')) }), serviceDefaults.restart),
    '`on-failure` restarts a failed service with capped exponential backoff.',
  ),
  maxRestarts: describe(
    z.optional(
      z
        .int({ error: says('a number of restarts', 'a whole number, 0 or more') })
        .check(z.minimum(0, { error: says('a number of restarts', 'a whole number, 0 or more') })),
    ),
    'With `restart: on-failure`: restarts allowed before a failure is for good. Unset: no limit.',
  ),
  critical: describe(
    z._default(flag, serviceDefaults.critical),
    'End podwarden (exit code 1, a log line naming the service) when this service fails for good: it failed and will not be restarted, or it was not ready within `readyTimeout`. Off by default: a check watches another container, whose restarts are the kubelet\'s job.',
  ),
};

/** Keys of the periodic checks (every type but `module`). */
const timing = {
  interval: describe(
    z.prefault(duration({ min: 1, max: 24 * 3600_000 }), formatDuration(checkDefaults.interval)),
    'Time between the starts of two attempts (kubelet `periodSeconds`). One attempt is never in flight twice. Checks do not all attempt together every round: the checks of one interval are placed in groups of eight, and after the first group the second attempt of each group comes its own share of the interval after the first, at most one interval.',
  ),
  timeout: describe(
    z.prefault(duration({ min: 1, max: 3600_000 }), formatDuration(checkDefaults.timeout)),
    'An attempt that takes longer fails (kubelet `timeoutSeconds`).',
  ),
  initialDelay: describe(z.prefault(duration(), formatDuration(checkDefaults.initialDelay)), 'Wait before the first attempt (kubelet `initialDelaySeconds`).'),
  successThreshold: describe(
    z._default(count, checkDefaults.successThreshold),
    'Consecutive successes to become ready, at start and after failing (kubelet `successThreshold`).',
  ),
  failureThreshold: describe(z._default(count, checkDefaults.failureThreshold), 'Consecutive failures to become not ready (kubelet `failureThreshold`).'),
};

/** `tls:` of an http or grpc check. */
const tls = describe(
  z.strictObject({
    ca: describe(
      z.optional(text('a PEM certificate or a file path')),
      'CA bundle that signs the server certificate: inline PEM, or a file path relative to the config file. Unset: the system CAs.',
    ),
    insecureSkipVerify: describe(z._default(flag, false), 'Accept any server certificate. For tests only.'),
  }),
  'TLS settings for https URLs.',
);

/** Header names as HTTP allows them. */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An expected-status spec: `200`, `"200-399"`, `"200,204"`, `"200-299,304"`. Resolved to inclusive ranges. */
const expectStatus = meta(
  z.pipe(
    z.union([z.int(), z.string()]),
    z.transform((value: number | string, ctx) => {
      const ranges: Array<readonly [number, number]> = [];
      for (const part of String(value).split(',')) {
        const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
        const lo = m ? Number(m[1]) : NaN;
        const hi = m?.[2] ? Number(m[2]) : lo;
        if (!m || lo < 100 || hi > 599 || hi < lo) return refuse(ctx, `${showValue(value)} is not a status range; use e.g. 200, "200-399" or "200,204"`, value);
        ranges.push([lo, hi]);
      }
      return ranges as ReadonlyArray<readonly [number, number]>;
    }),
  ),
  { typeLabel: 'status range' },
);

/** `bodyMatch`: a substring, or `/regex/flags`. Resolved to a RegExp. */
const bodyMatch = meta(
  z.pipe(
    z.string({ error: says('a string', 'a substring or /regex/') }).check(z.minLength(1, { error: () => 'must not be empty; use a substring or /regex/' })),
    z.transform((value: string, ctx) => {
      const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(value);
      if (!m) return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      try {
        return new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[gy]/g, ''));
      } catch (err) {
        return refuse(ctx, `${showValue(value)} is not a valid regular expression (${(err as Error).message})`, value);
      }
    }),
  ),
  { typeLabel: 'string | /regex/' },
);

const httpUrl = z.string({ error: says('a URL', 'e.g. http://127.0.0.1:8080/health') }).check(
  z.superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a URL; use e.g. http://127.0.0.1:8080/health`, input: value });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `scheme "${url.protocol.slice(0, -1)}" is not supported; use http or https`, input: value });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials (value withheld); send them in headers.Authorization', input: '' });
    }
  }),
);

export const httpService = describe(
  z
    .strictObject({
      type: z.literal('http'),
      ...common,
      ...timing,
      url: describe(httpUrl, 'What to request, `http://` or `https://`. Redirects are not followed (a 3xx is judged by `expectStatus`).'),
      method: describe(
        z._default(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'], { error: says('a method', 'GET, HEAD, POST, PUT or OPTIONS') }), 'GET'),
        'HTTP method.',
      ),
      headers: describe(
        z._default(
          z.record(
            z.string().check(z.regex(headerName, { error: says('a header name') })),
            z
              .string({ error: () => 'header values must be strings (value withheld)' })
              .check(z.refine((value) => !/[\r\n\0]/.test(value), { error: () => 'header values must not contain line breaks (value withheld)' })),
            { error: () => 'is not a mapping of header names to values' },
          ),
          {},
        ),
        'Request headers. Values are secrets: never logged, never shown in errors.',
      ),
      expectStatus: describe(z.prefault(expectStatus, '200-399'), 'Statuses that count as success: `200`, `"200-399"`, `"200,204"`.'),
      bodyMatch: describe(z.optional(bodyMatch), 'The first 64 KiB of the body must contain this substring, or match it when written `/regex/flags`.'),
      tls: z.optional(tls),
    })
    .check(z.refine((spec) => !(spec.method === 'HEAD' && spec.bodyMatch), { error: () => 'bodyMatch cannot be used with method HEAD (no body)', path: ['bodyMatch'] })),
  'Requests `url`; succeeds on an expected status (and body match). Each check keeps one keep-alive connection and reads the body to its end (up to 64 KiB, within `timeout`), so a truncated or stalled body fails the attempt.',
);

export const tcpService = describe(
  z.strictObject({
    type: z.literal('tcp'),
    ...common,
    ...timing,
    host: describe(z._default(hostName, 'localhost'), 'Host to connect to.'),
    port: describe(port, 'Port to connect to.'),
  }),
  'Opens a TCP connection; succeeds once it connects.',
);

export const grpcService = describe(
  z
    .strictObject({
      type: z.literal('grpc'),
      ...common,
      ...timing,
      host: describe(z._default(hostName, 'localhost'), 'Host, used with `port`.'),
      port: describe(z.optional(port), 'Port; either this or `target`.'),
      target: describe(z.optional(text('a gRPC target')), 'A gRPC target such as `dns:///app:50051` or `unix:///run/app.sock`; either this or `port`.'),
      service: describe(
        z._default(z.string({ error: says('a service name', 'a string') }), ''),
        'Service name sent in the `grpc.health.v1.Health/Check` request; empty: the server as a whole.',
      ),
      tls: describe(
        z._default(z.union([flag, tls], { error: says('true, false or a mapping', 'true, or { ca, insecureSkipVerify }') }), false),
        '`true`, or TLS settings (`ca`, `insecureSkipVerify`); `false`: plaintext.',
      ),
    })
    .check(
      z.superRefine((spec, ctx) => {
        if ((spec.port === undefined) === (spec.target === undefined)) {
          ctx.addIssue({ code: 'custom', message: 'set either port (with host) or target, not both and not neither', path: spec.port === undefined ? [] : ['target'] });
        }
      }),
    ),
  'Calls `grpc.health.v1.Health/Check`; succeeds on `SERVING`.',
);

export const execService = describe(
  z.strictObject({
    type: z.literal('exec'),
    ...common,
    ...timing,
    command: describe(
      z
        .array(text('an argument'), { error: says('an argv list', 'e.g. [pg_isready, -h, 127.0.0.1]') })
        .check(z.minLength(1, { error: () => 'is empty; use an argv list such as [pg_isready, -h, 127.0.0.1]' })),
      'The program and its arguments, run without a shell. Runs in podwarden\'s container.',
    ),
    env: describe(
      z._default(
        z.record(
          z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: says('an environment variable name') })),
          z.string({ error: () => 'values must be strings (value withheld)' }),
          { error: () => 'is not a mapping of variable names to values' },
        ),
        {},
      ),
      'Extra environment variables (values are treated as secrets). The command inherits podwarden\'s environment, except `PODWARDEN_DRAIN_TOKEN`.',
    ),
    expectExitCode: describe(
      z._default(
        z
          .int({ error: says('an exit code', 'an integer from 0 to 255') })
          .check(
            z.minimum(0, { error: says('an exit code', 'an integer from 0 to 255') }),
            z.maximum(255, { error: says('an exit code', 'an integer from 0 to 255') }),
          ),
        0,
      ),
      'Exit code that counts as success.',
    ),
  }),
  'Runs a command in its own process group; succeeds on the expected exit code. On timeout the whole group is killed.',
);

export const fileService = describe(
  z.strictObject({
    type: z.literal('file'),
    ...common,
    ...timing,
    path: describe(text('a file path'), 'File that must exist; relative to the config file. Runs in podwarden\'s container.'),
    maxAge: describe(z.optional(duration({ min: 1 })), 'When set, the file must also have been modified within this long.'),
  }),
  'Succeeds when the file exists (and is fresh).',
);

export const dnsService = describe(
  z.strictObject({
    type: z.literal('dns'),
    ...common,
    ...timing,
    host: describe(hostName, 'The name to resolve, with the system resolver (`/etc/hosts`, then DNS), as the app would.'),
    expectAddresses: describe(
      z._default(z.array(ipAddress, { error: says('a list of IP addresses') }), []),
      'Addresses that must all be among the answers; empty: any answer.',
    ),
  }),
  'Succeeds when the name resolves (to the expected addresses).',
);

export const moduleService = describe(
  z.strictObject({
    type: z.literal('module'),
    ...common,
    module: describe(
      text('a file path'),
      'ES module file, relative to the config file. Its default export, or its export `service`, is a BackgroundService or a function `(options) => BackgroundService`.',
    ),
    options: describe(z._default(z.record(z.string(), z.unknown(), { error: () => 'is not a mapping' }), {}), 'Passed to the exported function.'),
  }),
  'Runs a BackgroundService from your own ES module, like any other service. It reports its own readiness; the check timing keys do not apply.',
);

/** The check types, in the order the reference lists them. */
export const serviceSchemas = [httpService, tcpService, grpcService, execService, fileService, dnsService, moduleService] as const;

/** One entry of `services:`; the `type` key picks the schema. */
export const serviceSchema = z.discriminatedUnion('type', serviceSchemas, {
  error: (iss) => {
    if (typeof iss.input !== 'object' || iss.input === null || Array.isArray(iss.input)) {
      return `${showValue(iss.input)} is not a service; use a mapping with at least name and type`;
    }
    const type = (iss.input as { type?: unknown }).type;
    return type === undefined
      ? 'is required; use one of http, tcp, grpc, exec, file, dns, module'
      : `${showValue(type)} is not a check type; use one of http, tcp, grpc, exec, file, dns, module`;
  },
});
