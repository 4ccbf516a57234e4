import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of any file below `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Tests that spawn the CLI or import the package need an up-to-date dist/; build it when stale. */
export default function setup(): void {
  let built: number;
  try {
    built = statSync('dist/index.js').mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newest('src')) execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
