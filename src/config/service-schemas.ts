import * as z from 'zod';
import { formatDuration } from '../core/duration.js';
import { restartPolicies } from '../core/options.js';
import { probeKinds } from '../core/states.js';
import { checkDefaults, serviceDefaults } from '../defaults.js';
import { count, duration, flag, hostName, ipAddress, port, says, serviceName, showValue, text } from './schema-helpers.js';

/**
 * The schema of one entry of `services:`, one object per check type. Every
 * object is strict: an unknown key is an error, not silently ignored.
 */

/** Keys every service has. */
const common = {
  name: serviceName.describe('Unique name: the `name` label in metrics, `/readyz/<name>` in probes.'),
  dependsOn: z
    .array(serviceName, { error: says('a list of service names') })
    .default([])
    .describe('Services that must be ready before this one starts.'),
  probes: z
    .array(z.enum(probeKinds, { error: says('a probe', `one of ${probeKinds.join(', ')}`) }), {
      error: says('a list', 'e.g. [readiness, startup]'),
    })
    .default([...serviceDefaults.probes])
    .describe('Which aggregate endpoints it counts in: `readiness` (/readyz), `liveness` (/livez), `startup` (/startupz).'),
  readyTimeout: duration({ min: 1 })
    .optional()
    .describe('Mark the service failed when it is not ready this long after it began waiting (dependencies included). Unset: wait forever.'),
  stopTimeout: duration()
    .optional()
    .describe('How long it may take to stop once asked. Unset: `shutdown.stopTimeout`.'),
  restart: z
    .enum(restartPolicies, { error: says('a restart policy', restartPolicies.join(' or ')) })
    .default(serviceDefaults.restart)
    .describe('`on-failure` restarts a failed service with capped exponential backoff.'),
  maxRestarts: z
    .int({ error: says('a number of restarts', 'a whole number, 0 or more') })
    .min(0, { error: says('a number of restarts', 'a whole number, 0 or more') })
    .optional()
    .describe('With `restart: on-failure`: restarts allowed before a failure is for good. Unset: no limit.'),
  critical: flag
    .default(serviceDefaults.critical)
    .describe(
      'End podwarden (exit code 1, a log line naming the service) when this service fails for good: it failed and will not be restarted, or it was not ready within `readyTimeout`. Off by default: a check watches another container, whose restarts are the kubelet\'s job.',
    ),
};

/** Keys of the periodic checks (every type but `module`). */
const timing = {
  interval: duration({ min: 1, max: 24 * 3600_000 })
    .prefault(formatDuration(checkDefaults.interval))
    .describe('Time between the starts of two attempts (kubelet `periodSeconds`). One attempt is never in flight twice.'),
  timeout: duration({ min: 1, max: 3600_000 })
    .prefault(formatDuration(checkDefaults.timeout))
    .describe('An attempt that takes longer fails (kubelet `timeoutSeconds`).'),
  initialDelay: duration()
    .prefault(formatDuration(checkDefaults.initialDelay))
    .describe('Wait before the first attempt (kubelet `initialDelaySeconds`).'),
  successThreshold: count
    .default(checkDefaults.successThreshold)
    .describe('Consecutive successes to become ready, at start and after failing (kubelet `successThreshold`).'),
  failureThreshold: count
    .default(checkDefaults.failureThreshold)
    .describe('Consecutive failures to become not ready (kubelet `failureThreshold`).'),
};

/** `tls:` of an http or grpc check. */
const tls = z
  .strictObject({
    ca: text('a PEM certificate or a file path')
      .optional()
      .describe('CA bundle that signs the server certificate: inline PEM, or a file path relative to the config file. Unset: the system CAs.'),
    insecureSkipVerify: flag.default(false).describe('Accept any server certificate. For tests only.'),
  })
  .describe('TLS settings for https URLs.');

/** Header names as HTTP allows them. */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An expected-status spec: `200`, `"200-399"`, `"200,204"`, `"200-299,304"`. Resolved to inclusive ranges. */
const expectStatus = z
  .union([z.int(), z.string()])
  .transform((value, ctx) => {
    const ranges: Array<readonly [number, number]> = [];
    for (const part of String(value).split(',')) {
      const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m?.[2] ? Number(m[2]) : lo;
      if (!m || lo < 100 || hi > 599 || hi < lo) {
        ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a status range; use e.g. 200, "200-399" or "200,204"`, input: value });
        return z.NEVER;
      }
      ranges.push([lo, hi]);
    }
    return ranges as ReadonlyArray<readonly [number, number]>;
  })
  .meta({ typeLabel: 'status range' });

/** `bodyMatch`: a substring, or `/regex/flags`. Resolved to a RegExp. */
const bodyMatch = z
  .string({ error: says('a string', 'a substring or /regex/') })
  .min(1, { error: () => 'must not be empty; use a substring or /regex/' })
  .transform((value, ctx) => {
    const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(value);
    if (!m) return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    try {
      return new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[gy]/g, ''));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a valid regular expression (${(err as Error).message})`, input: value });
      return z.NEVER;
    }
  })
  .meta({ typeLabel: 'string | /regex/' });

const httpUrl = z
  .string({ error: says('a URL', 'e.g. http://127.0.0.1:8080/health') })
  .superRefine((value, ctx) => {
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
  });

export const httpService = z
  .strictObject({
    type: z.literal('http'),
    ...common,
    ...timing,
    url: httpUrl.describe('What to request, `http://` or `https://`. Redirects are not followed (a 3xx is judged by `expectStatus`).'),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'], { error: says('a method', 'GET, HEAD, POST, PUT or OPTIONS') })
      .default('GET')
      .describe('HTTP method.'),
    headers: z
      .record(
        z.string().regex(headerName, { error: says('a header name') }),
        z
          .string({ error: () => 'header values must be strings (value withheld)' })
          .refine((value) => !/[\r\n\0]/.test(value), { error: () => 'header values must not contain line breaks (value withheld)' }),
        { error: () => 'is not a mapping of header names to values' },
      )
      .default({})
      .describe('Request headers. Values are secrets: never logged, never shown in errors.'),
    expectStatus: expectStatus.prefault('200-399').describe('Statuses that count as success: `200`, `"200-399"`, `"200,204"`.'),
    bodyMatch: bodyMatch
      .optional()
      .describe('The first 64 KiB of the body must contain this substring, or match it when written `/regex/flags`.'),
    tls: tls.optional(),
  })
  .refine((spec) => !(spec.method === 'HEAD' && spec.bodyMatch), { error: () => 'bodyMatch cannot be used with method HEAD (no body)', path: ['bodyMatch'] })
  .describe('Requests `url`; succeeds on an expected status (and body match). Each check keeps one keep-alive connection and reads the body to its end (up to 64 KiB, within `timeout`), so a truncated or stalled body fails the attempt.');

export const tcpService = z
  .strictObject({
    type: z.literal('tcp'),
    ...common,
    ...timing,
    host: hostName.default('localhost').describe('Host to connect to.'),
    port: port.describe('Port to connect to.'),
  })
  .describe('Opens a TCP connection; succeeds once it connects.');

export const grpcService = z
  .strictObject({
    type: z.literal('grpc'),
    ...common,
    ...timing,
    host: hostName.default('localhost').describe('Host, used with `port`.'),
    port: port.optional().describe('Port; either this or `target`.'),
    target: text('a gRPC target').optional().describe('A gRPC target such as `dns:///app:50051` or `unix:///run/app.sock`; either this or `port`.'),
    service: z
      .string({ error: says('a service name', 'a string') })
      .default('')
      .describe('Service name sent in the `grpc.health.v1.Health/Check` request; empty: the server as a whole.'),
    tls: z
      .union([flag, tls], { error: says('true, false or a mapping', 'true, or { ca, insecureSkipVerify }') })
      .default(false).describe('`true`, or TLS settings (`ca`, `insecureSkipVerify`); `false`: plaintext.'),
  })
  .superRefine((spec, ctx) => {
    if ((spec.port === undefined) === (spec.target === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set either port (with host) or target, not both and not neither', path: spec.port === undefined ? [] : ['target'] });
    }
  })
  .describe('Calls `grpc.health.v1.Health/Check`; succeeds on `SERVING`.');

export const execService = z
  .strictObject({
    type: z.literal('exec'),
    ...common,
    ...timing,
    command: z
      .array(text('an argument'), { error: says('an argv list', 'e.g. [pg_isready, -h, 127.0.0.1]') })
      .min(1, { error: () => 'is empty; use an argv list such as [pg_isready, -h, 127.0.0.1]' })
      .describe('The program and its arguments, run without a shell. Runs in podwarden\'s container.'),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: says('an environment variable name') }), z.string({ error: () => 'values must be strings (value withheld)' }), {
        error: () => 'is not a mapping of variable names to values',
      })
      .default({})
      .describe('Extra environment variables (values are treated as secrets). The command inherits podwarden\'s environment, except `PODWARDEN_DRAIN_TOKEN`.'),
    expectExitCode: z
      .int({ error: says('an exit code', 'an integer from 0 to 255') })
      .min(0, { error: says('an exit code', 'an integer from 0 to 255') })
      .max(255, { error: says('an exit code', 'an integer from 0 to 255') })
      .default(0)
      .describe('Exit code that counts as success.'),
  })
  .describe('Runs a command in its own process group; succeeds on the expected exit code. On timeout the whole group is killed.');

export const fileService = z
  .strictObject({
    type: z.literal('file'),
    ...common,
    ...timing,
    path: text('a file path').describe('File that must exist; relative to the config file. Runs in podwarden\'s container.'),
    maxAge: duration({ min: 1 }).optional().describe('When set, the file must also have been modified within this long.'),
  })
  .describe('Succeeds when the file exists (and is fresh).');

export const dnsService = z
  .strictObject({
    type: z.literal('dns'),
    ...common,
    ...timing,
    host: hostName.describe('The name to resolve, with the system resolver (`/etc/hosts`, then DNS), as the app would.'),
    expectAddresses: z
      .array(ipAddress, { error: says('a list of IP addresses') })
      .default([])
      .describe('Addresses that must all be among the answers; empty: any answer.'),
  })
  .describe('Succeeds when the name resolves (to the expected addresses).');

export const moduleService = z
  .strictObject({
    type: z.literal('module'),
    ...common,
    module: text('a file path').describe('ES module file, relative to the config file. Its default export, or its export `service`, is a BackgroundService or a function `(options) => BackgroundService`.'),
    options: z
      .record(z.string(), z.unknown(), { error: () => 'is not a mapping' })
      .default({})
      .describe('Passed to the exported function.'),
  })
  .describe('Runs a BackgroundService from your own ES module, like any other service. It reports its own readiness; the check timing keys do not apply.');

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
