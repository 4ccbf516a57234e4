import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** One line a child printed on stdout: its JSON, or `{ kind: 'text', t: 0, text }` for a line that is not JSON. */
export interface ChildLine {
  kind?: string;
  t?: number;
  [key: string]: unknown;
}

/** How a child ended, with the reading of its clock (ms) when it did. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** Options of {@link NodeProcess}. */
export interface NodeProcessOptions {
  /** Added to the environment, which is this process's without its `PODWARDEN_*` settings. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A process group of its own, like a container: {@link NodeProcess.signal}
   * reaches the main process only (as a runtime signals PID 1),
   * {@link NodeProcess.kill} SIGKILLs the whole group (as it kills the
   * cgroup), and the group is killed when the test process exits first.
   */
  readonly ownGroup?: boolean;
  /** The clock {@link ChildExit.at} is read from (default `performance.now`). */
  readonly clock?: () => number;
}

/** How much of the output {@link NodeProcess.output} keeps. */
const outputLimit = 32 * 1024;
const groups = new Set<NodeProcess>();

// A test process that dies (an assertion, a crash, a kill of the runner) still takes the groups along.
process.on('exit', () => {
  for (const proc of groups) proc.kill();
});

/** The environment a child starts from: this process's, without the `PODWARDEN_*` settings of whoever runs the tests. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PODWARDEN_') && value !== undefined) env[key] = value;
  return { ...env, ...extra };
}

/**
 * A real Node.js child process (`node ...args`): its stdout lines parsed as
 * JSON as they come, its stderr, the last of its output, and its exit.
 */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly lines: ChildLine[] = [];
  stderr = '';
  readonly exited: Promise<ChildExit>;
  readonly #ownGroup: boolean;
  #exit: ChildExit | undefined;
  #output = '';

  constructor(args: readonly string[], options: NodeProcessOptions = {}) {
    const clock = options.clock ?? (() => performance.now());
    this.#ownGroup = options.ownGroup ?? false;
    this.child = spawn(process.execPath, args, { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: this.#ownGroup });
    if (this.#ownGroup) groups.add(this);
    const keep = (chunk: string): void => {
      this.#output = (this.#output + chunk).slice(-outputLimit);
    };
    let buffer = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as ChildLine);
        } catch {
          this.lines.push({ kind: 'text', t: 0, text: line });
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      this.stderr += chunk;
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      groups.delete(this);
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null, at: clock() };
      return this.#exit;
    });
    this.child.on('error', () => {});
  }

  get alive(): boolean {
    return this.#exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How it ended; undefined while it runs. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** The last 32 KiB it printed, stdout and stderr as they came, for failure messages. */
  get output(): string {
    return this.#output;
  }

  /** Resolve with the first line matching `match`, waiting up to `timeoutMs`. */
  async waitFor(match: (line: ChildLine) => boolean, timeoutMs = 5000): Promise<ChildLine> {
    const start = Date.now();
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() - start > timeoutMs) throw new Error(`no matching line within ${timeoutMs} ms; got:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Send `signal` to the main process, while it runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGKILL it: the whole group when it has its own, else the process while it runs. */
  kill(): void {
    if (!this.#ownGroup) return this.signal('SIGKILL');
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
