/**
 * ```js and ```ts blocks run as complete programs with node, in a folder
 * where `import … from 'podwarden'` finds this checkout (ts: types stripped
 * by esbuild, the tree's compiler for scripts). A program must exit 0 by
 * itself; a `serve` one must answer its URLs, then exit 0 on SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { transform } from 'esbuild';
import { cleanEnv } from '../helpers/child.js';
import { markHint } from './block-plan.js';
import type { CodeBlock } from './markdown-blocks.js';
import { Job, urlsAnswer } from './process-group.js';
import { readyTimeoutMs, stopServer } from './run-shell.js';
import { freshPorts, mapPorts, programDir } from './scratch.js';

/** How long a program that is not a server may run. */
export const programTimeoutMs = 60_000;

/** Run a program block; `serve` lists the URLs of a server (undefined: it must end by itself). */
export async function runProgram(block: CodeBlock, options: { readonly ts: boolean; readonly serve?: readonly string[] }): Promise<void> {
  const ports = await freshPorts();
  const where = `${block.file}:${block.line}`;
  let source = mapPorts(block.text, ports);
  if (options.ts) source = (await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: where })).code;
  const dir = programDir();
  writeFileSync(path.join(dir, 'program.mjs'), source);
  const job = new Job(process.execPath, ['program.mjs'], { cwd: dir, env: cleanEnv() });
  try {
    if (options.serve === undefined) {
      const exit = await job.waitExit(programTimeoutMs, `${where} (a server? mark it \`<!-- docs-test: serve [url …] -->\`)`);
      if (exit.code !== 0) throw new Error(`${where}: the program exited with ${exit.code ?? exit.signal}; its output:\n${job.output}\n${markHint(block)}`);
      return;
    }
    const urls = options.serve.map((u) => mapPorts(u, ports));
    if (!(await urlsAnswer(urls, job, readyTimeoutMs, where, markHint(block)))) {
      throw new Error(`${where}: the program exited with ${job.exit?.code ?? job.exit?.signal} before ${urls.join(', ')} answered 200; its output:\n${job.output}\n${markHint(block)}`);
    }
    await stopServer(job, urls, where);
  } finally {
    job.kill();
  }
}
