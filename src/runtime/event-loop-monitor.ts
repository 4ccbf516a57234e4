import { formatDuration } from '../core/duration.js';
import { type RecordableHistogram, createHistogram, performance } from 'node:perf_hooks';

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

/**
 * Timer resolution of the event-loop delay histogram, in milliseconds. Each
 * tick wakes the loop, so this sets most of podwarden's idle CPU (at 50 ms the
 * ticks were half of the 20-check idle CPU: docs/performance.md); a block is
 * seen to within this much (it may have started up to one tick before the
 * tick it delayed was due).
 */
const resolutionMs = 100;

/** One reader of the shared event-loop delay histogram. */
export interface EventLoopDelayReader {
  /** The largest delay recorded since the last call, in milliseconds (0 when none). */
  takeMax(): number;
  /**
   * With `samples`: every delay (nanoseconds) recorded since the reader last
   * reset the histogram; the reader resets it. A delay is how late a tick of
   * the sampling timer ran (at least 1 ns, the least a histogram takes).
   */
  samples(): RecordableHistogram | undefined;
  /** Stop reading; the timer stops with its last reader. */
  close(): void;
}

interface ReaderState {
  max: number;
  readonly samples: RecordableHistogram | undefined;
}

/**
 * The process's one event-loop delay sampler: an `unref`'d timer every
 * 100 ms records how late it ran, for the {@link EventLoopMonitor} (the
 * largest delay of each of its windows) and the process metrics
 * (`nodejs_eventloop_lag_*`: the delays since their last scrape); two
 * samplers would wake the loop twice as often. It runs while it has readers.
 * A timer in JavaScript rather than `perf_hooks.monitorEventLoopDelay`: that
 * histogram drops the first delay after each `reset()`, and readers reset at
 * their own pace, so a block right after one would go unseen.
 */
class EventLoopDelay {
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  readonly #readers = new Set<ReaderState>();

  /** A new reader; `samples` asks for every delay, not only the largest. */
  open(options: { samples: boolean }): EventLoopDelayReader {
    const state: ReaderState = { max: 0, samples: options.samples ? createHistogram() : undefined };
    this.#readers.add(state);
    if (!this.#timer) {
      this.#last = performance.now();
      this.#timer = setInterval(() => this.#tick(), resolutionMs);
      this.#timer.unref();
    }
    return {
      takeMax: () => {
        const max = state.max;
        state.max = 0;
        return max / 1e6;
      },
      samples: () => state.samples,
      close: () => {
        if (!this.#readers.delete(state) || this.#readers.size > 0) return;
        clearInterval(this.#timer);
        this.#timer = undefined;
      },
    };
  }

  #tick(): void {
    const now = performance.now();
    const delay = Math.max(1, Math.round((now - this.#last - resolutionMs) * 1e6));
    this.#last = now;
    for (const reader of this.#readers) {
      if (delay > reader.max) reader.max = delay;
      reader.samples?.record(delay);
    }
  }
}

/** The event-loop delay histogram of this process. */
export const eventLoopDelay = new EventLoopDelay();

/**
 * Samples event-loop delay from the shared {@link eventLoopDelay} histogram
 * on an `unref`'d timer. The lag of a window is its largest delay (or how
 * late the sampling timer itself ran, when that is more). Readers get the
 * last sample; nothing is measured on a request.
 */
export class EventLoopMonitor {
  readonly #config: EventLoopConfig;
  #timer: NodeJS.Timeout | undefined;
  #delay: EventLoopDelayReader | undefined;
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
    this.#delay = eventLoopDelay.open({ samples: false });
    this.#lastSampleAt = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#config.sampleInterval);
    this.#timer.unref();
  }

  /** Stop sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#delay?.close();
    this.#delay = undefined;
  }

  #sample(): void {
    const at = performance.now();
    // The sampling timer's own lateness counts too: right after a long block it
    // can run before the histogram's timer has recorded the block.
    const late = at - this.#lastSampleAt - this.#config.sampleInterval;
    this.#lastSampleAt = at;
    const lag = Math.max(0, late, this.#delay?.takeMax() ?? 0);
    this.#lagMs = lag;
    const { maxLag, livenessAfter } = this.#config;
    let notReady: string | undefined;
    let notLive: string | undefined;
    if (lag > maxLag) {
      this.#lagSince ??= at - lag;
      const lasted = at - this.#lagSince;
      notReady = `event loop lag ${formatDuration(Math.round(lag))} above ${formatDuration(maxLag)}`;
      if (lasted >= livenessAfter) notLive = `event loop lag above ${formatDuration(maxLag)} for ${formatDuration(Math.round(lasted / 1000) * 1000)}`;
    } else {
      this.#lagSince = undefined;
    }
    const changed = (notReady === undefined) !== (this.#verdict.notReady === undefined) || (notLive === undefined) !== (this.#verdict.notLive === undefined);
    this.#verdict = { notReady, notLive };
    if (changed) this.#onChange?.(this.#verdict);
  }
}
