import { Agent } from 'node:http';
import type { Endpoint, Endpoints } from './endpoints.js';
import { type HttpOutcome, httpGet } from './http-get.js';
import type { Timeline } from './timeline.js';

/** A balancer's own health check of each target (an external load balancer's). */
export interface HealthCheckOptions {
  /** Path on the pod's health port (podwarden's /readyz), or on the app port when the pod has no podwarden. */
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures that take a target out of rotation. */
  readonly unhealthyThreshold: number;
  /** Consecutive successes that put a target (back) into rotation. */
  readonly healthyThreshold: number;
}

export interface BalancerOptions {
  readonly name: string;
  /** How long an endpoint change takes to reach this balancer (kube-proxy rules, ingress reloads, cloud LB APIs). */
  readonly propagationMs: number;
  /** Per-request timeout; a request still unanswered counts as a failure. */
  readonly requestTimeoutMs: number;
  /**
   * With a health check the balancer registers pods from endpoints but takes
   * them out of rotation only by its own check (a health-checking external
   * balancer); without one it follows the endpoints' `ready` condition.
   */
  readonly healthCheck?: HealthCheckOptions;
}

/** How one client request through a balancer ended. */
export type RequestOutcome = 'ok' | 'refused' | 'reset' | 'timeout' | 'http-5xx' | 'http-4xx' | 'no-endpoint' | 'error';

interface Target {
  endpoint: Endpoint;
  readonly agent: Agent;
  healthy: boolean;
  run: number;
  lastRaw: boolean | undefined;
  checking: boolean;
  timer: NodeJS.Timeout | undefined;
}

function outcomeOf(result: HttpOutcome): RequestOutcome {
  if (result.kind === 'response') return result.status >= 500 ? 'http-5xx' : result.status >= 400 ? 'http-4xx' : 'ok';
  return result.kind;
}

/**
 * A load balancer in front of the pods: round-robin over the pods in
 * rotation, one keep-alive connection pool per pod (as connection tracking
 * and upstream keep-alive do), endpoint changes applied only after
 * `propagationMs`. Like kube-proxy, it falls back to serving-but-terminating
 * endpoints when no endpoint is ready.
 */
export class Balancer {
  readonly #targets = new Map<string, Target>();
  readonly #pending = new Set<NodeJS.Timeout>();
  #next = 0;
  #closed = false;

  constructor(
    readonly options: BalancerOptions,
    endpoints: Endpoints,
    private readonly timeline: Timeline,
  ) {
    endpoints.on('change', (endpoint) => this.#later(() => this.#apply(endpoint)));
    endpoints.on('remove', (pod) => this.#later(() => this.#drop(pod)));
  }

  get name(): string {
    return this.options.name;
  }

  /** The pods requests go to now. */
  rotation(): string[] {
    return this.#rotation().map((t) => t.endpoint.pod);
  }

  /** Send one GET `path` to the next pod in rotation. */
  async send(path: string): Promise<{ outcome: RequestOutcome; pod: string | undefined; detail?: string }> {
    const rotation = this.#rotation();
    if (rotation.length === 0) return { outcome: 'no-endpoint', pod: undefined };
    const target = rotation[this.#next++ % rotation.length]!;
    const pod = target.endpoint.pod;
    const result = await httpGet({ port: target.endpoint.appPort, path, timeoutMs: this.options.requestTimeoutMs, agent: target.agent, bodyLimit: 256 });
    const outcome = outcomeOf(result);
    return outcome === 'ok' ? { outcome, pod } : { outcome, pod, detail: result.kind === 'response' ? `HTTP ${result.status}` : result.detail };
  }

  /** Stop health checks and pending updates, close every pooled connection. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    for (const pod of [...this.#targets.keys()]) this.#drop(pod);
  }

  #rotation(): Target[] {
    const targets = [...this.#targets.values()];
    if (this.options.healthCheck) return targets.filter((t) => t.healthy);
    const ready = targets.filter((t) => t.endpoint.conditions.ready);
    return ready.length > 0 ? ready : targets.filter((t) => t.endpoint.conditions.serving && t.endpoint.conditions.terminating);
  }

  #later(apply: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      if (!this.#closed) apply();
    }, this.options.propagationMs);
    this.#pending.add(timer);
  }

  #apply(endpoint: Endpoint): void {
    const existing = this.#targets.get(endpoint.pod);
    if (existing) {
      const wasIn = this.#rotation().includes(existing);
      existing.endpoint = endpoint;
      const isIn = this.#rotation().includes(existing);
      if (wasIn !== isIn) this.timeline.mark(isIn ? 'balancer-add' : 'balancer-remove', { pod: endpoint.pod, balancer: this.name, by: 'endpoints' });
      return;
    }
    if (!endpoint.conditions.ready) return;
    const target: Target = { endpoint, agent: new Agent({ keepAlive: true }), healthy: false, run: 0, lastRaw: undefined, checking: false, timer: undefined };
    this.#targets.set(endpoint.pod, target);
    if (this.options.healthCheck) {
      this.timeline.mark('balancer-register', { pod: endpoint.pod, balancer: this.name });
      this.#check(target);
      target.timer = setInterval(() => this.#check(target), this.options.healthCheck.intervalMs);
    } else this.timeline.mark('balancer-add', { pod: endpoint.pod, balancer: this.name, by: 'endpoints' });
  }

  #drop(pod: string): void {
    const target = this.#targets.get(pod);
    if (!target) return;
    clearInterval(target.timer);
    this.#targets.delete(pod);
    target.agent.destroy();
  }

  #check(target: Target): void {
    const check = this.options.healthCheck;
    if (!check || target.checking) return;
    const port = target.endpoint.healthPort ?? target.endpoint.appPort;
    target.checking = true;
    void httpGet({ port, path: check.path, timeoutMs: check.timeoutMs, headers: { 'User-Agent': `${this.name}-health-check` } }).then((result) => {
      target.checking = false;
      if (this.#targets.get(target.endpoint.pod) !== target) return;
      const ok = result.kind === 'response' && result.status >= 200 && result.status < 400;
      target.run = ok === target.lastRaw ? target.run + 1 : 1;
      target.lastRaw = ok;
      if (ok && !target.healthy && target.run >= check.healthyThreshold) {
        target.healthy = true;
        this.timeline.mark('balancer-add', { pod: target.endpoint.pod, balancer: this.name, by: 'health-check' });
      } else if (!ok && target.healthy && target.run >= check.unhealthyThreshold) {
        target.healthy = false;
        this.timeline.mark('balancer-remove', { pod: target.endpoint.pod, balancer: this.name, by: 'health-check' });
      }
    });
  }
}
