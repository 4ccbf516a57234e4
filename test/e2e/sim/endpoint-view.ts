import type { Endpoint, Endpoints } from './endpoints.js';

/**
 * How a component that follows EndpointSlices (kube-proxy, an ingress
 * controller) turns endpoint changes into its data plane: a watch that
 * delivers each change after a delay, and syncs that are rate-limited, take
 * time, and program the endpoints as they were when the sync started.
 * Changes of other objects in the cluster trigger syncs too (churn), so a
 * change may land just after a sync began and wait for the next one.
 */
export interface SyncModel {
  /** From the endpoint change to this component's watch (EndpointSlice controller and API watch). */
  readonly watchDelayMs: number;
  /** Least time between the starts of two syncs (kube-proxy's min sync period, ingress-nginx's sync rate limit). */
  readonly minSyncIntervalMs: number;
  /** How long one sync takes; what it programs is the state when it started. */
  readonly syncDurationMs: number;
  /** Mean time between syncs that other objects' changes cause (exponential gaps); 0: none. */
  readonly churnMeanMs: number;
}

/** The longest a change can take to be programmed: the watch, a sync that just began without it, then its own sync. */
export function syncWorstCaseMs(model: SyncModel): number {
  return model.watchDelayMs + Math.max(model.minSyncIntervalMs, model.syncDurationMs) + model.syncDurationMs;
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32), so a scenario's churn is the same in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One component's programmed view of the endpoints, following {@link SyncModel}. */
export class EndpointView {
  /** The endpoints as the data plane has them now. */
  programmed: ReadonlyMap<string, Endpoint> = new Map();
  readonly #known = new Map<string, Endpoint>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #syncing = false;
  #wanted = false;
  #lastStart = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    endpoints: Endpoints,
    private readonly model: SyncModel,
    private readonly random: () => number,
    private readonly clock: () => number,
    private readonly onProgrammed: () => void,
    /** false: the endpoints that exist now reach the data plane through a watch and a sync like any change (a component that learns of them late). */
    programNow = true,
  ) {
    for (const endpoint of endpoints.list()) this.#known.set(endpoint.pod, endpoint);
    if (programNow) this.programmed = new Map(this.#known);
    else this.#after(model.watchDelayMs, () => this.#request());
    endpoints.on('change', (endpoint) => this.#after(model.watchDelayMs, () => this.#learn(endpoint.pod, endpoint)));
    endpoints.on('remove', (pod) => this.#after(model.watchDelayMs, () => this.#learn(pod, undefined)));
    if (model.churnMeanMs > 0) this.#churn();
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #after(ms: number, run: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) run();
    }, ms);
    this.#timers.add(timer);
  }

  #learn(pod: string, endpoint: Endpoint | undefined): void {
    if (endpoint) this.#known.set(pod, endpoint);
    else this.#known.delete(pod);
    this.#request();
  }

  #churn(): void {
    const gap = -Math.log(1 - this.random()) * this.model.churnMeanMs;
    this.#after(gap, () => {
      this.#request();
      this.#churn();
    });
  }

  /** Ask for a sync: at once when allowed, else when the running one ended and the min interval passed. */
  #request(): void {
    if (this.#syncing) {
      this.#wanted = true;
      return;
    }
    if (this.#wanted) return;
    this.#wanted = true;
    this.#after(Math.max(0, this.#lastStart + this.model.minSyncIntervalMs - this.clock()), () => this.#sync());
  }

  #sync(): void {
    this.#wanted = false;
    this.#syncing = true;
    this.#lastStart = this.clock();
    const snapshot = new Map(this.#known);
    this.#after(this.model.syncDurationMs, () => {
      this.programmed = snapshot;
      this.#syncing = false;
      this.onProgrammed();
      if (this.#wanted) {
        this.#wanted = false;
        this.#request();
      }
    });
  }
}
