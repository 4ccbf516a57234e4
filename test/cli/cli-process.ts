import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Fixture } from '../helpers/child.js';

/** The built CLI (test/global-setup.ts rebuilds dist/ when src/ is newer). */
export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Environment for a child: no inherited PODWARDEN_* settings. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PODWARDEN_') && value !== undefined) env[key] = value;
  return { ...env, ...extra };
}

/** Run the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, ms: performance.now() - start };
}

/** A running `podwarden serve` child whose JSON log lines are collected. */
export interface ServeProcess {
  readonly fixture: Fixture;
  readonly base: string;
  readonly port: number;
  /** GET (or POST) a path; `ms` is how long the answer took. */
  get(path: string, init?: RequestInit): Promise<{ status: number; body: string; ms: number }>;
  /** The log lines of one event kind. */
  events(event: string): Array<Record<string, unknown>>;
}

/** Start `podwarden serve` on a free loopback port and wait until it listens. */
export async function startServe(args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const fixture = new Fixture(cliPath, cleanEnv(env), ['serve', '--port', String(port), '--host', '127.0.0.1', ...args]);
  await fixture.waitFor((line) => line.event === 'listening', 10_000);
  const base = `http://127.0.0.1:${port}`;
  return {
    fixture,
    base,
    port,
    async get(path, init) {
      const start = performance.now();
      const res = await fetch(`${base}${path}`, init);
      const body = await res.text();
      return { status: res.status, body, ms: performance.now() - start };
    },
    events: (event) => fixture.lines.filter((line) => line.event === event) as Array<Record<string, unknown>>,
  };
}
