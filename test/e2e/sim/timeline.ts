import { performance } from 'node:perf_hooks';

/** One thing that happened during a run, at `t` ms after the run started. */
export interface TimelineEvent {
  readonly t: number;
  readonly kind: string;
  readonly pod?: string;
  readonly [field: string]: unknown;
}

/** The run's clock and its event log (bounded), for reports and failure messages. */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly #origin = performance.now();

  constructor(readonly limit = 20_000) {}

  /** Milliseconds since the run started. */
  now(): number {
    return performance.now() - this.#origin;
  }

  mark(kind: string, fields: Record<string, unknown> = {}): void {
    if (this.events.length < this.limit) this.events.push({ t: Math.round(this.now()), kind, ...fields });
  }

  /** The events of one pod, one per line, for a failure message. */
  describe(pod?: string): string {
    return this.events
      .filter((e) => pod === undefined || e.pod === pod)
      .map((e) => JSON.stringify(e))
      .join('\n');
  }
}
