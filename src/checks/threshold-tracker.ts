/** What one result did to readiness. */
export type ThresholdChange = 'ready' | 'not-ready' | 'unchanged-ready' | 'unchanged-not-ready';

/**
 * kubelet's threshold rule: the state changes only after `successThreshold`
 * consecutive successes (to ready) or `failureThreshold` consecutive failures
 * (to not ready). The state starts not ready, so the first
 * `successThreshold` successes make it ready.
 */
export class ThresholdTracker {
  #ready = false;
  #last: boolean | undefined;
  #run = 0;

  constructor(
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
  ) {}

  get ready(): boolean {
    return this.#ready;
  }

  /** Record one result; says whether readiness changed. */
  record(ok: boolean): ThresholdChange {
    this.#run = this.#last === ok ? this.#run + 1 : 1;
    this.#last = ok;
    if (ok && !this.#ready && this.#run >= this.successThreshold) {
      this.#ready = true;
      return 'ready';
    }
    if (!ok && this.#ready && this.#run >= this.failureThreshold) {
      this.#ready = false;
      return 'not-ready';
    }
    return this.#ready ? 'unchanged-ready' : 'unchanged-not-ready';
  }
}
