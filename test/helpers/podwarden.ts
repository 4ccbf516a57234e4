import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { type ChildLine, NodeProcess, cleanEnv } from './child.js';
import { sampleValue } from './exposition.js';
import { freePort } from './ports.js';

/** The built CLI (test/global-setup.ts rebuilds dist/ when src/ is newer). */
export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * The Node flags of the built CLI's shebang (`#!/usr/bin/env -S node --flag …`),
 * with which `npm start` and the image run it too; undefined when the first
 * line is not such a shebang.
 */
export function cliShebangFlags(): string[] | undefined {
  const first = readFileSync(cliPath, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: +-\S+)*)$/.exec(first);
  return m ? m[1]!.trim().split(/ +/).filter(Boolean) : undefined;
}

/** Run the CLI to completion. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, ms: performance.now() - start };
}

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
  /** A config file the test wrote, used as it is. */
  readonly configFile?: string;
  /** Extra `podwarden serve` arguments, after the ones set here (the last of a repeated flag wins). */
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** The health port (default: a free one); podwarden listens on it at 127.0.0.1. */
  readonly port?: number;
  /** Wait for the health listener (default true). */
  readonly listening?: boolean;
}

/** A running `podwarden serve` child: its log lines, its probes, its metrics. */
export interface Podwarden {
  readonly process: NodeProcess;
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
  events(event: string): ChildLine[];
  /** Wait for a log line; rejects with every line seen after `timeoutMs`. */
  waitFor(match: (line: ChildLine) => boolean, timeoutMs?: number): Promise<ChildLine>;
  /** Wait for a service to reach a state (by its log line). */
  waitState(service: string, state: string, timeoutMs?: number): Promise<ChildLine>;
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the process has exited: exit code, signal, and ms since `since` (default: when this was called). */
  exited(since?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const started = new Set<Podwarden>();
const folders = new Set<string>();

/** A fresh folder for one test's files, removed by {@link cleanupPodwardens}. */
export function tempDir(prefix = 'podwarden-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

/** Write `config` as YAML into `dir`; `drain.tokenFile` defaults to a file that does not exist. Returns the file path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const drain = (config.drain ?? {}) as Record<string, unknown>;
  const file = path.join(dir, 'podwarden.yaml');
  writeFileSync(file, stringify({ ...config, drain: { tokenFile: path.join(dir, 'no-token'), ...drain } }));
  return file;
}

/**
 * Start `podwarden serve` (the built CLI) on 127.0.0.1 and wait until it
 * listens. Without a config, `--drain-token-file` names a file that does not
 * exist, so no token on the machine running the tests is read.
 */
export async function startPodwarden(options: StartOptions = {}): Promise<Podwarden> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first (make test does)`);
  const dir = tempDir();
  const port = options.port ?? (await freePort());
  const configFile = options.configFile ?? (options.config && writeConfig(dir, options.config));
  const configArgs = configFile ? ['--config', configFile] : ['--drain-token-file', path.join(dir, 'no-token')];
  const child = new NodeProcess([cliPath, 'serve', '--port', String(port), '--host', '127.0.0.1', ...configArgs, ...(options.args ?? [])], { env: options.env });
  const waitFor = (match: (line: ChildLine) => boolean, timeoutMs = 10_000) => child.waitFor(match, timeoutMs);
  const get = (urlPath: string, init: RequestOptions = {}) => request(port, urlPath, init);
  const pw: Podwarden = {
    process: child,
    pid: child.child.pid ?? -1,
    port,
    base: `http://127.0.0.1:${port}`,
    dir,
    get,
    async metric(name, labels) {
      return sampleValue((await get('/metrics')).body, name, labels);
    },
    events: (event) => (event.startsWith('fixture:') ? child.lines.filter((l) => l.fixture === event.slice(8)) : child.lines.filter((l) => l.event === event)),
    waitFor,
    waitState: (service, state, timeoutMs) => waitFor((l) => l.event === 'service-state' && l.service === service && l.state === state, timeoutMs),
    signal: (signal) => child.signal(signal),
    async exited(since = performance.now()) {
      const { code, signal } = await child.exited;
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
      pw.process.kill();
      await pw.process.exited;
    }),
  );
  started.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
