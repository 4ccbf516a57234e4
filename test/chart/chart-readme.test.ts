/**
 * charts/podwarden/README.md is generated from values.yaml by scripts/gen-chart-readme.mjs:
 * the committed file is what the script makes, every value is in it with its default, a
 * value without a description fails the script, and the README's install command runs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, helmBinary, helmEnv, repoRoot } from './support.js';

const script = path.join(repoRoot, 'scripts/gen-chart-readme.mjs');

function generate(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
}

/** A copy of the chart's Chart.yaml, values.schema.json and values.yaml, with `edit` applied to values.yaml. */
function chartCopy(edit: (values: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-readme-'));
  for (const file of ['Chart.yaml', 'values.schema.json']) cpSync(path.join(chartDir, file), path.join(dir, file));
  writeFileSync(path.join(dir, 'values.yaml'), edit(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')));
  return dir;
}

/** Insert `lines` into values.yaml right after the line `after`. */
function insertAfter(values: string, after: string, lines: string): string {
  const at = values.indexOf(`${after}\n`);
  if (at < 0) throw new Error(`values.yaml has no line "${after}"`);
  return `${values.slice(0, at + after.length + 1)}${lines}${values.slice(at + after.length + 1)}`;
}

/** The rows of a generated README: path → { type, default as the JSON it shows }. */
function rowsOf(readme: string): Map<string, { type: string; value: unknown }> {
  const rows = new Map<string, { type: string; value: unknown }>();
  for (const [, key, type, fenced] of readme.matchAll(/^\| `([^`]+)` \| ([^|]+) \| (``?.*?``?) \| /gm)) {
    const json = (fenced ?? '').replace(/^``?|``?$/g, '').replaceAll('\\|', '|');
    rows.set(key ?? '', { type: (type ?? '').trim(), value: JSON.parse(json) as unknown });
  }
  return rows;
}

/** Every value of values.yaml that is not a non-empty map: its path and value. */
function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, v]) => leaves(v, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, value]];
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], values);
}

const committed = readFileSync(path.join(chartDir, 'README.md'), 'utf8');
const values: unknown = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'));

describe('charts/podwarden/README.md', () => {
  it('is what scripts/gen-chart-readme.mjs generates from values.yaml (run it when this fails)', () => {
    const generated = generate(['--stdout']);
    expect(generated.stderr).toBe('');
    expect(generated.status).toBe(0);
    expect(committed).toBe(generated.stdout);
    expect(generate(['--check']).status).toBe(0);
  });

  it('lists every value, itself or inside the described map that holds it, with the default values.yaml gives', () => {
    const rows = rowsOf(committed);
    expect(rows.size).toBeGreaterThan(100);
    for (const [key, value] of leaves(values)) {
      const parts = key.split('.');
      const row = parts.map((_, i) => parts.slice(0, parts.length - i).join('.')).find((p) => rows.has(p));
      expect(row, `${key} is in the README`).toBeDefined();
      if (row === key) expect(rows.get(key)?.value, key).toEqual(value);
    }
    for (const [key, row] of rows) expect(row.value, key).toEqual(valueAt(values, key) ?? null);
    expect(rows.get('replicaCount')).toEqual({ type: 'int', value: 2 });
    expect(rows.get('metrics.prometheusRule.runbookBaseUrl')?.type).toBe('string');
    expect(rows.get('terminationGracePeriodSeconds')).toEqual({ type: 'int', value: null });
  });

  it('--check fails when the README differs from values.yaml', () => {
    const dir = chartCopy((v) => v);
    writeFileSync(path.join(dir, 'README.md'), committed.replace('| `replicaCount` | int | `2` |', '| `replicaCount` | int | `3` |'));
    const result = generate(['--check', '--chart', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('README.md is out of date; run: node scripts/gen-chart-readme.mjs');
  });

  it('takes a new value with a description wherever it is: above its key, at the end of its line, in a new map', () => {
    const dir = chartCopy((v) =>
      insertAfter(
        insertAfter(v, '  preStop: true', '  # -- Seconds the app may take to warm up.\n  warmupSeconds: 20\n  lifecycleHooks:\n    # -- Run a postStart hook.\n    postStart: false\n'),
        '  tag: "1.27-alpine"',
        '    variant: "slim" # -- Image variant.\n',
      ),
    );
    const result = generate(['--stdout', '--chart', dir]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('| `app.warmupSeconds` | int | `20` | Seconds the app may take to warm up. |');
    expect(result.stdout).toContain('| `app.lifecycleHooks.postStart` | bool | `false` | Run a postStart hook. |');
    expect(result.stdout).toContain('| `app.image.variant` | string | `"slim"` | Image variant. |');
  });

  it('fails for a value without a description, naming it and its line, and for a null default of no known type', () => {
    const dir = chartCopy((v) => insertAfter(insertAfter(v, '  preStop: true', '  warmupSeconds: 20\n'), 'replicaCount: 2', '# -- Seconds between rollouts.\nrolloutPause: null\n'));
    const result = generate(['--stdout', '--chart', dir]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = readFileSync(path.join(dir, 'values.yaml'), 'utf8').split('\n');
    const lineOf = (text: string) => lines.indexOf(text) + 1;
    expect(result.stderr).toContain(`values.yaml:${lineOf('  warmupSeconds: 20')}: app.warmupSeconds has no description: write \`# -- what it is\` above it (or above a map that holds it)`);
    expect(result.stderr).toContain(`values.yaml:${lineOf('rolloutPause: null')}: rolloutPause defaults to null and values.schema.json gives no type for it: write it in the comment, e.g. \`# -- (int) Seconds between rollouts.\``);
  });

  it("links to upgrade notes that cover the chart's version", () => {
    const { version } = parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string };
    expect(committed).toContain('[UPGRADING.md](UPGRADING.md)');
    expect(readFileSync(path.join(chartDir, 'UPGRADING.md'), 'utf8')).toMatch(new RegExp(`^## \\S+ to ${version.replaceAll('.', '\\.')}$`, 'm'));
  });

  it("reads a null default's type from values.schema.json when the comment gives none", () => {
    const dir = chartCopy((v) => v.replace('# -- (int or string) Pods that must stay available', '# -- Pods that must stay available').replace('  # -- (number) Seconds until the balancers', '  # -- Seconds until the balancers'));
    const rows = rowsOf(generate(['--stdout', '--chart', dir]).stdout);
    expect(rows.get('pdb.minAvailable')).toEqual({ type: 'int or string', value: null });
    expect(rows.get('timing.endpointPropagationSeconds')).toEqual({ type: 'number', value: null });
  });

  it('gives an install command that installs as written (client-side dry run)', () => {
    const command = /```sh\n(helm install [^\n]+)\n```/.exec(committed)?.[1];
    expect(command).toContain('--set drain.token=$(openssl rand -hex 32)');
    const root = mkdtempSync(path.join(tmpdir(), 'podwarden-readme-install-'));
    cpSync(chartDir, path.join(root, 'charts/podwarden'), { recursive: true });
    const env = { ...helmEnv(), PATH: `${path.dirname(helmBinary())}${path.delimiter}${process.env.PATH ?? ''}` };
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', `${command ?? 'false'} --dry-run=client`], { cwd: root, encoding: 'utf8', env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('NOTES:');
  });
});
