import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { cleanEnv, cliPath, freePort } from '../../cli/cli-process.js';
import { Fixture, type FixtureLine } from '../../helpers/child.js';

/** The fixture modules of the reliability suites. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A request: method and headers. */
export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

/**
 * One request to 127.0.0.1:`port` on a connection of its own, closed after
 * the answer (a pooled connection would hold a descriptor in podwarden and
 * skew the descriptor counts the suites assert).
 */
export function request(port: number, urlPath: string, options: RequestOptions = {}): Promise<{ status: number; body: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - start }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${urlPath} within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Options of {@link startPodwarden}. */
export interface StartOptions {
  /** The config, as an object (written as YAML into a fresh folder); `drain.tokenFile` defaults to a file that does not exist. */
  readonly config?: Record<string, unknown>;
  /** Extra `podwarden serve` arguments. */
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Wait for the health listener (default true). */
  readonly listening?: boolean;
}

/** A running `podwarden serve` child: its log lines, its probes, its metrics. */
export interface Podwarden {
  readonly fixture: Fixture;
  readonly pid: number;
  readonly port: number;
  readonly base: string;
  /** The folder holding the config (and whatever the test writes next to it). */
  readonly dir: string;
  /** GET (or whatever `init` says) a path on a connection of its own; `ms` is how long the answer took. */
  get(urlPath: string, init?: RequestOptions): Promise<{ status: number; body: string; ms: number }>;
  /** The value of one sample of `/metrics`, e.g. `metric('podwarden_service_ready', { name: 'x' })`; undefined when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  /** Log lines of one event kind (or every line of a fixture module when `event` is `fixture:<label>`). */
  events(event: string): FixtureLine[];
  /** Wait for a log line; rejects with every line seen after `timeoutMs`. */
  waitFor(match: (line: FixtureLine) => boolean, timeoutMs?: number): Promise<FixtureLine>;
  /** Wait for a service to reach a state (by its log line). */
  waitState(service: string, state: string, timeoutMs?: number): Promise<FixtureLine>;
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the process has exited: exit code, signal, and ms since `since` (default: when this was called). */
  exited(since?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const started = new Set<Podwarden>();
const folders = new Set<string>();

/** A fresh folder for one test's files, removed by {@link cleanupPodwardens}. */
export function tempDir(prefix = 'podwarden-reliability-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

/** Write `config` as YAML into `dir`; returns the file path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const drain = (config.drain ?? {}) as Record<string, unknown>;
  const file = path.join(dir, 'podwarden.yaml');
  writeFileSync(file, stringify({ ...config, drain: { tokenFile: path.join(dir, 'no-token'), ...drain } }));
  return file;
}

/** A `module` service entry running fixtures/faulty-service.mjs with `behaviour`. */
export function faulty(name: string, behaviour: string, options: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) {
  return { name, type: 'module', module: path.join(fixturesDir, 'faulty-service.mjs'), options: { behaviour, label: name, ...options }, ...entry };
}

/** Parse one sample's value out of an exposition. */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    const have = labelText === '' ? [] : labelText.split(',');
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Start `podwarden serve` on a free loopback port with `options.config`. */
export async function startPodwarden(options: StartOptions = {}): Promise<Podwarden> {
  const dir = tempDir();
  const port = await freePort();
  const configArgs = options.config ? ['--config', writeConfig(dir, options.config)] : ['--drain-token-file', path.join(dir, 'no-token')];
  const fixture = new Fixture(cliPath, cleanEnv(options.env), ['serve', '--port', String(port), '--host', '127.0.0.1', ...configArgs, ...(options.args ?? [])]);
  const base = `http://127.0.0.1:${port}`;
  const waitFor = (match: (line: FixtureLine) => boolean, timeoutMs = 10_000) => fixture.waitFor(match, timeoutMs);
  const get = (urlPath: string, init: RequestOptions = {}) => request(port, urlPath, init);
  const pw: Podwarden = {
    fixture,
    pid: fixture.child.pid ?? -1,
    port,
    base,
    dir,
    get,
    async metric(name, labels) {
      return sampleValue((await get('/metrics')).body, name, labels);
    },
    events: (event) =>
      event.startsWith('fixture:') ? fixture.lines.filter((l) => l.fixture === event.slice(8)) : fixture.lines.filter((l) => l.event === event),
    waitFor,
    waitState: (service, state, timeoutMs) => waitFor((l) => l.event === 'service-state' && l.service === service && l.state === state, timeoutMs),
    signal: (signal) => fixture.kill(signal),
    async exited(since = performance.now()) {
      const { code, signal } = await fixture.exited;
      return { code, signal, ms: performance.now() - since };
    },
  };
  started.add(pw);
  if (options.listening !== false) await waitFor((line) => line.event === 'listening');
  return pw;
}

/** SIGKILL every podwarden still running and remove the test folders. */
export async function cleanupPodwardens(): Promise<void> {
  await Promise.all(
    [...started].map(async (pw) => {
      if (pw.fixture.child.exitCode === null && pw.fixture.child.signalCode === null) pw.fixture.kill('SIGKILL');
      await pw.fixture.exited;
    }),
  );
  started.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
