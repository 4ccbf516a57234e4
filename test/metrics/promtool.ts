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

/** Sample lines (not comments, not blank) whose metric name starts with `prefix`. */
export function samples(exposition: string, prefix = ''): string[] {
  return exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#') && line.startsWith(prefix));
}

/** `# TYPE` lines as name → type. */
export function families(exposition: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}
