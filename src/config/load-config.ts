import path from 'node:path';
import { httpDefaults } from '../defaults.js';
import { podwardenError } from '../errors.js';
import { hostIPsEnv, hostIPsKeyword, parseHostIPs } from '../http/allow-from.js';
import { type ConfigOverrides, applyOverrides, configFileEnv, drainTokenEnv } from './env-overrides.js';
import { type ConfigProblem, closest, configErrorMap, formatProblem, problemsFromIssues } from './format-issues.js';
import type { ParsedYaml } from './parse-yaml.js';
import { type PodwardenConfig, configSchema } from './schema.js';
import { serviceGraphProblems } from './service-graph.js';
import { readFileSync } from '../runtime/files.js';

/**
 * The config served when none is given (`npm start`, `podwarden serve`
 * without `--config`): defaults only, no services. The HTTP layer adds the
 * built-in `podwarden` self check.
 */
export const embeddedDefaultConfig = `# podwarden's built-in default: the health endpoints on :${httpDefaults.port}, no checks.
server:
  port: ${httpDefaults.port}
  host: "${httpDefaults.host}"
services: []
`;

/** {@link embeddedDefaultConfig} as parsed YAML (a test keeps the two equal): the default start needs no YAML parser. */
const embeddedDefaultValue = { server: { port: httpDefaults.port, host: httpDefaults.host }, services: [] };

/** Where a config comes from and what overrides it. */
export interface LoadConfigOptions {
  /** Config file (YAML). Unset: `PODWARDEN_CONFIG`, else {@link embeddedDefaultConfig}. */
  readonly file?: string;
  /** Environment to read `PODWARDEN_*` overrides from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line flag values; applied after the environment. */
  readonly overrides?: ConfigOverrides;
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Named in messages; its folder resolves relative paths (default: the working directory). */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly overrides?: ConfigOverrides;
}

/**
 * Read, override and validate the config. Throws a `PodwardenError`:
 * `PODWARDEN_ERR_CONFIG_READ` when the file cannot be read,
 * `PODWARDEN_ERR_CONFIG` listing every problem with its field path (or line
 * and column for malformed YAML) and what is allowed. Secrets (header and
 * exec env values, the drain token) never appear in messages.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<PodwardenConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? (env[configFileEnv] || undefined);
  let text = embeddedDefaultConfig;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : (e.code ?? e.message);
      throw podwardenError('PODWARDEN_ERR_CONFIG_READ', file, why);
    }
  }
  return parseConfig(text, { file, env, overrides: options.overrides ?? {} });
}

/** Validate config text (YAML or JSON) as {@link loadConfig} does, without reading a file. */
export async function parseConfig(text: string, options: ParseConfigOptions = {}): Promise<PodwardenConfig> {
  const env = options.env ?? process.env;
  const fail = (problems: ConfigProblem[]) => {
    const shown = problems.length > maxProblems ? [...problems.slice(0, maxProblems), { path: '', message: `${problems.length - maxProblems} more problems not shown; fix the ones above first` }] : problems;
    return podwardenError('PODWARDEN_ERR_CONFIG', options.file ? ` in ${options.file}` : '', shown.map((p) => `  - ${formatProblem(p)}`).join('\n'));
  };

  const parsed: ParsedYaml = text === embeddedDefaultConfig ? { value: structuredClone(embeddedDefaultValue) } : (await import('./parse-yaml.js')).parseYaml(text);
  if ('problems' in parsed) throw fail(parsed.problems);
  const { raw, sources } = applyOverrides(parsed.value, env, options.overrides ?? {});

  const result = configSchema.safeParse(raw, { error: configErrorMap });
  const problems = result.success ? [] : problemsFromIssues(result.error.issues);
  const hostIPs = result.success ? resolveHostIPs(result.data.drain.allowFrom, env, problems) : undefined;
  if (result.success) problems.push(...appCheckProblems(result.data));
  for (const problem of problems) explain(problem, raw, sources);
  problems.push(...serviceGraphProblems(raw.services));

  const baseDir = options.file ? path.dirname(path.resolve(options.file)) : process.cwd();
  const token = await resolveToken(env, result.success ? path.resolve(baseDir, result.data.drain.tokenFile) : undefined, problems);
  if (!result.success || problems.length > 0) throw fail(problems);
  return finish(result.data, baseDir, token, hostIPs);
}

/**
 * The node's addresses for a `hostIPs` entry of `drain.allowFrom`, from
 * `PODWARDEN_HOST_IPS`. Unset or bad is a problem: guessing would either open
 * `/drain` to everyone or refuse the kubelet's own preStop.
 */
function resolveHostIPs(allowFrom: readonly string[], env: NodeJS.ProcessEnv, problems: ConfigProblem[]): string[] | undefined {
  const at = allowFrom.indexOf(hostIPsKeyword);
  if (at === -1) return undefined;
  const where = `drain.allowFrom[${at}]`;
  const value = env[hostIPsEnv];
  if (value === undefined || value.trim() === '') {
    problems.push({
      path: where,
      message: `"${hostIPsKeyword}" needs ${hostIPsEnv} (the node's addresses, comma-separated); set it from the downward API (fieldRef status.hostIPs), or list the addresses or CIDRs instead`,
    });
    return undefined;
  }
  const { addresses, invalid } = parseHostIPs(value);
  if (invalid.length > 0 || addresses.length === 0) {
    const shown = invalid.slice(0, 3).map((s) => JSON.stringify(s.slice(0, 60))).join(', ');
    problems.push({ path: `${where} (from ${hostIPsEnv})`, message: `${shown || 'nothing'} is not an IP address; ${hostIPsEnv} must list addresses, comma-separated, e.g. 10.0.0.7,fd00::7` });
    return undefined;
  }
  return addresses;
}

/** `drain.appCheck` must name a service of this config. */
function appCheckProblems(data: ReturnType<typeof configSchema.parse>): ConfigProblem[] {
  const name = data.drain.appCheck;
  if (name === undefined) return [];
  const names = data.services.map((s) => s.name);
  if (names.includes(name)) return [];
  const guess = closest(name, names);
  return [
    {
      path: 'drain.appCheck',
      message: `"${name}" is not a service in this config${guess ? ` (did you mean "${guess}"?)` : ''}; name the check of the app container, one of: ${names.length === 0 ? 'none (add one under services)' : names.join(', ')}`,
    },
  ];
}

/** A refused config lists at most this many problems. */
const maxProblems = 50;

const timingKeys = new Set(['interval', 'timeout', 'initialDelay', 'successThreshold', 'failureThreshold']);

/** Name where an overridden value came from, and add hints to the usual mistakes. */
function explain(problem: ConfigProblem, raw: Record<string, unknown>, sources: ReadonlyMap<string, string>): void {
  // `drain.allowFrom[2]` came from whatever set `drain.allowFrom`.
  const source = sources.get(problem.path) ?? sources.get(problem.path.replace(/\[\d+\]$/, ''));
  if (source) Object.assign(problem, { path: `${problem.path} (from ${source})` });
  if (problem.path === 'drain.token') {
    Object.assign(problem, { message: `a token does not belong in the config file; put it in the file named by drain.tokenFile or in ${drainTokenEnv}` });
    return;
  }
  const m = /^services\[(\d+)\]\.(\w+)$/.exec(problem.path);
  const entry = m && Array.isArray(raw.services) ? (raw.services[Number(m[1])] as { type?: unknown }) : undefined;
  if (m && entry?.type === 'module' && timingKeys.has(m[2] ?? '') && problem.message.startsWith('unknown key')) {
    Object.assign(problem, { message: `${problem.message}; a module service reports its own readiness, so check timing keys do not apply` });
  }
}

/** A token must fit in an `Authorization: Bearer` header. */
const tokenPattern = /^[\x21-\x7e]{1,4096}$/;

/** `PODWARDEN_DRAIN_TOKEN`, else the token file's content; a missing file means no token. */
async function resolveToken(env: NodeJS.ProcessEnv, tokenFile: string | undefined, problems: ConfigProblem[]): Promise<string | undefined> {
  const fromEnv = env[drainTokenEnv];
  if (fromEnv) {
    if (tokenPattern.test(fromEnv)) return fromEnv;
    problems.push({ path: `drain.token (from ${drainTokenEnv})`, message: 'must be 1–4096 printable ASCII characters without spaces (value withheld)' });
    return undefined;
  }
  if (tokenFile === undefined) return undefined;
  let content: string;
  try {
    content = readFileSync(tokenFile, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') problems.push({ path: 'drain.tokenFile', message: `cannot read ${tokenFile}: ${code ?? 'error'}` });
    return undefined;
  }
  if (content === '') return undefined;
  if (tokenPattern.test(content)) return content;
  problems.push({ path: 'drain.tokenFile', message: `the token in ${tokenFile} must be 1–4096 printable ASCII characters without spaces (value withheld)` });
  return undefined;
}

/** Resolve relative paths against the config file's folder, attach the host addresses, and the token, hidden from enumeration. */
function finish(data: ReturnType<typeof configSchema.parse>, baseDir: string, token: string | undefined, hostIPs: string[] | undefined): PodwardenConfig {
  const resolvePath = (p: string) => path.resolve(baseDir, p);
  const resolveCa = (ca: string | undefined) => (ca === undefined || ca.includes('-----BEGIN') ? ca : resolvePath(ca));
  const services = data.services.map((spec) => {
    switch (spec.type) {
      case 'module':
        return { ...spec, module: resolvePath(spec.module) };
      case 'file':
        return { ...spec, path: resolvePath(spec.path) };
      case 'http':
        return spec.tls ? { ...spec, tls: { ...spec.tls, ca: resolveCa(spec.tls.ca) } } : spec;
      case 'grpc':
        return typeof spec.tls === 'object' ? { ...spec, tls: { ...spec.tls, ca: resolveCa(spec.tls.ca) } } : spec;
      default:
        return spec;
    }
  });
  const stateFile = data.drain.stateFile === undefined ? undefined : resolvePath(data.drain.stateFile);
  const drain = { ...data.drain, tokenFile: resolvePath(data.drain.tokenFile), stateFile, hostIPs } as Omit<PodwardenConfig['drain'], 'token'> as PodwardenConfig['drain'];
  Object.defineProperty(drain, 'token', { value: token, enumerable: false, writable: false });
  return { ...data, drain, services };
}
