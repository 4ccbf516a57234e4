/**
 * ```promql blocks: every query (the blank-line separated paragraphs, `#`
 * comment lines aside) parsed by `promtool check rules` as an alert's
 * expression.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { promtool } from '../chart/support.js';
import { markHint } from './block-plan.js';
import type { CodeBlock } from './markdown-blocks.js';

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

/** Check every query of a PromQL block with promtool; throws with promtool's complaint. */
export function checkPromql(block: CodeBlock): void {
  const where = `${block.file}:${block.line}`;
  const queries = queriesOf(block.text);
  if (queries.length === 0) throw new Error(`${where}: a promql block with no query\n${markHint(block)}`);
  const rules = { groups: [{ name: 'docs', rules: queries.map((expr, i) => ({ alert: `DocsQuery${i + 1}`, expr })) }] };
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-docs-promql-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), stringify(rules));
    const result = promtool(['check', 'rules', 'rules.yaml'], dir);
    if (result.code !== 0) throw new Error(`${where}: promtool check rules exited with ${result.code}:\n${result.stdout}${result.stderr}\n${markHint(block)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
