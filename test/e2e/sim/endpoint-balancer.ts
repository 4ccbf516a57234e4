import { Balancer, RoundRobin } from './balancer.js';
import type { Endpoint, Endpoints } from './endpoints.js';
import { EndpointView, type SyncModel, syncWorstCaseMs } from './endpoint-view.js';
import type { Timeline } from './timeline.js';

/** A balancer that follows EndpointSlices: kube-proxy, or an ingress controller that sends to pod IPs. */
export interface EndpointBalancerModel extends SyncModel {
  readonly kind: 'endpoints';
  /**
   * Workers that each pick up the programmed endpoints on their own poll
   * (ingress-nginx's nginx workers and their Lua balancer); 0: the data plane
   * uses a sync's result at once (kube-proxy's rules).
   */
  readonly workers: number;
  readonly workerPollMs: number;
  /**
   * kube-proxy's rule (CategorizeEndpoints, KEP-1669): when no endpoint is
   * ready, use those that are serving and terminating.
   */
  readonly terminatingFallback: boolean;
  /**
   * Clients keep their connections: each request goes over one of at least
   * this many keep-alive connections, each on the pod kube-proxy picked when
   * it opened (pinned-connections.ts); unset: a pod is picked per request.
   */
  readonly pinnedConnections?: number;
}

/** The longest an endpoint change takes to reach every request of this balancer. */
export function endpointWorstCaseMs(model: EndpointBalancerModel): number {
  return syncWorstCaseMs(model) + (model.workers > 0 ? model.workerPollMs : 0);
}

/** The endpoints a data plane sends to: the ready ones, else (with the fallback) the serving-but-terminating ones. */
export function usable(endpoints: Iterable<Endpoint>, terminatingFallback: boolean): Endpoint[] {
  const all = [...endpoints];
  const ready = all.filter((e) => e.conditions.ready);
  if (ready.length > 0 || !terminatingFallback) return ready;
  return all.filter((e) => e.conditions.serving && e.conditions.terminating);
}

interface Worker {
  endpoints: Endpoint[];
  readonly turn: RoundRobin;
  timer: NodeJS.Timeout | undefined;
}

/** {@link EndpointBalancerModel} in action: one view of the endpoints, one or more workers sending round-robin. */
export class EndpointBalancer extends Balancer {
  readonly removalBoundMs: number;
  readonly #view: EndpointView;
  readonly #workers: Worker[] = [];
  readonly #turn = new RoundRobin();
  readonly #phaseTimers = new Set<NodeJS.Timeout>();

  constructor(
    name: string,
    private readonly model: EndpointBalancerModel,
    endpoints: Endpoints,
    timeline: Timeline,
    random: () => number,
    requestTimeoutMs: number,
  ) {
    super(name, timeline, requestTimeoutMs);
    this.removalBoundMs = endpointWorstCaseMs(model);
    this.#view = new EndpointView(endpoints, model, random, () => timeline.now(), () => this.#programmed());
    const count = Math.max(1, model.workers);
    for (let i = 0; i < count; i += 1) this.#workers.push({ endpoints: this.#current(), turn: new RoundRobin(), timer: undefined });
    if (model.workers > 0) {
      // Each worker polls on its own phase.
      for (const worker of this.#workers) {
        const phase = setTimeout(() => {
          this.#phaseTimers.delete(phase);
          if (this.closed) return;
          this.#poll(worker);
          worker.timer = setInterval(() => this.#poll(worker), model.workerPollMs);
        }, random() * model.workerPollMs);
        this.#phaseTimers.add(phase);
      }
    }
  }

  rotation(): string[] {
    const per = this.#workers.map((w) => new Set(w.endpoints.map((e) => e.pod)));
    return [...per[0]!].filter((pod) => per.every((set) => set.has(pod)));
  }

  protected pick(): Endpoint | undefined {
    const worker = this.#turn.pick(this.#workers)!;
    return worker.turn.pick(worker.endpoints);
  }

  protected reachable(): Iterable<string> {
    return new Set(this.#workers.flatMap((w) => w.endpoints.map((e) => e.pod)));
  }

  protected stop(): void {
    this.#view.close();
    for (const timer of this.#phaseTimers) clearTimeout(timer);
    for (const worker of this.#workers) clearInterval(worker.timer);
  }

  #current(): Endpoint[] {
    return usable(this.#view.programmed.values(), this.model.terminatingFallback);
  }

  #programmed(): void {
    if (this.model.workers > 0) return;
    this.#workers[0]!.endpoints = this.#current();
    this.changed('sync');
  }

  #poll(worker: Worker): void {
    worker.endpoints = this.#current();
    this.changed('worker-poll');
  }
}
