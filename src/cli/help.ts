import { type OverrideKey, type OverrideKind, flagName, overrideTable } from '../config/env-overrides.js';
import { durationGrammar, formatDuration } from '../core/duration.js';
import { drainDefaults, httpDefaults, logDefaults, metricsDefaults, probeCommandDefaults, shutdownDefaults, timelineCommandDefaults } from '../defaults.js';
import { logLevelNames } from '../logging/log-levels.js';
import { healthEndpoints } from '../http/health-endpoints.js';

/** The argument a flag of each kind takes in `--help`; a string flag may name its own. */
const kindArg: Readonly<Record<OverrideKind, string>> = { port: 'N', 'optional-port': 'N', duration: 'D', boolean: '', list: 'LIST', string: 'TEXT' };

/** `a, b (default) or c`. */
function oneOf(names: readonly string[], fallback: string): string {
  const shown = names.map((name) => (name === fallback ? `${name} (default)` : name));
  return `${shown.slice(0, -1).join(', ')} or ${shown.at(-1) ?? ''}`;
}

/** What each `serve` override flag sets, for `--help`, with the default the code uses. */
const flagHelp: Readonly<Record<OverrideKey, { readonly arg?: string; readonly text: string }>> = {
  port: { text: `health port: /livez /readyz /startupz /drain /metrics (default ${httpDefaults.port})` },
  host: { arg: 'H', text: `address to bind (default "${httpDefaults.host}", dual-stack)` },
  metricsPort: { text: 'serve /metrics on this port instead ("none": on the health port)' },
  exposeDetails: { text: 'show failure reasons in probe answers (default: withheld)' },
  eventLoopMaxLag: { text: `event-loop lag above this makes podwarden not ready (default ${formatDuration(httpDefaults.maxLag)})` },
  eventLoopLivenessAfter: { text: `lag sustained this long fails /livez (default ${formatDuration(httpDefaults.livenessAfter)})` },
  drainDelay: { text: `/readyz fails this long before services stop (default ${formatDuration(shutdownDefaults.drainDelay)})` },
  stopBudget: { text: `budget for the whole stop phase (default ${formatDuration(shutdownDefaults.stopBudget)})` },
  stopTimeout: { text: `default per-service stop timeout (default ${formatDuration(shutdownDefaults.stopTimeout)})` },
  drainTokenFile: { arg: 'F', text: `file holding the /drain bearer token (default ${drainDefaults.tokenFile})` },
  drainMaxHold: { text: `un-drain when no SIGTERM follows /drain within this (default ${formatDuration(drainDefaults.maxHold)})` },
  drainAllowUnauthenticated: { text: 'allow /drain without a token when none is configured' },
  drainAllowFrom: { text: 'accept /drain only from these addresses, CIDRs or hostIPs (comma-separated)' },
  drainAppCheck: { arg: 'NAME', text: 'the service checking the app: failed → ready after a drain un-drains' },
  drainStateFile: { arg: 'F', text: 'record the drain here so a restarted podwarden starts drained' },
  metricsPrefix: { arg: 'P', text: `prefix of metric names (default ${metricsDefaults.prefix})` },
  logLevel: { arg: 'L', text: oneOf(logLevelNames, logDefaults.level) },
};

const column = (left: string, text: string) => `  ${left.padEnd(36)}${text}\n`;

const exitCodeText = `Exit codes:
  0    clean shutdown; probe passed
  1    a service failed or overran its stop budget, the hard deadline passed,
       or the listener could not bind; probe failed
  2    bad config or usage
  130  stopped by SIGINT
`;

/** `podwarden --help`. */
export const mainHelp = `Usage: podwarden <command> [options]

Health sidecar and service runner for Kubernetes.

Commands:
  serve [--config FILE] [options]   run the health server and the configured services
  validate FILE                     check a config file and exit
  probe ${healthEndpoints.join('|')}[/NAME] [--url URL] [--timeout D]
                                    exec probe / Docker HEALTHCHECK: exit 0 when healthy
  timeline [--url URL]              the startup and shutdown as a waterfall, from a
                                    running podwarden or its exit log on stdin

Options:
  -h, --help                        show help (also: podwarden <command> --help)
  -v, --version                     print the version

${exitCodeText}`;

/** `podwarden serve --help`: every flag, generated from the override table, with its environment variable. */
export function serveHelp(): string {
  let flags = column('-c, --config FILE', 'config file (YAML); default $PODWARDEN_CONFIG, else the');
  flags += column('', 'embedded default: the health server, no checks');
  for (const spec of overrideTable) {
    const help = flagHelp[spec.flag];
    const arg = help.arg ?? kindArg[spec.kind];
    flags += column(`${flagName(spec.flag)}${arg ? ` ${arg}` : ''}`, help.text);
    flags += column('', `env ${spec.env}`);
  }
  flags += column('-h, --help', 'show this help');
  return `Usage: podwarden serve [--config FILE] [options]

Serve /livez /readyz /startupz /drain /metrics and run the configured services
until SIGTERM (drain, then stop) or SIGINT (stop at once). Flags override the
environment, which overrides the config file. The /drain token comes from
$PODWARDEN_DRAIN_TOKEN or --drain-token-file.
D is a duration: ${durationGrammar}.

Options:
${flags}
${exitCodeText}`;
}

/** `podwarden probe --help`. */
export const probeHelp = `Usage: podwarden probe ${healthEndpoints.join('|')}[/NAME] [options]

Ask a running podwarden for one probe and exit 0 when it answers 200–399,
1 otherwise (including no answer). For exec probes and Docker HEALTHCHECK in
images without curl. Prints the answer's body.

Options:
  --url URL        base URL (default http://127.0.0.1:$PODWARDEN_PORT, port ${httpDefaults.port})
  --timeout D      give up after this long (default ${formatDuration(probeCommandDefaults.timeout)})
  --verbose        ask for the verbose answer (?verbose)
  -h, --help       show this help

D is a duration: ${durationGrammar}.

Exit codes:
  0  healthy   1  unhealthy or unreachable   2  bad usage
`;

/** `podwarden timeline --help`. */
export const timelineHelp = `Usage: podwarden timeline --url URL [options]
       kubectl logs POD -c podwarden --previous | podwarden timeline [options]

Draw podwarden's startup (each service's dependency wait, start and first
readiness) and shutdown (the drain and each service's stop) as a waterfall:
one row per step, its start and how long it took, failures and overruns
marked. The rows are the spans of the lifecycle traces.

With --url, ask a running podwarden: the JSON answers of its health endpoints
(the startup so far). Without it, read a podwarden log on stdin: its last
"exit" line, written when podwarden terminates (startup and shutdown).

Options:
  --url URL        podwarden's health port, e.g. http://127.0.0.1:${httpDefaults.port}
  --timeout D      give up on --url after this long (default ${formatDuration(timelineCommandDefaults.timeout)})
  --width N        columns of the chart (default: the terminal's, else ${timelineCommandDefaults.columns})
  -h, --help       show this help

D is a duration: ${durationGrammar}.

Exit codes:
  0  drawn
  1  no exit line on stdin, no answer, or an answer without the times
  2  bad usage
`;
