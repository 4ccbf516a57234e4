import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** One JSON line printed by a fixture process. */
export interface FixtureLine {
  kind?: string;
  t?: number;
  [key: string]: unknown;
}

/** A real child process whose JSON stdout lines are collected as they come. */
export class Fixture {
  readonly lines: FixtureLine[] = [];
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, env: Record<string, string>, args: string[] = []) {
    this.child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as FixtureLine);
        } catch {
          this.lines.push({ kind: 'text', t: 0, text: line });
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /** Resolve with the first line matching `match`, waiting up to `timeoutMs`. */
  async waitFor(match: (line: FixtureLine) => boolean, timeoutMs = 5000): Promise<FixtureLine> {
    const start = Date.now();
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() - start > timeoutMs) throw new Error(`no matching line within ${timeoutMs} ms; got:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
