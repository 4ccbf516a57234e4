import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/child.js';
import { cleanupPodwardens, cliPath, cliShebangFlags, tempDir, writeConfig } from '../helpers/podwarden.js';
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
`;

/** The Node flags of the CLI's shebang: `serve` runs with them (and V8 decides differently with another young generation). */
const cliFlags = cliShebangFlags() ?? [];

/**
 * Run `podwarden serve` (`node <the CLI's flags> --trace-pretenuring-statistics
 * …nodeFlags`) with the survivors service until it is ready, stop it, and
 * return V8's decisions to pretenure a site, or to consider it ("… => tenure", "… => maybe tenure").
 */
async function tenuringDecisions(nodeFlags: readonly string[] = []): Promise<string[]> {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'survivors.mjs'), survivorsModule);
  const config = writeConfig(dir, { shutdown: { drainDelay: '0s' }, services: [{ name: 'survivors', type: 'module', module: './survivors.mjs' }] });
  const port = await freePort();
  const args = [...cliFlags, '--trace-pretenuring-statistics', ...nodeFlags, cliPath, 'serve', '--config', config, '--port', String(port), '--host', '127.0.0.1'];
  const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': V8 writes its trace through C stdio, flushed as the process exits.
  const closed = once(child, 'close');
  try {
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('"service":"survivors","state":"ready"')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`survivors never ready:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGTERM');
    const [code] = (await closed) as [number | null];
    expect(code, `${stdout.slice(-2000)}\n${stderr.slice(-2000)}`).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return stdout.split('\n').filter((line) => / pretenuring: AllocationSite\(.* => (maybe )?tenure$/.test(line));
}

describe('allocation-site pretenuring', () => {
  it('is off in `podwarden serve` (set at run time, not as a flag that would make Node compile its built-ins from source)', async () => {
    // Startup may weigh a few sites before serve turns it off ("don't tenure"); none is considered, the survivors' site included.
    expect(await tenuringDecisions()).toEqual([]);
  });

  it('stays on with `node --allocation-site-pretenuring`, and then V8 considers pretenuring sites (the workload is one it pretenures)', async () => {
    expect(await tenuringDecisions(['--allocation-site-pretenuring'])).not.toEqual([]);
  });
});
