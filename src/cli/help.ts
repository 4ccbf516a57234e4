import { overrideTable } from '../config/env-overrides.js';

/** What each `serve` override flag sets, for `--help`. Keyed by the override's flag key. */
const flagHelp: Record<(typeof overrideTable)[number]['flag'], { arg: string; text: string }> = {
  port: { arg: 'N', text: 'health port: /livez /readyz /startupz /drain /metrics (default 7654)' },
  host: { arg: 'H', text: 'address to bind (default "::", dual-stack)' },
  metricsPort: { arg: 'N', text: 'serve /metrics on this port instead ("none": on the health port)' },
  exposeDetails: { arg: '', text: 'show failure reasons in probe answers (default: withheld)' },
  eventLoopMaxLag: { arg: 'D', text: 'event-loop lag above this makes podwarden not ready (default 1s)' },
  eventLoopLivenessAfter: { arg: 'D', text: 'lag sustained this long fails /livez (default 10s)' },
  drainDelay: { arg: 'D', text: '/readyz fails this long before services stop (default 10s)' },
  stopBudget: { arg: 'D', text: 'budget for the whole stop phase (default 15s)' },
  stopTimeout: { arg: 'D', text: 'default per-service stop timeout (default 5s)' },
  drainTokenFile: { arg: 'F', text: 'file holding the /drain bearer token (default /var/run/podwarden/token)' },
  drainMaxHold: { arg: 'D', text: 'un-drain when no SIGTERM follows /drain within this (default 120s)' },
  drainAllowUnauthenticated: { arg: '', text: 'allow /drain without a token when none is configured' },
  drainAllowFrom: { arg: 'LIST', text: 'accept /drain only from these addresses, CIDRs or hostIPs (comma-separated)' },
  drainAppCheck: { arg: 'NAME', text: 'the service checking the app: failed → ready after a drain un-drains' },
  drainStateFile: { arg: 'F', text: 'record the drain here so a restarted podwarden starts drained' },
  metricsPrefix: { arg: 'P', text: 'prefix of metric names (default podwarden_)' },
  logLevel: { arg: 'L', text: 'fatal, error, warn, info (default), debug, trace or silent' },
};

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
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
  probe livez|readyz|startupz[/NAME] [--url URL] [--timeout D]
                                    exec probe / Docker HEALTHCHECK: exit 0 when healthy

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
    flags += column(`--${kebab(spec.flag)}${help.arg ? ` ${help.arg}` : ''}`, help.text);
    flags += column('', `env ${spec.env}`);
  }
  flags += column('-h, --help', 'show this help');
  return `Usage: podwarden serve [--config FILE] [options]

Serve /livez /readyz /startupz /drain /metrics and run the configured services
until SIGTERM (drain, then stop) or SIGINT (stop at once). Flags override the
environment, which overrides the config file. D is a duration: 250ms, 5s, 1m.
The /drain token comes from $PODWARDEN_DRAIN_TOKEN or --drain-token-file.

Options:
${flags}
${exitCodeText}`;
}

/** `podwarden probe --help`. */
export const probeHelp = `Usage: podwarden probe livez|readyz|startupz[/NAME] [options]

Ask a running podwarden for one probe and exit 0 when it answers 200–399,
1 otherwise (including no answer). For exec probes and Docker HEALTHCHECK in
images without curl. Prints the answer's body.

Options:
  --url URL        base URL (default http://127.0.0.1:$PODWARDEN_PORT, port 7654)
  --timeout D      give up after this long (default 1s)
  --verbose        ask for the verbose answer (?verbose)
  -h, --help       show this help

Exit codes:
  0  healthy   1  unhealthy or unreachable   2  bad usage
`;
