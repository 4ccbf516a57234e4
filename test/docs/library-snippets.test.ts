/**
 * The library programs docs/metrics.md and docs/http.md show, run as real
 * programs: `podwarden` imported from the build, the documented port swapped
 * for a free one. Each serves `/metrics`, and SIGINT ends it with exit code 130.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';
import { tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const distIndex = pathToFileURL(path.join(root, 'dist/index.js')).href;

/** The ```js block of a section (its heading up to the next `## `) that contains `marker`. */
function jsBlock(file: string, heading: string, marker: string): string {
  const text = readFileSync(path.join(root, file), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const block = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes(marker));
  if (block === undefined) throw new Error(`${file} shows no js block with ${marker} under "${heading}"`);
  return block;
}

/** Resolve with the status of `/metrics` once the program answers on `port`. */
async function metricsStatus(port: number, program: NodeProcess): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!program.alive) throw new Error(`the program exited before it listened:\n${program.output}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })).status;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`nothing listened on ${port} within 10 s:\n${program.output}`, { cause: error });
      await sleep(25);
    }
  }
}

describe.each([
  { file: 'docs/metrics.md', heading: '## From the library', marker: 'createMetrics(' },
  { file: 'docs/http.md', heading: '## The podwarden service and its listener', marker: 'addHttpService(server' },
])('$file: the $marker program', ({ file, heading, marker }) => {
  it('runs as written, serves /metrics, and exits 130 on SIGINT', async () => {
    const block = jsBlock(file, heading, marker);
    expect(block).toContain("from 'podwarden'");
    expect(block).toContain('port: 7654');
    const port = await freePort();
    const program = path.join(tempDir('podwarden-snippet-'), 'program.mjs');
    writeFileSync(program, block.replaceAll("from 'podwarden'", `from '${distIndex}'`).replaceAll('port: 7654', `port: ${port}`));
    const child = new NodeProcess([program]);
    try {
      expect(await metricsStatus(port, child)).toBe(200);
      child.signal('SIGINT');
      const exit = await child.exited;
      expect(exit.code, child.output).toBe(130);
    } finally {
      child.kill();
    }
  });
});
