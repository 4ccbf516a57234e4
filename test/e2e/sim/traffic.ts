import type { Balancer, RequestOutcome } from './balancer.js';
import type { Timeline } from './timeline.js';

export interface TrafficOptions {
  /** Requests per second, spread evenly over the balancers. */
  readonly ratePerSecond: number;
  /** Request path (the app's `?work=` query sets how long each request is in flight). */
  readonly path: string;
  /** At most this many requests in flight; the scheduler skips a beat rather than pile up. */
  readonly maxInFlight?: number;
}

/** One failed request. */
export interface FailureSample {
  readonly t: number;
  readonly balancer: string;
  readonly pod: string | undefined;
  readonly outcome: RequestOutcome;
  readonly detail: string | undefined;
}

export interface TrafficReport {
  readonly requests: number;
  readonly failed: number;
  readonly byOutcome: Readonly<Partial<Record<RequestOutcome, number>>>;
  readonly failedByBalancer: Readonly<Record<string, number>>;
  readonly failedByPod: Readonly<Record<string, number>>;
  /** The first failures, in order. */
  readonly samples: readonly FailureSample[];
  readonly durationMs: number;
  readonly ratePerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Beats skipped because `maxInFlight` requests were pending. */
  readonly skipped: number;
}

const tickMs = 5;
const sampleLimit = 50;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A client sending steady traffic through the balancers (round-robin between them), counting every outcome. */
export class TrafficClient {
  readonly #latencies: number[] = [];
  readonly #byOutcome: Partial<Record<RequestOutcome, number>> = {};
  readonly #failedByBalancer: Record<string, number> = {};
  readonly #failedByPod: Record<string, number> = {};
  readonly #samples: FailureSample[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #stoppedAt = 0;
  #sent = 0;
  #failed = 0;
  #skipped = 0;
  #next = 0;

  constructor(
    private readonly balancers: readonly Balancer[],
    private readonly options: TrafficOptions,
    private readonly timeline: Timeline,
  ) {}

  start(): void {
    this.#startedAt = this.timeline.now();
    this.timeline.mark('traffic-start', { rate: this.options.ratePerSecond });
    this.#timer = setInterval(() => this.#tick(), tickMs);
  }

  /** Stop sending, wait for the requests in flight (each has its own timeout), and report. */
  async stop(): Promise<TrafficReport> {
    clearInterval(this.#timer);
    this.#stoppedAt = this.timeline.now();
    await Promise.all(this.#inFlight);
    this.timeline.mark('traffic-stop', { requests: this.#sent, failed: this.#failed });
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const durationMs = this.#stoppedAt - this.#startedAt;
    return {
      requests: this.#sent,
      failed: this.#failed,
      byOutcome: { ...this.#byOutcome },
      failedByBalancer: { ...this.#failedByBalancer },
      failedByPod: { ...this.#failedByPod },
      samples: [...this.#samples],
      durationMs,
      ratePerSecond: durationMs > 0 ? (this.#sent * 1000) / durationMs : 0,
      latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
      skipped: this.#skipped,
    };
  }

  #tick(): void {
    const due = Math.floor(((this.timeline.now() - this.#startedAt) * this.options.ratePerSecond) / 1000) - this.#sent;
    const maxInFlight = this.options.maxInFlight ?? 2000;
    for (let i = 0; i < due; i += 1) {
      if (this.#inFlight.size >= maxInFlight) {
        this.#skipped += due - i;
        this.#sent += due - i;
        this.#failed += due - i;
        this.#byOutcome.timeout = (this.#byOutcome.timeout ?? 0) + due - i;
        return;
      }
      this.#send();
    }
  }

  #send(): void {
    const balancer = this.balancers[this.#next++ % this.balancers.length]!;
    this.#sent += 1;
    const begin = this.timeline.now();
    const request = balancer.send(this.options.path).then(({ outcome, pod, detail }) => {
      this.#inFlight.delete(request);
      this.#latencies.push(this.timeline.now() - begin);
      this.#byOutcome[outcome] = (this.#byOutcome[outcome] ?? 0) + 1;
      if (outcome === 'ok') return;
      this.#failed += 1;
      this.#failedByBalancer[balancer.name] = (this.#failedByBalancer[balancer.name] ?? 0) + 1;
      const key = pod ?? '(none)';
      this.#failedByPod[key] = (this.#failedByPod[key] ?? 0) + 1;
      if (this.#samples.length < sampleLimit) this.#samples.push({ t: Math.round(begin), balancer: balancer.name, pod, outcome, detail });
    });
    this.#inFlight.add(request);
  }
}
