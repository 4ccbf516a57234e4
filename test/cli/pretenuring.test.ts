import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/child.js';
import { cleanupPodwardens, cliPath, tempDir, writeConfig } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

afterEach(cleanupPodwardens);

/**
 * A `module` service that keeps 300,000 objects made at one allocation site:
 * what makes V8 decide to allocate that site's objects in the old generation
 * (pretenure them), as it did for request objects with many checks.
 */
const survivorsModule = `export default function survivors() {
  return {
    name: 'survivors',
    async startWithReadyNotifier(shutdown, ready) {
      const kept = [];
      for (let i = 0; i < 300_000; i++) kept.push({ index: i, pair: [i, i + 1] });
      ready.notifyReady();
      await shutdown.wait();
      kept.length = 0;
    },
  };
}
export async function runAlone() {
  let stop;
  const stopped = new Promise((resolve) => (stop = resolve));
  const run = survivors().startWithReadyNotifier({ wait: () => stopped }, { notifyReady: () => stop() });
  await run;
}
`;

/** The Node flags of the CLI's shebang: `serve` runs with them (and V8 decides differently with another young generation). */
const cliFlags = /^#!\/usr\/bin\/env -S node((?: +-\S+)*)$/.exec(readFileSync(cliPath, 'utf8').split('\n', 1)[0]!)![1]!.trim().split(/ +/);

/** Run `node <the CLI's flags> --trace-pretenuring-statistics …args` to its exit; V8's decisions, one per line ("… => tenure"). */
async function pretenuringDecisions(args: readonly string[], whileRunning?: (stdout: () => string, stop: () => void) => Promise<void>): Promise<string[]> {
  const child = spawn(process.execPath, [...cliFlags, '--trace-pretenuring-statistics', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = once(child, 'exit');
  await whileRunning?.(() => stdout, () => child.kill('SIGTERM'));
  const [code] = (await exited) as [number | null];
  expect(code, stdout.slice(-2000)).toBe(0);
  return stdout.split('\n').filter((line) => / pretenuring: AllocationSite\(/.test(line));
}

describe('allocation-site pretenuring', () => {
  it('is off in `podwarden serve` (set at run time, not as a flag that would make Node compile its built-ins from source)', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'survivors.mjs'), survivorsModule);
    // Without podwarden the same service gets its allocation site tenured: the workload is one V8 pretenures.
    const alone = await pretenuringDecisions(['--input-type=module', '-e', `import(${JSON.stringify(path.join(dir, 'survivors.mjs'))}).then((m) => m.runAlone())`]);
    expect(alone.filter((line) => line.endsWith('=> tenure'))).not.toEqual([]);

    const config = writeConfig(dir, { shutdown: { drainDelay: '0s' }, services: [{ name: 'survivors', type: 'module', module: './survivors.mjs' }] });
    const port = await freePort();
    const serve = await pretenuringDecisions([cliPath, 'serve', '--config', config, '--port', String(port), '--host', '127.0.0.1'], async (stdout, stop) => {
      const deadline = Date.now() + 20_000;
      while (!/"service":"survivors","state":"ready"/.test(stdout())) {
        if (Date.now() > deadline) throw new Error(`survivors never ready:\n${stdout().slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stop();
    });
    // Startup may weigh a few sites before the flag is set; no site is tenured.
    expect(serve.filter((line) => line.endsWith('=> tenure'))).toEqual([]);
  });
});
