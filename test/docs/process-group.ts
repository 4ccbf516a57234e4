/**
 * A documented command or program run as a job of its own process group, the
 * way a shell runs a job: a signal goes to the whole group (`kill %1`), and
 * whatever the job leaves behind can be seen and killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface JobExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How much output a job keeps for failure messages. */
const outputLimit = 64 * 1024;
const running = new Set<Job>();

// A test process that ends first still takes the jobs along.
process.on('exit', () => {
  for (const job of running) job.kill();
});

export class Job {
  readonly #child: ChildProcess;
  readonly exited: Promise<JobExit>;
  #exit: JobExit | undefined;
  #output = '';

  constructor(file: string, args: readonly string[], options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }) {
    this.#child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(this);
    const keep = (chunk: string): void => {
      this.#output = (this.#output + chunk).slice(-outputLimit);
    };
    this.#child.stdout!.setEncoding('utf8').on('data', keep);
    this.#child.stderr!.setEncoding('utf8').on('data', keep);
    // 'close', not 'exit': by then the job's output has been read to the end.
    this.exited = once(this.#child, 'close').then(([code, signal]) => {
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      if (!this.groupAlive()) running.delete(this);
      return this.#exit;
    });
    this.#child.on('error', (error) => keep(`\n[spawn failed: ${error.message}]\n`));
  }

  /** What it printed (stdout and stderr as they came), the last 64 KiB. */
  get output(): string {
    return this.#output;
  }

  get exit(): JobExit | undefined {
    return this.#exit;
  }

  /** Whether any process of the job's group is still alive. */
  groupAlive(): boolean {
    const pid = this.#child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Send `signal` to every process of the job, as a shell's `kill %job` does. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group has ended
    }
  }

  /** SIGKILL whatever is left of the job. */
  kill(): void {
    this.signal('SIGKILL');
    running.delete(this);
  }

  /** Its exit, or a rejection saying `what` did not end within `ms` (the job is then killed). */
  async waitExit(ms: number, what: string): Promise<JobExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms / 1000} s; its output:\n${this.#output}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The status `url` answers with, or undefined when nothing answers. */
export async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * Resolve with true once every URL answers 200, or with false as soon as
 * `job` has exited; reject after `ms` with the URLs that did not answer,
 * the job's output and `hint`, the message starting with `where`.
 */
export async function urlsAnswer(urls: readonly string[], job: Job, ms: number, where: string, hint: string): Promise<boolean> {
  const deadline = Date.now() + ms;
  const pending = new Set(urls);
  for (;;) {
    if (job.exit) return false;
    for (const url of [...pending]) if ((await statusOf(url)) === 200) pending.delete(url);
    if (pending.size === 0) return true;
    if (Date.now() > deadline) {
      throw new Error(`${where}: ${[...pending].join(', ')} did not answer 200 within ${ms / 1000} s; the output:\n${job.output || '(none)'}\n${hint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
