/**
 * Shell blocks run with bash in a copy of the repository: a plain block as one
 * script (`-euo pipefail`: every line must succeed); a `serve` block command
 * by command, the one still running when its URLs answer 200 being the server,
 * stopped with SIGTERM once the commands after it have run; a ```console block
 * step by step, its output matched against the one it shows.
 */
import { markHint } from './block-plan.js';
import type { CodeBlock } from './markdown-blocks.js';
import { outputMatches, sessionSteps } from './console-session.js';
import { Job, statusOf, urlsAnswer } from './process-group.js';
import { commandEnv, freshPorts, mapPorts, repoCopy } from './scratch.js';

/** How long one command or block may run. */
export const commandTimeoutMs = 120_000;
/** How long a server may take to answer its URLs. */
export const readyTimeoutMs = 30_000;
/** How long a server may take to exit after SIGTERM (a library Server's default drain is 10 s, its stop budget 15 s). */
export const stopTimeoutMs = 45_000;

const bash = (script: string, options: { cwd: string; env: NodeJS.ProcessEnv }, flags = ['-euo', 'pipefail']): Job => new Job('bash', [...flags, '-c', script], options);

/** A block's commands: continued lines joined, blank and comment-only lines dropped. */
export function commandsOf(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** Run a ```sh block (or an indented one) as one script; it must exit 0. */
export async function runScript(block: CodeBlock): Promise<void> {
  const ports = await freshPorts();
  const job = bash(mapPorts(block.text, ports), { cwd: repoCopy(), env: commandEnv(ports) });
  try {
    const exit = await job.waitExit(commandTimeoutMs, `${block.file}:${block.line}`);
    if (exit.code !== 0) throw new Error(`${block.file}:${block.line}: exited with ${exit.code ?? exit.signal}; its output:\n${job.output}\n${markHint(block)}`);
  } finally {
    job.kill();
  }
}

/**
 * Stop `server` with SIGTERM: it must exit 0, leave no process of its group
 * behind, and stop answering `urls`.
 */
export async function stopServer(server: Job, urls: readonly string[], where: string): Promise<void> {
  server.signal('SIGTERM');
  const exit = await server.waitExit(stopTimeoutMs, `${where} after SIGTERM`);
  if (exit.code !== 0) throw new Error(`${where}: the server exited with ${exit.code ?? exit.signal} after SIGTERM, not 0; its output:\n${server.output}`);
  if (server.groupAlive()) throw new Error(`${where}: the server exited but left processes of its group running`);
  for (const url of urls) if ((await statusOf(url)) !== undefined) throw new Error(`${where}: ${url} still answers after the server exited`);
}

/** Run a `serve` shell block: its commands in order, one of them the server; see the module comment. */
export async function runServeScript(block: CodeBlock, urls: readonly string[]): Promise<void> {
  const ports = await freshPorts();
  const options = { cwd: repoCopy(), env: commandEnv(ports) };
  const mapped = urls.map((u) => mapPorts(u, ports));
  const jobs: Job[] = [];
  let server: Job | undefined;
  try {
    for (const command of commandsOf(mapPorts(block.text, ports))) {
      const job = bash(command, options);
      jobs.push(job);
      if (!server && (await urlsAnswer(mapped, job, readyTimeoutMs, `${block.file}:${block.line}: ${command}`, markHint(block)))) {
        server = job;
        continue;
      }
      const exit = await job.waitExit(commandTimeoutMs, `${block.file}:${block.line}: ${command}`);
      if (exit.code !== 0) throw new Error(`${block.file}:${block.line}: \`${command}\` exited with ${exit.code ?? exit.signal}; its output:\n${job.output}\n${markHint(block)}`);
    }
    if (!server) throw new Error(`${block.file}:${block.line}: marked \`serve\`, but every command ended before ${mapped.join(', ')} answered 200\n${markHint(block)}`);
    await stopServer(server, mapped, `${block.file}:${block.line}`);
  } finally {
    for (const job of jobs) job.kill();
  }
}

/** Run a ```console block step by step; each step's output must match the one shown, or it must exit 0 when none is. */
export async function runSession(block: CodeBlock): Promise<void> {
  const steps = sessionSteps(block.text);
  if (steps.length === 0) throw new Error(`${block.file}:${block.line}: a console block with no \`$ \` command: tag output \`\`\`text\n${markHint(block)}`);
  const ports = await freshPorts();
  const options = { cwd: repoCopy(), env: commandEnv(ports) };
  for (const step of steps) {
    // stderr into stdout in the shell itself, so the two come in the order written, as on a terminal.
    const job = bash(`exec 2>&1\n${mapPorts(step.command, ports)}`, options, ['-o', 'pipefail']);
    try {
      const exit = await job.waitExit(commandTimeoutMs, `${block.file}:${block.line}: $ ${step.command}`);
      const shown = step.output.map((line) => mapPorts(line, ports));
      if (shown.length === 0 ? exit.code !== 0 : !outputMatches(shown, job.output)) {
        throw new Error(
          `${block.file}:${block.line}: \`$ ${step.command}\` (exit ${exit.code ?? exit.signal}) printed\n${job.output}\nbut the block shows\n${step.output.join('\n') || '(no output, exit 0)'}\n${markHint(block)}`,
        );
      }
    } finally {
      job.kill();
    }
  }
}
