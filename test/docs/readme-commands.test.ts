/**
 * Commands the README gives for running the CLI, run as written with bash from
 * the repository's root: the sidecar's `validate`, and the command it gives
 * for a podwarden that a signal must reach (SIGTERM ends it and leaves no
 * process behind).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The ```sh blocks between `heading` (or the top) and the next `## ` heading. */
function shellBlocks(heading: string | undefined): string[] {
  let rest = readme;
  if (heading !== undefined) {
    const start = readme.indexOf(`\n${heading}\n`);
    if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
    rest = readme.slice(start + heading.length + 2);
  }
  const end = rest.search(/\n## /);
  return [...(end < 0 ? rest : rest.slice(0, end)).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** The first line of the blocks that starts with `prefix`, without its comment. */
function command(blocks: readonly string[], prefix: string): string {
  const line = blocks.flatMap((b) => b.split('\n')).find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`README.md shows no command starting with "${prefix}"`);
  return line.replace(/\s+#.*$/, '');
}

/** Whether any process of the group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function livezStatus(port: number): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return undefined;
  }
}

describe('README.md commands', () => {
  it('the sidecar validate command passes from the repository root', () => {
    const validate = command(shellBlocks('## Run as a sidecar'), 'npx podwarden validate ');
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', validate], { cwd: root, encoding: 'utf8', env: cleanEnv() });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('ok');
    expect(result.status).toBe(0);
  });

  it('the command for running podwarden under signals: SIGTERM reaches podwarden, which exits 0 and leaves no process behind', { timeout: 30_000 }, async () => {
    const blocks = shellBlocks(undefined);
    expect(blocks.join('\n')).toContain('npm ci && npm run build');
    const serve = command(blocks, 'node ');
    expect(serve).toContain(' serve');
    const port = await freePort();
    const env = cleanEnv({ PODWARDEN_PORT: String(port), PODWARDEN_HOST: '127.0.0.1', PODWARDEN_DRAIN_DELAY: '0s' });
    // Its own process group, so whatever it leaves behind can be seen and killed.
    const child = spawn('bash', ['-c', serve], { cwd: root, env, stdio: 'ignore', detached: true });
    const pgid = child.pid!;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const deadline = Date.now() + 15_000;
      while ((await livezStatus(port)) !== 200) {
        if (Date.now() > deadline) throw new Error(`${serve} did not answer /livez on ${port} within 15 s`);
        await sleep(50);
      }
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(groupAlive(pgid), 'no process of it is left').toBe(false);
      expect(await livezStatus(port), 'nothing serves on the port').toBeUndefined();
      expect(code).toBe(0);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  });
});
