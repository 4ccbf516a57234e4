import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** How a process ended, with the harness clock (ms) when it did. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

const tailLimit = 32 * 1024;
const live = new Set<ManagedProcess>();

// A harness that dies (an assertion, a crash, a kill of the runner) still takes its children along.
process.on('exit', () => {
  for (const proc of live) proc.kill();
});

/**
 * A real child process in its own process group, like a container: `signal()`
 * reaches the main process only (as the runtime signals PID 1), `kill()`
 * SIGKILLs the whole group (as the runtime kills the cgroup).
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;
  #tail = '';

  constructor(
    readonly name: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    clock: () => number,
  ) {
    this.child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    live.add(this);
    const keep = (chunk: string): void => {
      this.#tail = (this.#tail + chunk).slice(-tailLimit);
    };
    this.child.stdout!.setEncoding('utf8').on('data', keep);
    this.child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      live.delete(this);
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null, at: clock() };
      return this.#exit;
    });
    this.child.on('error', () => {});
  }

  get alive(): boolean {
    return this.#exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** The last lines the process printed (stdout and stderr), for failure messages. */
  get output(): string {
    return this.#tail;
  }

  /** Send `signal` to the main process only. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGKILL the whole process group. */
  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILL `procs` (every process this worker started when omitted) and wait, bounded, for their exits. */
export async function killAll(procs: readonly ManagedProcess[] = [...live], timeoutMs = 5000): Promise<void> {
  for (const proc of procs) proc.kill();
  await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

/** Whether a loopback TCP port can be bound right now. */
async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// Below the kernel's ephemeral range (32768+), so client sockets never take a port a
// pod is about to bind; each vitest worker gets its own block of 1000.
const blockBase = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 12) * 1000;
let nextPort = blockBase;

/** A loopback TCP port no other pod of this run has, checked free. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries += 1) {
    const port = nextPort;
    nextPort = nextPort + 1 >= blockBase + 1000 ? blockBase : nextPort + 1;
    if (await canBind(port)) return port;
  }
  throw new Error('no free loopback port in this worker\'s block');
}
