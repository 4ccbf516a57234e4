import * as z from 'zod/mini';
import { durationGrammar, formatDuration as d } from '../src/core/duration.js';
import { reservedServiceNames } from '../src/core/service-names.js';
import { drainDefaults, httpDefaults, logDefaults, metricsDefaults, shutdownDefaults } from '../src/defaults.js';
import { hostIPsEnv, hostIPsKeyword } from '../src/http/allow-from.js';
import { configFileEnv, drainTokenEnv, flagName, overrideTable } from '../src/config/env-overrides.js';
import { embeddedDefaultConfig } from '../src/config/load-config.js';
import { configSchema } from '../src/config/schema.js';

/**
 * Renders `docs/config.md` from the config schema: every key with its type,
 * default and description, every check type, every override. The script
 * `scripts/gen-config-reference.mjs` writes it; a test fails when the
 * committed file differs.
 */

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  typeLabel?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  minimum?: number;
  maximum?: number;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: JsonSchema): string {
  if (s.typeLabel) return s.typeLabel;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  switch (s.type) {
    case 'integer':
      return s.minimum !== undefined && s.maximum !== undefined ? `integer ${s.minimum}–${s.maximum}` : s.minimum !== undefined ? `integer ≥ ${s.minimum}` : 'integer';
    case 'array':
      return `list of ${s.items ? typeOf(s.items) : 'values'}`;
    case 'object':
      return s.properties ? 'mapping' : 'mapping of string to ' + (typeof s.additionalProperties === 'object' && s.additionalProperties.type ? typeOf(s.additionalProperties) : 'any');
    case 'null':
      return '`null`';
    default:
      return typeof s.type === 'string' ? s.type : 'any';
  }
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default !== undefined) {
    const d = s.default;
    if (d === '') return '`""`';
    if (typeof d === 'object' && d !== null && !Array.isArray(d)) return `\`${JSON.stringify(d)}\``;
    return `\`${Array.isArray(d) ? `[${d.join(', ')}]` : String(d)}\``;
  }
  return required ? '**required**' : 'unset';
}

/** Rows `key | type | default | description`, nested mappings flattened to dotted keys. */
function rows(s: JsonSchema, prefix: string, only?: (key: string) => boolean): string[] {
  const out: string[] = [];
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    if (only && !only(key)) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    const nested = prop.type === 'object' && prop.properties;
    if (nested && !prop.description) {
      out.push(...rows(prop, name));
      continue;
    }
    out.push(`| \`${name}\` | ${cell(typeOf(prop))} | ${defaultOf(prop, s.required?.includes(key) ?? false)} | ${cell(prop.description ?? '')} |`);
    if (nested) out.push(...rows(prop, name));
  }
  return out;
}

const tableHead = ['| key | type | default | description |', '|---|---|---|---|'];

/** The whole reference, as Markdown. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const props = root.properties ?? {};
  const variants = props.services?.items?.oneOf ?? [];
  const keysOf = (v: JsonSchema) => Object.keys(v.properties ?? {});
  const inAll = (list: JsonSchema[]) => (key: string) => list.every((v) => keysOf(v).includes(key));
  const common = inAll(variants);
  const periodic = variants.filter((v) => v.properties?.type?.const !== 'module');
  const timing = (key: string) => inAll(periodic)(key) && !common(key);

  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `node scripts/gen-config-reference.mjs`. Do not edit by hand. -->',
    '',
    'podwarden reads one YAML file (`podwarden serve --config FILE`, or `$' + configFileEnv + '`), once at start.',
    'Every mapping is strict: an unknown key is an error. A bad config is refused before any port opens,',
    'with exit code 2 and one line per problem naming the field path and what is allowed;',
    '`podwarden validate FILE` prints the same list (or `ok`), and looks for the files the config names and the packages its',
    '`grpc` checks load (see Decisions).',
    'The file is one YAML 1.2 document (JSON is YAML too): `yes` and `on` are strings, a key appears once per mapping,',
    'and anchors and aliases may be used (at most 100 aliases); a file that starts with `%YAML 1.1` is read with YAML 1.1\'s types.',
    '',
    '<!-- docs-test: skip — names ./worker.js, a module of your own -->',
    '```yaml',
    `server:   { port: ${httpDefaults.port}, host: "${httpDefaults.host}", metricsPort: null, exposeDetails: ${httpDefaults.exposeDetails}, eventLoop: { maxLag: ${d(httpDefaults.maxLag)}, livenessAfter: ${d(httpDefaults.livenessAfter)} } }`,
    `shutdown: { drainDelay: ${d(shutdownDefaults.drainDelay)}, stopBudget: ${d(shutdownDefaults.stopBudget)}, stopTimeout: ${d(shutdownDefaults.stopTimeout)} }`,
    `drain:    { tokenFile: ${drainDefaults.tokenFile}, maxHold: ${d(drainDefaults.maxHold)}, allowUnauthenticated: ${drainDefaults.allowUnauthenticated} }`,
    `metrics:  { prefix: ${metricsDefaults.prefix} }`,
    `log:      { level: ${logDefaults.level} }`,
    'services:',
    '  - { name: app, type: http, url: "http://127.0.0.1:8080/health", interval: 2s, timeout: 1s, failureThreshold: 3 }',
    '  - { name: postgres, type: tcp, host: 127.0.0.1, port: 5432 }',
    '  - { name: worker, type: module, module: ./worker.js, dependsOn: [postgres] }',
    '```',
    '',
    `**Durations** are written alike in the file, the environment and flags: ${durationGrammar}.`,
    'Anything else is refused: `1sec`, `5 s`, `2w`, a bare number such as `5000` (seconds or milliseconds?). **Paths** (`module`, `file` `path`, `tls.ca`, `drain.tokenFile`, `drain.stateFile`) are relative to the',
    'config file.',
    '',
    'With no file, podwarden serves this embedded default (the HTTP layer adds its own `podwarden` self check):',
    '',
    '```yaml',
    embeddedDefaultConfig.trimEnd(),
    '```',
    '',
    '## Top-level settings',
    '',
    ...tableHead,
  ];
  for (const section of ['server', 'shutdown', 'drain', 'metrics', 'log']) {
    const schema = props[section];
    if (schema) lines.push(...rows(schema, section));
  }

  lines.push(
    '',
    '## Overrides',
    '',
    'Environment variables override the file; flags override both. Empty variables count as unset.',
    '',
    '| environment | flag | sets |',
    '|---|---|---|',
    `| \`${configFileEnv}\` | \`--config\` | the config file |`,
    ...overrideTable.map((o) => `| \`${o.env}\` | \`${flagName(o.flag)}\` | \`${o.path.join('.')}\` |`),
    `| \`${drainTokenEnv}\` | — | the \`/drain\` bearer token; takes precedence over \`drain.tokenFile\`. No flag: it would show in \`ps\`. |`,
    `| \`${hostIPsEnv}\` | — | the node's addresses, comma-separated, for the \`${hostIPsKeyword}\` entry of \`drain.allowFrom\` (the downward API's \`status.hostIPs\`). Read only when that entry is listed; then it is required. |`,
    '',
    'Booleans accept `true`/`false`/`1`/`0`/`yes`/`no`; `PODWARDEN_METRICS_PORT=none` sets `metricsPort: null`.',
    'Lists (`PODWARDEN_DRAIN_ALLOW_FROM`) are comma-separated: `hostIPs,10.0.0.0/8`.',
    'A bad value is reported with where it came from, e.g. `server.port (from PODWARDEN_PORT): "x" is not a port`.',
    '',
    '## Services',
    '',
    props.services?.description ?? '',
    '',
    'Every entry has a `name` and a `type`; these keys apply to all types:',
    '',
    ...tableHead,
    ...(variants[0] ? rows(variants[0], '', (key) => common(key) && key !== 'type') : []),
    '',
    'Every type but `module` is a periodic check, with kubelet\'s timing keys and meanings. The service is',
    '`starting` until `successThreshold` consecutive successes; it goes `not-ready` after `failureThreshold`',
    'consecutive failures and back to `ready` after `successThreshold` successes. Probes read the cached state:',
    'a probe request never runs a check. Each attempt\'s duration, outcome and error feed the metrics.',
    '',
    ...tableHead,
    ...(periodic[0] ? rows(periodic[0], '', timing) : []),
  );

  for (const variant of variants) {
    const type = String(variant.properties?.type?.const);
    lines.push('', `### \`type: ${type}\``, '', variant.description ?? '', '', ...tableHead);
    lines.push(...rows(variant, '', (key) => key !== 'type' && !common(key) && !timing(key)));
  }

  lines.push(
    '',
    '## Decisions',
    '',
    '- `bodyMatch` is a plain substring unless written `/pattern/flags`, then a regular expression (flags `g` and `y`',
    '  are dropped). It looks at the first 64 KiB of the body.',
    '- `expectStatus` takes `200`, `"200-399"` or a list `"200,204,300-399"`; the default `200-399` is what kubelet',
    '  counts as success. Redirects are not followed.',
    '- `url` must not carry credentials (`user:pass@`): they would show wherever the URL is printed. Send them in',
    '  `headers`. Header values and exec `env` values are never logged nor shown in errors.',
    '- `exec` runs the command without a shell, in its own process group. When an attempt times out, or the service',
    '  stops, the whole group gets SIGKILL; when the command exits, whatever it left running in its group is killed',
    '  too. Run podwarden under an init that reaps orphans (the image uses tini) so killed grandchildren do not',
    '  linger as zombies.',
    '- `dns` takes the name to resolve in `host`, since `name` is the service\'s name. It resolves `host` with the system resolver',
    '  (as the app would), so `/etc/hosts` counts. Every address in `expectAddresses` must be among the answers;',
    '  others may be too.',
    '- `grpc` opens a new channel for each attempt, as kubelet does, so a restarted server is seen at the next',
    '  attempt. The gRPC library is loaded only when a `grpc` check starts. `@grpc/grpc-js` and `grpc-health-check`',
    '  are optional peer dependencies of the npm package (the container image has them): where they are missing, each',
    '  `grpc` check fails with `PODWARDEN_ERR_MISSING_PACKAGE`, which names the install command',
    '  (`npm install @grpc/grpc-js grpc-health-check`).',
    '- `module` is imported when its service starts. A module that cannot be imported, or whose export is not a',
    '  `BackgroundService` (or a function returning one), makes the service `failed` with the reason. The timing',
    '  keys do not apply: the module reports its own readiness through its notifier.',
    `- Names must be unique; ${reservedServiceNames.map((name) => `\`${name}\``).join(' and ')} are reserved for podwarden's own checks. \`dependsOn\` must name services of`,
    '  the same file; cycles are refused with their path (`a → b → a`).',
    '- `drain.token` cannot be written in the file: use a mounted Secret (`drain.tokenFile`) or',
    `  \`${drainTokenEnv}\`. The token must be printable ASCII without spaces.`,
    '- `drain.allowFrom` is checked against the connection\'s own source address (never `X-Forwarded-For`), before',
    '  the token. Loopback (127.0.0.0/8, `::1`) is always allowed once the list is set; an IPv4 client seen by a',
    '  dual-stack listener as `::ffff:10.0.0.7` matches IPv4 rules. Listing `hostIPs` without',
    `  \`${hostIPsEnv}\` is refused at start: guessing would open \`/drain\` to all or refuse the kubelet. Where the kubelet's`,
    '  preStop comes from depends on the CNI: see [http.md](http.md#who-may-drain).',
    '- `drain.appCheck` and `drain.stateFile`: what counts as "the app came back", and what a restarted podwarden',
    '  restores, are in [http.md](http.md#the-drain-outside-a-termination).',
    '- `podwarden validate` also looks for the files a config names, once the rest of it is valid, on the machine it runs on, and says which',
    '  keys it checked there: run it inside the pod image for a definitive answer. A `module`, a `tls.ca` file or an',
    '  explicitly set `drain.tokenFile` that is missing or unreadable is a problem (exit 2): `serve` would fail that',
    '  service, or run without a token. The default `drain.tokenFile` is not looked for, since a missing one means no',
    '  token, and neither is the token file when `' + drainTokenEnv + '` is set. A `file` check\'s missing `path` is only a',
    '  warning (exit 0): the check exists to wait for a file another process writes, so its absence before start is',
    '  expected. The packages `grpc` checks load are looked for too, by loading them as `serve` would: when they are',
    '  missing, one problem at the first `grpc` check\'s `type` names every `grpc` check and the install command.',
    '',
  );
  return lines.join('\n');
}
