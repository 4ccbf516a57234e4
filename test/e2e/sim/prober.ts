import { httpGet } from './http-get.js';
import type { ProbeSpec } from './pod-template.js';

/** The probe kinds, as kubelet names them. */
export type ProbeKind = 'startup' | 'readiness' | 'liveness';

/** A probe's result after thresholds, as kubelet keeps it. */
export type ProbeResult = 'unknown' | 'success' | 'failure';

/** What a probe worker needs to know about its container right now. */
export interface ProbeTarget {
  /** The loopback port the probe's port maps to, while the container runs; `undefined` otherwise. */
  port(): number | undefined;
  /** When the container started (harness ms), for initialDelaySeconds. */
  startedAt(): number | undefined;
  /** Whether the container's startup probe has succeeded (true when it has none). */
  started(): boolean;
}

/** kubelet's User-Agent, with the minor version of the cluster the chart targets. */
export const kubeProbeUserAgent = 'kube-probe/1.31';

/**
 * One kubelet probe worker (pkg/kubelet/prober/worker.go): created with the
 * pod, it probes on a fixed ticker, skips while the container is not running,
 * honours initialDelaySeconds, holds readiness and liveness off until the
 * startup probe has succeeded, stops the startup probe once it has, and turns
 * raw results into a kept result with successThreshold / failureThreshold.
 * Initial results: readiness failure, liveness success, startup unknown.
 */
export class ProbeWorker {
  #result: ProbeResult;
  #lastRaw: 'success' | 'failure' | undefined;
  #run = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #stopped = false;

  constructor(
    readonly kind: ProbeKind,
    readonly spec: ProbeSpec,
    private readonly target: ProbeTarget,
    private readonly clock: () => number,
    private readonly onChange: (result: ProbeResult, detail: string) => void,
  ) {
    this.#result = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  }

  get result(): ProbeResult {
    return this.#result;
  }

  /** Probe now, then every periodSeconds. */
  start(): void {
    this.trigger();
    this.#timer = setInterval(() => this.trigger(), this.spec.periodSeconds * 1000);
  }

  /** A run outside the ticker (kubelet's manual trigger); dropped while a probe is in flight. */
  trigger(): void {
    if (this.#stopped || this.#inFlight) return;
    void this.#doProbe();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  /** The container was restarted: kubelet starts its probe results over (readiness failure, liveness success, startup unknown). */
  reset(): void {
    this.#result = this.kind === 'readiness' ? 'failure' : this.kind === 'liveness' ? 'success' : 'unknown';
    this.#lastRaw = undefined;
    this.#run = 0;
  }

  async #doProbe(): Promise<void> {
    const port = this.target.port();
    const startedAt = this.target.startedAt();
    if (port === undefined || startedAt === undefined) return;
    if (this.kind === 'startup' && this.#result === 'success') return;
    if (this.kind !== 'startup' && !this.target.started()) return;
    if (this.clock() - startedAt < this.spec.initialDelaySeconds * 1000) return;
    this.#inFlight = true;
    const outcome = await httpGet({
      port,
      path: this.spec.path,
      headers: { 'User-Agent': kubeProbeUserAgent, Accept: '*/*', ...this.spec.headers },
      timeoutMs: this.spec.timeoutSeconds * 1000,
    });
    this.#inFlight = false;
    // A result from before a restart (the container started after this probe began) is dropped.
    if (this.#stopped || this.target.startedAt() !== startedAt) return;
    const ok = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 400;
    const raw = ok ? 'success' : 'failure';
    const detail = outcome.kind === 'response' ? `HTTP ${outcome.status}` : `${outcome.kind} (${outcome.detail})`;
    if (raw === this.#lastRaw) this.#run += 1;
    else {
      this.#lastRaw = raw;
      this.#run = 1;
    }
    const threshold = raw === 'success' ? this.spec.successThreshold : this.spec.failureThreshold;
    if (this.#run < threshold || this.#result === raw) return;
    this.#result = raw;
    this.onChange(raw, detail);
  }
}
