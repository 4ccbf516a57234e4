/**
 * The `helm test` pod's script, run by `sh` against the real podwarden CLI started with
 * the config the chart renders: it passes while podwarden runs and every service is ready,
 * and fails, saying why, when a service is not ready or nothing answers. `wget` is a small
 * stand-in that accepts exactly the arguments busybox's wget gets in the pod. Also: the
 * port the metrics Service publishes cannot drain the pod.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IPod } from 'kubernetes-models/v1';
import { type Podwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { closeApp, one, renderForLocalServe, serveRenderedConfig, startOkApp, stopLocalServe, testToken } from './support.js';

/** A directory with a `wget` that does what `wget -q -O - -T <s> <url>` does in busybox, and refuses other arguments. */
function wgetShim(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-wget-'));
  const file = path.join(dir, 'wget');
  writeFileSync(
    file,
    `#!${process.execPath}
const args = process.argv.slice(2);
if (args.length !== 6 || args.slice(0, 4).join(' ') !== '-q -O - -T') {
  console.error('wget stand-in: unexpected arguments: ' + args.join(' '));
  process.exit(2);
}
fetch(args[5], { signal: AbortSignal.timeout(Number(args[4]) * 1000) }).then(
  async (res) => {
    if (!res.ok) { console.error('wget: server returned error: HTTP/1.1 ' + res.status); process.exit(1); }
    process.stdout.write(await res.text());
  },
  (err) => { console.error('wget: ' + err.message); process.exit(1); },
);
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

let pw: Podwarden | undefined;
let app: HttpServer | undefined;
let script = '';
let metricsUrl = '';
let healthBase = '';
let metricsBase = '';
let shimDir = '';

/** Run the test pod's script. Asynchronously: the app podwarden checks runs in this process and must keep answering. */
function runTestPod(url: string): Promise<{ code: number | null; out: string }> {
  const child = spawn('sh', ['-c', script, 'helm-test', url], { env: { ...process.env, PATH: `${shimDir}${path.delimiter}${process.env.PATH ?? ''}` } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await ok())) {
    if (!pw?.process.alive) throw new Error(`podwarden exited with ${pw?.process.exit?.code}:\n${pw?.process.output}`);
    if (Date.now() > deadline) throw new Error(`${what} within 20 s:\n${pw.process.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const status = (url: string, init?: RequestInit) => fetch(url, init).then((r) => r.status, () => 0);

beforeAll(async () => {
  shimDir = wgetShim();
  let appPort: number;
  ({ app, appPort } = await startOkApp());
  const [port, metricsPort] = [await freePort(), await freePort()];
  const dir = tempDir('podwarden-helm-test-');
  const services = [{ name: 'app', type: 'http', url: `http://127.0.0.1:${appPort}/`, interval: '200ms', timeout: '1s', failureThreshold: 1 }];
  const docs = renderForLocalServe({ release: 'web', services, port, metricsPort, dir });
  const command = one<IPod>(docs, 'Pod').spec?.containers[0]?.command ?? [];
  expect(command.slice(0, 2)).toEqual(['sh', '-c']);
  script = command[2] ?? '';
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  healthBase = `http://127.0.0.1:${port}`;
  metricsBase = `http://127.0.0.1:${metricsPort}`;
  pw = await serveRenderedConfig(docs, { dir, port, drainToken: testToken });
  await waitFor('podwarden did not report app ready', async () => (await status(`${healthBase}/readyz`)) === 200);
}, 60_000);

afterAll(() => stopLocalServe(pw, app));

describe('the helm test pod', () => {
  it('passes while podwarden runs and every service is ready', async () => {
    const { code, out } = await runTestPod(metricsUrl);
    expect(out).toBe(`ok: podwarden answers at ${metricsUrl}, running, every service ready\n`);
    expect(code).toBe(0);
  });

  it('fails when nothing answers, or on the health port (no /metrics there)', async () => {
    expect(await runTestPod(`${healthBase}/metrics`)).toEqual({ code: 1, out: expect.stringContaining(`FAIL: no answer from ${healthBase}/metrics`) });
  });

  it('cannot drain through the metrics port, which is all the metrics Service publishes', async () => {
    expect(await status(`${metricsBase}/drain`, { headers: { authorization: `Bearer ${testToken}` } })).toBe(404);
    expect(await status(`${healthBase}/readyz`)).toBe(200);
  });

  it('fails, naming the service, when one is not ready', async () => {
    await closeApp(app);
    app = undefined;
    await waitFor('podwarden did not report app not ready', async () => (await status(`${healthBase}/readyz/app`)) === 503);
    const { code, out } = await runTestPod(metricsUrl);
    expect(out).toMatch(/^podwarden_service_ready\{name="app"\} 0\nFAIL: the services above are not ready\n$/);
    expect(code).toBe(1);
  });
});
