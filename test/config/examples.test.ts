import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { CheckSpec } from '../../src/config/schema.js';
import { sleep } from '../helpers/core.js';
import { cleanupPodwardens, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { testGrpcHealthServer, testHttpServer, testTcpListener } from '../checks/servers.js';

/**
 * Each example config, run by the real CLI (`node dist/cli/main.js serve`)
 * against real listeners: ready at first; each network target stopped in
 * turn flips /readyz within failureThreshold × interval + timeout, and
 * /readyz recovers once the target is back. The examples' ports are swapped
 * for free ones so the test runs next to anything.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const examplesDir = join(root, 'examples/configs');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
/** Process start-up, polling and a busy machine. */
const slack = 1000;

interface Target {
  readonly spec: CheckSpec;
  down(): Promise<void>;
  up(): Promise<void>;
}

function portOf(spec: CheckSpec): number | undefined {
  if (spec.type === 'http') return Number(new URL(spec.url).port || 80);
  if (spec.type === 'tcp' || spec.type === 'grpc') return spec.port;
  return undefined;
}

async function readyz(port: number): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz?verbose`, { signal: AbortSignal.timeout(1000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Poll /readyz until it answers `status`; resolves with when. */
async function waitForReadyz(port: number, status: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let last = { status: 0, body: '' };
  while (performance.now() - start < timeoutMs) {
    last = await readyz(port);
    if (last.status === status) return performance.now();
    await sleep(25);
  }
  throw new Error(`/readyz did not answer ${status} within ${timeoutMs} ms; last: ${last.status} ${last.body}`);
}

describe.each(examples)('examples/configs/%s under podwarden serve', (example) => {
  it('is ready against real listeners; /readyz flips within failureThreshold × interval + timeout when a target stops, and recovers', { timeout: 120_000 }, async () => {
    onTestFinished(cleanupPodwardens);
    const dir = tempDir('podwarden-example-');
    cpSync(examplesDir, dir, { recursive: true });
    const file = join(dir, example);
    const original = await loadConfig({ file, env: {} });

    // Swap each target's port for a free one, in the file's text.
    let text = readFileSync(file, 'utf8');
    for (const spec of original.services) {
      const port = portOf(spec as CheckSpec);
      if (port !== undefined) text = text.replace(new RegExp(`(?<=[:\\s])${port}\\b`, 'g'), String(await freePort()));
    }
    writeFileSync(file, text);
    const config = await loadConfig({ file, env: {} });

    const targets: Target[] = [];
    for (const s of config.services) {
      const spec = s as CheckSpec;
      const port = portOf(spec);
      if (port === undefined) continue;
      if (spec.type === 'http') targets.push({ spec, ...(await testHttpServer(undefined, port)) });
      else if (spec.type === 'tcp') targets.push({ spec, ...(await testTcpListener(port)) });
      else if (spec.type === 'grpc') targets.push({ spec, ...(await testGrpcHealthServer({ [spec.service]: 'SERVING' }, port)) });
    }
    expect(targets.length).toBeGreaterThan(0);

    const pw = await startPodwarden({ configFile: file, args: ['--drain-delay', '0s'] });
    const healthPort = pw.port;

    const slowest = Math.max(...targets.map((t) => t.spec.successThreshold * t.spec.interval + t.spec.timeout));
    await waitForReadyz(healthPort, 200, 5000 + slowest);

    for (const target of targets) {
      const { name, interval, timeout, failureThreshold, successThreshold } = target.spec;
      const downAt = performance.now();
      await target.down();
      const flippedAt = await waitForReadyz(healthPort, 503, failureThreshold * interval + timeout + 5000);
      expect(flippedAt - downAt, `${name}: /readyz flipped too early`).toBeGreaterThanOrEqual((failureThreshold - 1) * interval - 300);
      expect(flippedAt - downAt, `${name}: /readyz flipped too late`).toBeLessThanOrEqual(failureThreshold * interval + timeout + slack);
      expect((await readyz(healthPort)).body).toContain(`[-]${name} failed`);

      const upAt = performance.now();
      await target.up();
      const recoveredAt = await waitForReadyz(healthPort, 200, successThreshold * interval + timeout + 5000);
      expect(recoveredAt - upAt, `${name}: /readyz recovered too late`).toBeLessThanOrEqual(successThreshold * interval + timeout + slack);
    }

    pw.signal('SIGTERM');
    expect((await pw.exited()).code, pw.process.stderr).toBe(0);
  });
});
