// `--runtime image`: the servers run the way the container image runs them,
// on the image's Node (its exact version, from scripts/tools/node.sh) with a
// compile cache written beforehand by that Node for the build measured, as
// the image's build writes /app/compile-cache (docs/container.md).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { shebangFlags } from './targets.mjs';

/**
 * Resolve `options.runtime` into `options.node` and `options.compileCache`.
 * Returns what to remove when the run ends.
 */
export function prepareRuntime(options, root) {
  if (options.runtime !== 'image') return () => {};
  options.node = execFileSync('bash', [join(root, 'scripts', 'tools', 'node.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (options.compileCache !== undefined) return () => {};
  const dir = mkdtempSync(join(os.tmpdir(), 'podwarden-bench-cache-'));
  const cli = resolve(root, options.dist, 'cli', 'main.js');
  execFileSync(options.node, [join(root, 'scripts', 'warm-compile-cache.mjs'), cli, dir, ...shebangFlags(cli)], {
    env: { ...process.env, NODE_COMPILE_CACHE: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  options.compileCache = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
