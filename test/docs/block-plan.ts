/**
 * What the test does with a code block, decided from its info string and its
 * `docs-test` marker (the grammar is in docs/architecture.md, "Tests of the
 * docs"): run it, leave it to the test that covers it, skip it for a stated
 * reason, or — text, output and diagrams — nothing. A block it cannot decide
 * on is `invalid`, with a message that names file:line and how to mark it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CodeBlock } from './markdown-blocks.js';

/** How a runnable block is run. */
export type Runner = 'shell' | 'console' | 'program' | 'yaml' | 'promql';

export type Plan =
  | { readonly kind: 'run'; readonly runner: Runner; readonly ts?: boolean; readonly serve?: readonly string[] }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'covered'; readonly by: string }
  | { readonly kind: 'text' }
  | { readonly kind: 'invalid'; readonly message: string };

/** Where the page states the rules, for every message. */
export const rulesAt = 'docs/architecture.md#tests-of-the-docs';

/** The URL a `serve` marker waits for when it names none. */
export const defaultServeUrl = 'http://localhost:7654/readyz';

const runners: Readonly<Record<string, Runner>> = {
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  console: 'console',
  js: 'program',
  mjs: 'program',
  javascript: 'program',
  ts: 'program',
  mts: 'program',
  typescript: 'program',
  yaml: 'yaml',
  yml: 'yaml',
  promql: 'promql',
};
const tsLangs = new Set(['ts', 'mts', 'typescript']);
/** Info strings of blocks that show text (output, diagrams, markup): never run. */
const textLangs = new Set(['', 'text', 'txt', 'plain', 'markdown', 'md']);

/** A block's place and kind, as messages show it. */
export function blockName(block: CodeBlock): string {
  return `${block.file}:${block.line} (${block.style === 'indented' ? 'indented' : `\`\`\`${block.lang || 'text'}`})`;
}

/** How to mark `block` when it cannot run here, for every failure message. */
export const markHint = (block: CodeBlock): string =>
  `If it cannot run here (it needs a cluster, a registry, the network, runs forever, or is a fragment), put on the line before it ` +
  `\`<!-- docs-test: skip — <why> -->\`; if another test runs it, \`<!-- docs-test: covered — <test file> -->\`; ` +
  `a server: \`<!-- docs-test: serve [url …] -->\`. See ${rulesAt}. (${blockName(block)})`;

/** What the test does with `block`; `root` is the repository, for checking a `covered` marker's test file. */
export function planBlock(block: CodeBlock, root: string): Plan {
  const invalid = (what: string): Plan => ({ kind: 'invalid', message: `${block.file}:${block.marker?.line ?? block.line}: ${what}` });
  const runner: Runner | undefined = block.style === 'indented' ? 'shell' : runners[block.lang];
  const isText = block.style === 'fenced' && textLangs.has(block.lang);
  const marker = block.marker?.body;

  if (marker === undefined) {
    if (isText) {
      return /^\$ /m.test(block.text) ? invalid(`this block without a language shows a shell session (\`$ \` lines): tag it \`\`\`console so it runs, or \`\`\`text. ${markHint(block)}`) : { kind: 'text' };
    }
    if (!runner) return invalid(`\`\`\`${block.lang} blocks are not run by the docs test. ${markHint(block)}`);
    return { kind: 'run', runner, ts: tsLangs.has(block.lang) };
  }

  if (isText) return invalid(`a docs-test marker on a block without a language: such a block (output, a diagram) is never run, so it needs none`);
  const skip = /^skip\s+—\s+(\S.*)$/.exec(marker);
  if (skip) return { kind: 'skip', reason: skip[1]! };
  const covered = /^covered\s+—\s+(\S+)/.exec(marker);
  if (covered) {
    const by = covered[1]!;
    if (!existsSync(path.join(root, by))) return invalid(`the marker says ${by} covers this block, but there is no such file`);
    if (!readFileSync(path.join(root, by), 'utf8').includes(block.file)) return invalid(`the marker says ${by} covers this block, but that test never names ${block.file}`);
    return { kind: 'covered', by };
  }
  const serve = /^serve(?:\s+(.*))?$/.exec(marker);
  if (serve) {
    if (runner !== 'shell' && runner !== 'program') return invalid(`\`serve\` is for shell commands and programs, not ${blockName(block)}`);
    const urls = serve[1]?.trim().split(/\s+/) ?? [defaultServeUrl];
    const bad = urls.find((u) => !/^http:\/\/[^/\s]+\/\S*$/.test(u));
    if (bad !== undefined) return invalid(`\`serve\` takes URLs like ${defaultServeUrl} (answering 200 once the server is up); "${bad}" is not one`);
    return { kind: 'run', runner, ts: tsLangs.has(block.lang), serve: urls };
  }
  return invalid(`unknown docs-test marker "${marker}": write \`skip — <why>\`, \`covered — <test file>\` or \`serve [url …]\` (see ${rulesAt})`);
}
