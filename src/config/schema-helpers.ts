import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { type DurationLimits, readDuration } from '../core/duration.js';
import { serviceNamePattern, serviceNameRule } from '../core/service-names.js';

/**
 * Small zod building blocks shared by the config schema: durations, ports,
 * names. Each carries the message a user sees when the value is wrong, so the
 * message says what is allowed. The schema uses `zod/mini`, whose functional
 * API loads a fraction of zod's chained one at every start (docs/performance.md).
 */

/** A copy of `schema` with `metadata` for the generated reference (what zod's `.meta()` does). */
export function meta<T extends z.ZodMiniType>(schema: T, metadata: z.core.GlobalMeta): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, metadata);
  return copy;
}

/** A copy of `schema` described in the generated reference (what zod's `.describe()` does). */
export function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  return meta(schema, { description });
}

/** Shows a user-supplied value in a message, shortened; `//user:pass@` in URLs is withheld. */
export function showValue(value: unknown): string {
  let text: string;
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else if (Array.isArray(value)) return 'a list';
  else if (typeof value === 'object') return 'a mapping';
  else text = String(value);
  text = text.replace(/\/\/[^/@\s"]*@/g, '//[withheld]@');
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

/**
 * An error message for a value that is not `what`: `"x" is not a port; use
 * an integer from 1 to 65535`, or `is required; use …` when it is missing.
 */
export function says(what: string, use?: string): (iss: { input?: unknown }) => string {
  const hint = use ? `; use ${use}` : '';
  return (iss) => (iss.input === undefined ? `is required${hint || `; use ${what}`}` : `${showValue(iss.input)} is not ${what}${hint}`);
}

/** Record a problem found by a transform (zod's `ctx.addIssue` there), and give up on the value. */
export function refuse(ctx: z.core.ParsePayload, message: string, input: unknown): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

/**
 * A duration in the one grammar (`250ms`, `1.5s`, `10m`, `1h`, or `0`),
 * parsed to milliseconds. A bare number other than `0` is refused (is `5`
 * seconds or milliseconds?). Within `limits`, and at most 24 days.
 */
export function duration(limits: DurationLimits = {}) {
  const parse = z.transform((value: unknown, ctx) => {
    const read = readDuration(value, limits);
    if (read.problem === undefined) return read.ms;
    return refuse(ctx, `${showValue(value)} ${read.problem}`, value);
  });
  return meta(z.pipe(z.unknown(), parse), { typeLabel: 'duration' });
}

/** A TCP port, 1–65535. */
export const port = meta(
  z.int({ error: says('a port', 'an integer from 1 to 65535') }).check(
    z.minimum(1, { error: says('a port', 'an integer from 1 to 65535') }),
    z.maximum(65535, { error: says('a port', 'an integer from 1 to 65535') }),
  ),
  { typeLabel: 'port' },
);

/** A positive integer count (thresholds). */
export const count = z
  .int({ error: says('a count', 'an integer ≥ 1') })
  .check(
    z.minimum(1, { error: says('a count', 'an integer ≥ 1') }),
    z.maximum(1000, { error: (iss) => `${showValue(iss.input)} is too large; use at most 1000` }),
  );

/** Service names, as the core accepts them (they appear in URLs and metric labels). */
export const serviceName = z
  .string({ error: says('a name', 'a string') })
  .check(z.regex(serviceNamePattern, { error: says('a valid name', serviceNameRule) }));

/** A non-empty string. */
export function text(what: string) {
  return z.string({ error: says(what, 'a string') }).check(z.minLength(1, { error: () => `must not be empty; use ${what}` }));
}

/** true or false. */
export const flag = z.boolean({ error: says('true or false') });

/** An IPv4 or IPv6 address. */
export const ipAddress = z
  .string({ error: says('an IP address') })
  .check(z.refine((value) => isIP(value) !== 0, { error: says('an IP address, e.g. 127.0.0.1 or ::1') }));

/** A DNS host name (or an IP address). */
export const hostName = z.string({ error: says('a host name', 'a string') }).check(
  z.refine((value) => isIP(value) !== 0 || /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/.test(value), {
    error: says('a host name or IP address'),
  }),
);
