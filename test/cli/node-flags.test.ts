import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/child.js';
import { cliPath, cliShebangFlags } from '../helpers/podwarden.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The Node flags of the built CLI's shebang; the test fails when the first line is not one. */
function shebangFlags(): string[] {
  const flags = cliShebangFlags();
  expect(flags, `dist/cli/main.js starts with "${readFileSync(cliPath, 'utf8').split('\n', 1)[0]!}"`).toBeDefined();
  return flags!;
}

describe('the Node flags podwarden runs with', () => {
  it('are the same in the CLI shebang, `npm start` and the image entrypoint', () => {
    const flags = shebangFlags();
    expect(flags.length).toBeGreaterThan(0);
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toBe(`node ${flags.join(' ')} dist/cli/main.js serve`);
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(`${root}Dockerfile`, 'utf8'));
    expect(entrypoint).not.toBeNull();
    expect(JSON.parse(entrypoint![1]!)).toEqual(['/usr/local/bin/tini', '--', '/nodejs/bin/node', ...flags, '/app/dist/cli/main.js']);
    // The compile cache is warmed by serve running with the same flags (a cache is only used by the flags that wrote it).
    const warm = /^RUN (\[.*warm-compile-cache.*\])$/m.exec(readFileSync(`${root}Dockerfile`, 'utf8'));
    expect(warm).not.toBeNull();
    expect((JSON.parse(warm![1]!) as string[]).slice(-flags.length)).toEqual(flags);
  });

  it('are accepted by this Node: the CLI runs when executed through its shebang', async () => {
    // `env` finds the Node that runs the tests first on PATH.
    const child = spawn(cliPath, ['--version'], { env: cleanEnv({ PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
    expect(code).toBe(0);
  });
});
