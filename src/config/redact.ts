import type { PodwardenConfig } from './schema.js';

/** What stands in for a secret value. */
export const redacted = '[redacted]';

/** True for paths whose values are secrets: HTTP header values, exec env values, the drain token. */
export function isSecretPath(path: ReadonlyArray<PropertyKey>): boolean {
  if (path[0] === 'drain' && path[1] === 'token') return true;
  return path[0] === 'services' && (path[2] === 'headers' || path[2] === 'env') && path.length > 3;
}

/**
 * A copy of the config that is safe to log or print: header values, exec env
 * values and the drain token replaced by `[redacted]`.
 */
export function redactConfig(config: PodwardenConfig): unknown {
  const hide = (values: Readonly<Record<string, string>>) => Object.fromEntries(Object.keys(values).map((k) => [k, redacted]));
  return {
    ...config,
    drain: { ...config.drain, token: config.drain.token === undefined ? undefined : redacted },
    services: config.services.map((spec) => {
      if (spec.type === 'http') return { ...spec, headers: hide(spec.headers), bodyMatch: spec.bodyMatch?.toString() };
      if (spec.type === 'exec') return { ...spec, env: hide(spec.env) };
      return spec;
    }),
  };
}
