import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const installHint = 'run `make tools` (scripts/tools/prometheus.sh installs Debian\'s prometheus package, which carries promtool and prometheus)';

/** The path of a Prometheus tool; throws with how to install it when it is missing (tests never skip). */
export function prometheusTool(name: 'promtool' | 'prometheus'): string {
  const dirs = [path.resolve('.cache/tools/bin'), ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed: ${installHint}`);
}

/** Run `promtool check metrics` over an exposition; returns its exit code and everything it printed. */
export function promtoolCheckMetrics(exposition: string): { code: number | null; output: string } {
  const result = spawnSync(prometheusTool('promtool'), ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
