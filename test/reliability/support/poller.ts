import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** What the kubelet-like poller saw (scripts/soak/kube-poller.mjs). */
export interface PollerReport {
  readonly failureCount: number;
  readonly failures: ReadonlyArray<{ path: string; status?: number; error?: string; at: string }>;
  readonly paths: Record<string, { count: number; statuses: Record<string, number>; errors: Record<string, number>; maxMs: number; meanMs: number }>;
}

const pollerScript = fileURLToPath(new URL('../../../scripts/soak/kube-poller.mjs', import.meta.url));

/**
 * A kubelet-like poller in a process of its own (so the load a test makes in
 * its own process cannot delay it): `User-Agent: kube-probe/1.31`, a fresh
 * connection per probe, a 1 s timeout, every `intervalMs`.
 */
export class Poller {
  readonly #child: ChildProcess;
  readonly #reports: PollerReport[] = [];
  #waiting: Array<(report: PollerReport) => void> = [];

  constructor(base: string, paths: readonly string[] = ['/livez', '/readyz'], intervalMs = 100) {
    this.#child = spawn(process.execPath, [pollerScript, base, ...paths], {
      env: { ...process.env, POLL_INTERVAL_MS: String(intervalMs), POLL_TIMEOUT_MS: '1000' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buffer = '';
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const report = JSON.parse(buffer.slice(0, nl)) as PollerReport;
        buffer = buffer.slice(nl + 1);
        this.#reports.push(report);
        this.#waiting.shift()?.(report);
      }
    });
  }

  /** What it has seen so far. */
  report(): Promise<PollerReport> {
    return this.#ask('report');
  }

  /**
   * What it has seen since the last window (or its start): a test that opens
   * a window when it begins judges only its own probes, so one failure never
   * fails the tests after it.
   */
  window(): Promise<PollerReport> {
    return this.#ask('window');
  }

  #ask(command: 'report' | 'window'): Promise<PollerReport> {
    const next = new Promise<PollerReport>((resolve) => this.#waiting.push(resolve));
    this.#child.stdin!.write(`${command}\n`);
    return next;
  }

  /** Stop polling; resolves with the final report. */
  async stop(): Promise<PollerReport> {
    if (this.#child.exitCode !== null) return this.#reports[this.#reports.length - 1]!;
    const next = new Promise<PollerReport>((resolve) => this.#waiting.push(resolve));
    this.#child.stdin!.end();
    const report = await next;
    await once(this.#child, 'exit');
    return report;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

/** Statuses seen for `path`, as numbers. */
export function statusesOf(report: PollerReport, path: string): number[] {
  return Object.keys(report.paths[path]?.statuses ?? {}).map(Number).sort();
}
