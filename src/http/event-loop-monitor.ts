import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Event-loop thresholds, in milliseconds. */
export interface EventLoopConfig {
  /** Lag above this makes podwarden not ready. */
  readonly maxLag: number;
  /** Lag above `maxLag` for this long fails liveness. */
  readonly livenessAfter: number;
  /** How often the lag is sampled. */
  readonly sampleInterval: number;
}

/** What the monitor concluded from the latest sample. */
export interface EventLoopVerdict {
  /** Why podwarden is not ready; `undefined` when the lag is fine. */
  readonly notReady: string | undefined;
  /** Why podwarden's liveness fails; `undefined` unless the lag has lasted `livenessAfter`. */
  readonly notLive: string | undefined;
}

/** Timer resolution of the delay histogram, in milliseconds; subtracted from what it records. */
const resolution = 10;

/**
 * Samples event-loop delay with `perf_hooks.monitorEventLoopDelay` on an
 * `unref`'d timer. The lag of a window is its largest delay (or how late the
 * sampling timer itself ran, when that is more). Readers get the
 * last sample; nothing is measured on a request.
 */
export class EventLoopMonitor {
  readonly #config: EventLoopConfig;
  #histogram: IntervalHistogram | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lagMs = 0;
  #lagSince: number | undefined;
  #lastSampleAt = 0;
  #verdict: EventLoopVerdict = { notReady: undefined, notLive: undefined };
  #onChange: ((verdict: EventLoopVerdict) => void) | undefined;

  constructor(config: EventLoopConfig) {
    this.#config = config;
  }

  /** The lag of the last sampling window, in milliseconds. */
  get lagMs(): number {
    return this.#lagMs;
  }

  /** The current verdict. */
  get verdict(): EventLoopVerdict {
    return this.#verdict;
  }

  /** Start sampling; `onChange` hears each change of verdict. */
  start(onChange: (verdict: EventLoopVerdict) => void): void {
    if (this.#timer) return;
    this.#onChange = onChange;
    this.#histogram = monitorEventLoopDelay({ resolution });
    this.#histogram.enable();
    this.#lastSampleAt = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#config.sampleInterval);
    this.#timer.unref();
  }

  /** Stop sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  #sample(): void {
    const histogram = this.#histogram;
    if (!histogram) return;
    const at = performance.now();
    // The sampling timer's own lateness counts too: right after a long block it
    // can run before the histogram's timer has recorded the block.
    const late = at - this.#lastSampleAt - this.#config.sampleInterval;
    this.#lastSampleAt = at;
    const lag = Math.max(0, late, histogram.count > 0 ? histogram.max / 1e6 - resolution : 0);
    histogram.reset();
    this.#lagMs = lag;
    const { maxLag, livenessAfter } = this.#config;
    let notReady: string | undefined;
    let notLive: string | undefined;
    if (lag > maxLag) {
      this.#lagSince ??= at - lag;
      const lasted = at - this.#lagSince;
      notReady = `event loop lag ${Math.round(lag)}ms above ${maxLag}ms`;
      if (lasted >= livenessAfter) notLive = `event loop lag above ${maxLag}ms for ${Math.round(lasted / 1000)}s`;
    } else {
      this.#lagSince = undefined;
    }
    const changed = (notReady === undefined) !== (this.#verdict.notReady === undefined) || (notLive === undefined) !== (this.#verdict.notLive === undefined);
    this.#verdict = { notReady, notLive };
    if (changed) this.#onChange?.(this.#verdict);
  }
}
