import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sleep } from '../helpers/core.js';
import { Poller } from '../reliability/support/poller.js';
import { repoRoot } from './helpers/engine.js';
import { inspect, setUpPodwardenContainer } from './helpers/podwarden-container.js';

/**
 * The image as the chart runs it — under the chart's default memory limit —
 * while pipelined floods (docs/threat-model.md) hit it: never OOM-killed,
 * never restarted, and a kubelet-like poller on the host sees only 200.
 */

const run = promisify(execFile);
const floodScript = fileURLToPath(new URL('../../scripts/soak/pipelined-flood.mjs', import.meta.url));

/** The chart's default memory limit of the podwarden container, in bytes ("192Mi" → 201326592). */
function chartMemoryLimit(): { text: string; bytes: number } {
  const values = parse(readFileSync(`${repoRoot}charts/podwarden/values.yaml`, 'utf8')) as { sidecar: { resources: { limits: { memory: string } } } };
  const text = values.sidecar.resources.limits.memory;
  const match = /^(\d+)Mi$/.exec(text);
  if (!match) throw new Error(`the chart's sidecar memory limit ${JSON.stringify(text)} is not in Mi`);
  return { text, bytes: Number(match[1]) * 1024 * 1024 };
}

const limit = chartMemoryLimit();
const started = setUpPodwardenContainer(
  `container-flood-${process.pid}`,
  (port) => `services:\n  - name: self\n    type: http\n    url: http://127.0.0.1:${port}/livez/podwarden\n    interval: 1s\n`,
  (pw) => pw.withMemoryLimit(limit.bytes),
);

describe(`the image under the chart's memory limit`, () => {
  it('pipelined floods of /metrics, HEAD and ?verbose: not OOM-killed, probes answered 200 throughout', async () => {
    expect((await inspect(started.container)).HostConfig.Memory).toBe(limit.bytes);
    const poller = new Poller(`http://127.0.0.1:${started.port}`);
    try {
      for (const args of [[], ['--method', 'HEAD'], ['--path', '/readyz?verbose'], ['--connections', '40']]) {
        const { stdout } = await run(process.execPath, [floodScript, String(started.port), '--hold-ms', '10000', ...args], { timeout: 30_000 });
        expect(JSON.parse(stdout)).toMatchObject({ closedByServer: args[1] === '40' ? 40 : 10 });
      }
      // Probes keep coming for a while after the last flood: podwarden must still answer them.
      await sleep(1500);
      const seen = await poller.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.paths['/readyz']!.count).toBeGreaterThan(5);
    } finally {
      poller.kill();
    }
    const state = (await inspect(started.container)).State;
    expect(state).toMatchObject({ Running: true, OOMKilled: false, ExitCode: 0 });
    expect((await inspect(started.container)).RestartCount).toBe(0);
  }, 120_000);
});
