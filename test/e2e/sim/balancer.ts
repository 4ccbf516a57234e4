import { Agent } from 'node:http';
import type { Endpoint } from './endpoints.js';
import { type HttpOutcome, httpGet } from './http-get.js';
import type { Timeline } from './timeline.js';

/** How one client request through a balancer ended. */
export type RequestOutcome = 'ok' | 'refused' | 'reset' | 'timeout' | 'http-5xx' | 'http-4xx' | 'no-endpoint' | 'error';

export interface SendResult {
  readonly outcome: RequestOutcome;
  readonly pod: string | undefined;
  readonly detail?: string;
}

function outcomeOf(result: HttpOutcome): RequestOutcome {
  if (result.kind === 'response') return result.status >= 500 ? 'http-5xx' : result.status >= 400 ? 'http-4xx' : 'ok';
  return result.kind;
}

/** How a request to `pod` ended, from what its HTTP exchange gave. */
export function sendResult(result: HttpOutcome, pod: string): SendResult {
  const outcome = outcomeOf(result);
  return outcome === 'ok' ? { outcome, pod } : { outcome, pod, detail: result.kind === 'response' ? `HTTP ${result.status}` : result.detail };
}

/** Round-robin over a list that changes between calls. */
export class RoundRobin {
  #next = 0;

  pick<T>(items: readonly T[]): T | undefined {
    if (items.length === 0) return undefined;
    return items[this.#next++ % items.length];
  }
}

/**
 * What every balancer model shares: one keep-alive connection pool per pod
 * (connection tracking, upstream keep-alive), requests to the target the
 * model picks, and the timeline marks `balancer-add` / `balancer-remove` when
 * a pod becomes reachable through the balancer or stops being reachable
 * anywhere in it. Pools are closed only with the balancer, never under a
 * request in flight.
 */
export abstract class Balancer {
  readonly #agents = new Map<string, Agent>();
  #reachable = new Set<string>();
  protected closed = false;

  constructor(
    readonly name: string,
    protected readonly timeline: Timeline,
    protected readonly requestTimeoutMs: number,
  ) {}

  /**
   * The pods every part of the balancer (each node, worker or prober) sends
   * new requests to in its normal way: a balancer that only fails open (sends
   * to every target because none is healthy) has none in rotation.
   */
  abstract rotation(): string[];

  /** The longest the model takes to stop sending to a pod whose drain began (full-scale figures × scale), for reports. */
  abstract readonly removalBoundMs: number;

  /** The target of the next request; undefined when the part of the balancer picked has none. */
  protected abstract pick(): Endpoint | undefined;

  /** Pods some part of the balancer sends new requests to. */
  protected abstract reachable(): Iterable<string>;

  /** Stop the model's timers (health checks, syncs). */
  protected abstract stop(): void;

  /** Send one GET `path` to the pod the model picks. */
  async send(path: string): Promise<SendResult> {
    const target = this.pick();
    if (!target) return { outcome: 'no-endpoint', pod: undefined };
    const pod = target.pod;
    let agent = this.#agents.get(pod);
    if (!agent) {
      agent = new Agent({ keepAlive: true });
      this.#agents.set(pod, agent);
    }
    return sendResult(await httpGet({ port: target.appPort, path, timeoutMs: this.requestTimeoutMs, agent, bodyLimit: 256 }), pod);
  }

  /** Stop the model and close every pooled connection. */
  close(): void {
    this.closed = true;
    this.stop();
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  /** Call after any change of the model's state: marks pods that became reachable or unreachable. */
  protected changed(by: string): void {
    const now = new Set(this.reachable());
    for (const pod of now) if (!this.#reachable.has(pod)) this.timeline.mark('balancer-add', { pod, balancer: this.name, by });
    for (const pod of this.#reachable) if (!now.has(pod)) this.timeline.mark('balancer-remove', { pod, balancer: this.name, by });
    this.#reachable = now;
  }
}
