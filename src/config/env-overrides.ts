/**
 * Environment variables and command-line flags that override the config
 * file's top-level scalars. One table drives applying them, naming them in
 * error messages and documenting them in the generated reference.
 */

/** How an override's text is read before validation; a `boolean` flag takes no value. */
export type OverrideKind = 'port' | 'optional-port' | 'string' | 'boolean' | 'duration' | 'list';

/** One override: its environment variable, its flag key and the config field it sets. */
export interface OverrideSpec {
  readonly env: string;
  /** Key in {@link ConfigOverrides}; the CLI flag is its kebab-case form (`metricsPort` → `--metrics-port`). */
  readonly flag: string;
  readonly path: readonly [string, ...string[]];
  readonly kind: OverrideKind;
}

/** Every override of a config field, in the order the reference lists them. */
export const overrideTable = [
  { env: 'PODWARDEN_PORT', flag: 'port', path: ['server', 'port'], kind: 'port' },
  { env: 'PODWARDEN_HOST', flag: 'host', path: ['server', 'host'], kind: 'string' },
  { env: 'PODWARDEN_METRICS_PORT', flag: 'metricsPort', path: ['server', 'metricsPort'], kind: 'optional-port' },
  { env: 'PODWARDEN_EXPOSE_DETAILS', flag: 'exposeDetails', path: ['server', 'exposeDetails'], kind: 'boolean' },
  { env: 'PODWARDEN_EVENT_LOOP_MAX_LAG', flag: 'eventLoopMaxLag', path: ['server', 'eventLoop', 'maxLag'], kind: 'duration' },
  { env: 'PODWARDEN_EVENT_LOOP_LIVENESS_AFTER', flag: 'eventLoopLivenessAfter', path: ['server', 'eventLoop', 'livenessAfter'], kind: 'duration' },
  { env: 'PODWARDEN_DRAIN_DELAY', flag: 'drainDelay', path: ['shutdown', 'drainDelay'], kind: 'duration' },
  { env: 'PODWARDEN_STOP_BUDGET', flag: 'stopBudget', path: ['shutdown', 'stopBudget'], kind: 'duration' },
  { env: 'PODWARDEN_STOP_TIMEOUT', flag: 'stopTimeout', path: ['shutdown', 'stopTimeout'], kind: 'duration' },
  { env: 'PODWARDEN_DRAIN_TOKEN_FILE', flag: 'drainTokenFile', path: ['drain', 'tokenFile'], kind: 'string' },
  { env: 'PODWARDEN_DRAIN_MAX_HOLD', flag: 'drainMaxHold', path: ['drain', 'maxHold'], kind: 'duration' },
  { env: 'PODWARDEN_DRAIN_ALLOW_UNAUTHENTICATED', flag: 'drainAllowUnauthenticated', path: ['drain', 'allowUnauthenticated'], kind: 'boolean' },
  { env: 'PODWARDEN_DRAIN_ALLOW_FROM', flag: 'drainAllowFrom', path: ['drain', 'allowFrom'], kind: 'list' },
  { env: 'PODWARDEN_DRAIN_APP_CHECK', flag: 'drainAppCheck', path: ['drain', 'appCheck'], kind: 'string' },
  { env: 'PODWARDEN_DRAIN_STATE_FILE', flag: 'drainStateFile', path: ['drain', 'stateFile'], kind: 'string' },
  { env: 'PODWARDEN_METRICS_PREFIX', flag: 'metricsPrefix', path: ['metrics', 'prefix'], kind: 'string' },
  { env: 'PODWARDEN_LOG_LEVEL', flag: 'logLevel', path: ['log', 'level'], kind: 'string' },
] as const satisfies readonly OverrideSpec[];

/** The config file path, when `--config` is not given. */
export const configFileEnv = 'PODWARDEN_CONFIG';
/** The `/drain` bearer token; takes precedence over `drain.tokenFile`. Environment only: a flag would show in `ps`. */
export const drainTokenEnv = 'PODWARDEN_DRAIN_TOKEN';

/** A flag key of {@link overrideTable}. */
export type OverrideKey = (typeof overrideTable)[number]['flag'];

/**
 * Values from command-line flags (`--port 8080`), applied after the
 * environment. Strings are read like environment values.
 */
export type ConfigOverrides = { readonly [K in OverrideKey]?: string | number | boolean | null };

/** `metricsPort` → `metrics-port`: an override's flag, as `parseArgs` names it. */
export function flagOption(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `metricsPort` → `--metrics-port`. */
export function flagName(key: string): string {
  return `--${flagOption(key)}`;
}

/** Read an override's text; values that do not parse are passed on as text so validation reports them. */
function coerce(kind: OverrideKind, value: string | number | boolean | null): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  switch (kind) {
    case 'port':
      return /^\d+$/.test(trimmed) ? Number(trimmed) : value;
    case 'optional-port':
      if (/^(none|null)$/i.test(trimmed)) return null;
      return /^\d+$/.test(trimmed) ? Number(trimmed) : value;
    case 'list':
      // Comma-separated, as the downward API and Helm `join` write lists.
      return trimmed.split(',').map((item) => item.trim()).filter((item) => item !== '');
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(trimmed)) return true;
      if (/^(false|0|no|off)$/i.test(trimmed)) return false;
      return value;
    default:
      return trimmed;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Apply environment then flag overrides to the parsed file (a copy is
 * returned). Empty environment values count as unset. Returns which field
 * each override set, so messages can say where a bad value came from.
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides,
): { raw: Record<string, unknown>; sources: Map<string, string> } {
  const out = structuredClone(raw);
  const sources = new Map<string, string>();
  const set = (spec: OverrideSpec, value: string | number | boolean | null, source: string) => {
    let node: Record<string, unknown> = out;
    for (const key of spec.path.slice(0, -1)) {
      const child = node[key] ?? (node[key] = {});
      if (!isPlainObject(child)) return; // validation reports the wrong shape itself
      node = child;
    }
    node[spec.path[spec.path.length - 1] as string] = coerce(spec.kind, value);
    sources.set(spec.path.join('.'), source);
  };
  for (const spec of overrideTable) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') set(spec, value, spec.env);
  }
  for (const spec of overrideTable) {
    const value = overrides[spec.flag];
    if (value !== undefined) set(spec, value, flagName(spec.flag));
  }
  return { raw: out, sources };
}
