// Command-line options shared by the baseline servers.
//   --port N          port to listen on (127.0.0.1)
//   --prom N          load prom-client and serve /metrics with podwarden-shaped
//                     families for N services/checks (0 = no prom-client)
//   --checks N        run N http checks against --check-url every --interval ms
//   --fresh           open a new connection for each check (default keep-alive)
//   --drain MS        after SIGTERM, answer 503 on /readyz for MS, then exit
import { parseArgs } from 'node:util';

export function parseServerArgs(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      prom: { type: 'string', default: '0' },
      checks: { type: 'string', default: '0' },
      'check-url': { type: 'string', default: '' },
      interval: { type: 'string', default: '1000' },
      fresh: { type: 'boolean', default: false },
      drain: { type: 'string', default: '5000' },
    },
  });
  return {
    port: Number(values.port),
    prom: Number(values.prom),
    checks: Number(values.checks),
    checkUrl: values['check-url'],
    intervalMs: Number(values.interval),
    freshConnections: values.fresh,
    drainMs: Number(values.drain),
  };
}

/** Tell the harness which port we bound (it also polls, this is for logs). */
export function announce(name, port) {
  process.stderr.write(`${name} listening on 127.0.0.1:${port}\n`);
}
