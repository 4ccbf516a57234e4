/**
 * Every code block of the pages users copy from runs here, or says why not.
 * Shell blocks run with bash in a copy of the repository, ```console sessions
 * step by step against the output they show, JS/TS programs with node (a
 * `serve` one until its URLs answer, then SIGTERM and exit 0), podwarden
 * configs through `podwarden validate`, Kubernetes YAML against the schemas,
 * PromQL through promtool. A block that cannot run carries a marker with its
 * reason; one that neither runs nor is marked fails, naming file:line. The
 * rules: docs/architecture.md, "Tests of the docs".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../chart/support.js';
import { type Plan, blockName, planBlock } from './block-plan.js';
import { checkPromql } from './check-promql.js';
import { checkYaml } from './check-yaml.js';
import { outputMatches } from './console-session.js';
import { documentedFiles } from './doc-files.js';
import { type CodeBlock, extractBlocks } from './markdown-blocks.js';
import { runProgram } from './run-program.js';
import { runScript, runServeScript, runSession } from './run-shell.js';
import { removeScratch } from './scratch.js';

const blockTimeoutMs = 180_000;

/** Run one block the way its plan says; resolves with what it was, for the summary. */
async function runBlock(block: CodeBlock, plan: Extract<Plan, { kind: 'run' }>): Promise<string> {
  switch (plan.runner) {
    case 'shell':
      if (plan.serve) {
        await runServeScript(block, plan.serve);
        return 'shell servers (SIGTERM, exit 0)';
      }
      await runScript(block);
      return 'shell scripts';
    case 'console':
      await runSession(block);
      return 'console sessions';
    case 'program':
      await runProgram(block, { ts: plan.ts ?? false, serve: plan.serve });
      return plan.serve ? 'program servers (SIGTERM, exit 0)' : 'programs';
    case 'yaml':
      return checkYaml(block);
    case 'promql':
      await checkPromql(block);
      return 'PromQL blocks';
  }
}

const gitStatus = (): string => execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' });
const statusBefore = gitStatus();

const files = documentedFiles(repoRoot);
const extracted = files.map((file) => extractBlocks(file, readFileSync(path.join(repoRoot, file), 'utf8')));
const problems = extracted.flatMap((e) => e.problems);
const planned = extracted.flatMap((e) => e.blocks).map((block) => ({ block, plan: planBlock(block, repoRoot) }));

const passed = new Map<string, string[]>();
const notRun = new Map<string, string[]>();
const group = (map: Map<string, string[]>, key: string, where: string): void => {
  map.set(key, [...(map.get(key) ?? []), where]);
};
for (const { block, plan } of planned) {
  const where = `${block.file}:${block.line}`;
  if (plan.kind === 'skip') group(notRun, `skipped: ${plan.reason}`, where);
  if (plan.kind === 'covered') group(notRun, `covered by ${plan.by}`, where);
}

afterAll(removeScratch);

describe('documented code blocks', () => {
  it('are found in the documented files', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/helm.md');
    expect(planned.filter((p) => p.plan.kind === 'run').length).toBeGreaterThan(0);
  });

  for (const problem of problems) {
    it(`marker or fence: ${problem.split(':').slice(0, 2).join(':')}`, () => {
      throw new Error(problem);
    });
  }

  describe.concurrent('each block', () => {
    for (const { block, plan } of planned) {
      const name = blockName(block);
      if (plan.kind === 'run') {
        it(name, { timeout: blockTimeoutMs }, async () => {
          group(passed, await runBlock(block, plan), `${block.file}:${block.line}`);
        });
      } else if (plan.kind === 'invalid') {
        it(name, () => {
          throw new Error(plan.message);
        });
      } else if (plan.kind === 'skip') {
        it.skip(`${name}: ${plan.reason}`);
      } else if (plan.kind === 'covered') {
        it.skip(`${name}: covered by ${plan.by}`);
      }
    }
  });

  it('summary: what ran, what did not and why; the checkout is as it was', () => {
    const runs = planned.filter((p) => p.plan.kind === 'run').length;
    const ran = [...passed.values()].reduce((n, list) => n + list.length, 0);
    const skipped = [...notRun.values()].reduce((n, list) => n + list.length, 0);
    const text = planned.filter((p) => p.plan.kind === 'text').length;
    const invalid = planned.filter((p) => p.plan.kind === 'invalid').length;
    const lines = [
      `documented code blocks in ${files.length} files: ${ran} ran and passed, ${runs - ran} failed, ${invalid} neither runnable nor marked, ${skipped} not run (below, by reason), ${text} text (output, diagrams)`,
      ...[...passed].map(([what, list]) => `  passed  ${list.length} ${what}: ${list.join(', ')}`),
      ...[...notRun].map(([why, list]) => `  not run ${list.length} ${why}: ${list.join(', ')}`),
    ];
    console.log(lines.join('\n'));
    expect(gitStatus(), 'the blocks ran in scratch copies and changed nothing in the checkout').toBe(statusBefore);
  });
});

describe('how blocks are found and run', () => {
  const blocksOf = (text: string) => extractBlocks('page.md', text);

  it('finds fenced blocks with their info string and indented blocks, not continuation lines', () => {
    const { blocks, problems: found } = blocksOf(
      [
        'Intro', //  1
        '    not code: continues the paragraph', //  2
        '', //  3
        '    make test', //  4
        '', //  5
        '~~~bash title', //  6
        'echo ~', //  7
        '~~~', //  8
        '- an item that says 7654', //  9
        '  1234. is still the item\'s text', // 10
        '', // 11
        '      echo in the item', // 12
        '', // 13
        '```', // 14
        'output', // 15
        '```', // 16
      ].join('\n'),
    );
    expect(found).toEqual([]);
    expect(blocks.map((b) => [b.line, b.style, b.lang, b.text])).toEqual([
      [4, 'indented', '', 'make test\n'],
      [6, 'fenced', 'bash', 'echo ~\n'],
      [12, 'indented', '', 'echo in the item\n'],
      [14, 'fenced', '', 'output\n'],
    ]);
  });

  it('attaches the marker on the line before a block, and names markers that are stray or malformed, and unclosed fences', () => {
    const { blocks, problems: found } = blocksOf(
      ['<!-- docs-test: skip — needs a cluster -->', '', '```sh', 'helm upgrade x', '```', '<!-- docs-test: serve -->', 'text', '<!-- docs-test skip -->', '```js', 'x'].join('\n'),
    );
    expect(blocks[0]?.marker).toEqual({ body: 'skip — needs a cluster', line: 1 });
    expect(found).toEqual([
      'page.md:6: a docs-test marker must be on the line before a code block; nothing but blank lines may come between',
      'page.md:8: a docs-test marker is one line, `<!-- docs-test: … -->`; this one is not',
      'page.md:9: this ``` fence is never closed',
    ]);
  });

  it('plans blocks by info string and marker; what it cannot run unmarked is an error naming file:line and the marker', () => {
    const plan = (text: string): Plan => planBlock(blocksOf(text).blocks[0]!, repoRoot);
    expect(plan('```sh\nls\n```')).toEqual({ kind: 'run', runner: 'shell', ts: false });
    expect(plan('<!-- docs-test: serve http://localhost:8080/ -->\n```ts\nx\n```')).toEqual({ kind: 'run', runner: 'program', ts: true, serve: ['http://localhost:8080/'] });
    expect(plan('<!-- docs-test: covered — test/chart/docs-commands.test.ts -->\n```sh\nx\n```')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('never names page.md') });
    expect(plan('```\nlog line\n```')).toEqual({ kind: 'text' });
    const unmarked = plan('```dockerfile\nFROM x\n```');
    expect(unmarked).toMatchObject({ kind: 'invalid' });
    expect(unmarked.kind === 'invalid' && unmarked.message).toMatch(/^page\.md:1: .*<!-- docs-test: skip — <why> -->/);
    expect(plan('```\n$ podwarden probe readyz\n```')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('tag it ```console') });
    expect(plan('<!-- docs-test: serve -->\n```yaml\na: 1\n```')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('`serve` is for shell commands and programs') });
    expect(plan('<!-- docs-test: later -->\n```sh\nx\n```')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('unknown docs-test marker "later"') });
  });

  it('matches shown output: `...` for any lines, a trailing `…` for the rest of a line', () => {
    expect(outputMatches(['a', '...', 'd'], 'a\nb\nc\nd\n')).toBe(true);
    expect(outputMatches(['a: …', 'b'], 'a: more\nb')).toBe(true);
    expect(outputMatches(['a', 'b'], 'a\nc')).toBe(false);
    expect(outputMatches(['a'], 'a\nb')).toBe(false);
  });

  it('fails a block that fails, naming file:line', { timeout: 60_000 }, async () => {
    const [script, session, program, early] = blocksOf(
      ['```sh', 'true', 'false', 'echo never', '```', '```console', '$ echo one', 'two', '```', '```js', 'await connect();', '```', '```sh', 'node -e 0', '```'].join('\n'),
    ).blocks;
    await expect(runScript(script!)).rejects.toThrow(/^page\.md:1: exited with 1/);
    await expect(runSession(session!)).rejects.toThrow(/^page\.md:6: `\$ echo one` \(exit 0\) printed\none\n/);
    await expect(runProgram(program!, { ts: false })).rejects.toThrow(/^page\.md:10: the program exited with 1; its output:\n[\s\S]*connect is not defined/);
    await expect(runServeScript(early!, ['http://localhost:7654/readyz'])).rejects.toThrow(/^page\.md:13: marked `serve`, but every command ended/);
  });

  it('checks YAML: Kubernetes objects against the schemas, a podwarden config with podwarden validate', { timeout: 60_000 }, async () => {
    const [configMap, misspelt, config, badConfig, neither] = blocksOf(
      [
        '```yaml',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: podwarden }',
        'data: { a: b }',
        '```',
        '```yaml',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: podwarden }',
        'dta: { a: b }',
        '```',
        '```yaml',
        'services: [{ name: app, type: tcp, port: 5432 }]',
        '```',
        '```yaml',
        'shutdown: { drainDelay: 1sec }',
        '```',
        '```yaml',
        'dependencies: []',
        '```',
      ].join('\n'),
    ).blocks;
    await expect(checkYaml(configMap!)).resolves.toBe('Kubernetes objects');
    await expect(checkYaml(misspelt!)).rejects.toThrow(/^page\.md:7: .*fields Kubernetes does not know: \.dta/);
    await expect(checkYaml(config!)).resolves.toBe('podwarden configs');
    await expect(checkYaml(badConfig!)).rejects.toThrow(/^page\.md:16: `podwarden validate` exited with 2:\n[\s\S]*shutdown\.drainDelay: "1sec" is not a duration/);
    await expect(checkYaml(neither!)).rejects.toThrow(/^page\.md:19: neither Kubernetes objects/);
  });

  it('runs a TypeScript program with its types stripped', { timeout: 60_000 }, async () => {
    const [program] = blocksOf(["```ts", "import { Server } from 'podwarden';", 'const names: string[] = new Server().services().map((s) => s.name);', 'if (names.length !== 0) process.exit(3);', '```'].join('\n')).blocks;
    await expect(runProgram(program!, { ts: true })).resolves.toBeUndefined();
  });

  it('runs a serve block: the commands after the server run against it, then SIGTERM and exit 0', { timeout: 90_000 }, async () => {
    const [block] = blocksOf(['```sh', 'podwarden validate examples/configs/app-and-postgres.yaml', 'node dist/cli/main.js serve', 'podwarden probe readyz', 'curl -fsS localhost:7654/livez', '```'].join('\n')).blocks;
    await expect(runServeScript(block!, ['http://localhost:7654/readyz'])).resolves.toBeUndefined();
  });
});
