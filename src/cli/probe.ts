import { parseArgs } from 'node:util';
import { readDuration } from '../core/duration.js';
import { serviceNamePattern } from '../core/service-names.js';
import { httpDefaults, probeCommandDefaults } from '../defaults.js';
import { healthEndpoints } from '../http/health-endpoints.js';
import { probeHelp } from './help.js';
import { type CliIo, exitCodes } from './io.js';

const probeRoutes: ReadonlySet<string | undefined> = new Set<string | undefined>(healthEndpoints);

/** `readyz`, or `readyz/NAME` with NAME a service name. */
function isProbeTarget(target: string): boolean {
  const [route, name, ...rest] = target.split('/');
  return probeRoutes.has(route) && rest.length === 0 && (name === undefined || serviceNamePattern.test(name));
}

/** `127.0.0.1` for the wildcard addresses, brackets around IPv6 literals. */
function connectHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '::' || host === '0.0.0.0') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * `podwarden probe livez|readyz|startupz[/NAME]`: one GET, exit 0 on 200–399,
 * 1 otherwise. Loads nothing but node:http, so it answers fast.
 */
export async function runProbe(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        timeout: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`podwarden probe: ${(err as Error).message}\n\n${probeHelp}`);
    return exitCodes.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(probeHelp);
    return exitCodes.ok;
  }
  const target = positionals[0];
  if (positionals.length !== 1 || target === undefined || !isProbeTarget(target)) {
    io.stderr.write(`podwarden probe: name one probe: ${healthEndpoints.join(', ')}, optionally /NAME\n\n${probeHelp}`);
    return exitCodes.usage;
  }
  const read = values.timeout === undefined ? { ms: probeCommandDefaults.timeout } : readDuration(values.timeout, { min: 1 });
  if (read.problem !== undefined) {
    io.stderr.write(`podwarden probe: --timeout ${JSON.stringify(values.timeout)} ${read.problem}\n`);
    return exitCodes.usage;
  }
  const timeout = read.ms;
  let url: URL;
  try {
    const base = values.url ?? `http://${connectHost(io.env.PODWARDEN_HOST)}:${io.env.PODWARDEN_PORT || httpDefaults.port}`;
    url = new URL(`${target}${values.verbose ? '?verbose' : ''}`, base.endsWith('/') ? base : `${base}/`);
  } catch {
    io.stderr.write(`podwarden probe: --url ${JSON.stringify(values.url)} is not a URL like http://127.0.0.1:${httpDefaults.port}\n`);
    return exitCodes.usage;
  }
  if (url.protocol !== 'http:') {
    io.stderr.write('podwarden probe: --url must be an http:// URL\n');
    return exitCodes.usage;
  }
  return new Promise<number>((resolve) => {
    // Not an ESM import: on Node 24 that evaluates node:http's lazy exports and loads undici (docs/performance.md).
    const req = process.getBuiltinModule('node:http').request(url, { method: 'GET', timeout, headers: { 'user-agent': 'podwarden-probe' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        io.stdout.write(`${status} ${body.trimEnd()}\n`);
        resolve(status >= 200 && status < 400 ? exitCodes.ok : exitCodes.failure);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout}ms`)));
    req.on('error', (err) => {
      io.stderr.write(`podwarden probe: ${url.href}: ${err.message}\n`);
      resolve(exitCodes.failure);
    });
    req.end();
  });
}
