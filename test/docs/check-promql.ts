/**
 * ```promql blocks: every query (the blank-line separated paragraphs, `#`
 * comment lines aside) parsed by `promtool check rules` as an alert's
 * expression.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { requireTool } from '../chart/support.js';
import { markHint } from './block-plan.js';
import type { CodeBlock } from './markdown-blocks.js';
import { Job } from './process-group.js';

/** The queries of a block. */
export function queriesOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .filter((line) => !line.trim().startsWith('#'))
        .join('\n')
        .trim(),
    )
    .filter((query) => query !== '');
}

/** Check every query of a PromQL block with promtool; rejects with promtool's complaint. */
export async function checkPromql(block: CodeBlock): Promise<void> {
  const where = `${block.file}:${block.line}`;
  const queries = queriesOf(block.text);
  if (queries.length === 0) throw new Error(`${where}: a promql block with no query\n${markHint(block)}`);
  const rules = { groups: [{ name: 'docs', rules: queries.map((expr, i) => ({ alert: `DocsQuery${i + 1}`, expr })) }] };
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-docs-promql-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), stringify(rules));
    const promtool = requireTool('promtool', 'install Debian\'s "prometheus" package (scripts/tools/prometheus.sh does; make test runs it)');
    const check = new Job(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir, env: process.env });
    const exit = await check.waitExit(30_000, `${where}: promtool check rules`);
    if (exit.code !== 0) throw new Error(`${where}: promtool check rules exited with ${exit.code ?? exit.signal}:\n${check.output}\n${markHint(block)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
