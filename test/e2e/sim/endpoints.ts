import { EventEmitter } from 'node:events';

/** An EndpointSlice endpoint's conditions (discovery.k8s.io/v1). */
export interface EndpointConditions {
  /** Ready for traffic: the pod is Ready and not terminating. */
  readonly ready: boolean;
  /** Follows the pod's readiness, also while it terminates. */
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** Where a pod listens: its app, podwarden (for health-checking balancers), and the node it runs on. */
export interface EndpointAddress {
  readonly appPort: number;
  readonly healthPort: number | undefined;
  readonly node: string;
}

/** One pod's endpoint. */
export interface Endpoint extends EndpointAddress {
  readonly pod: string;
  readonly conditions: EndpointConditions;
}

/**
 * The Service's endpoints, as the EndpointSlice controller keeps them: a pod
 * appears when it has an address, `ready` follows its Ready condition, and
 * deletion sets `terminating` and clears `ready` at once (`serving` keeps
 * following readiness). Every change is an event; consumers apply it after
 * their own propagation delay.
 */
export class Endpoints extends EventEmitter<{ change: [Endpoint]; remove: [string] }> {
  readonly #byPod = new Map<string, Endpoint>();

  constructor() {
    super();
    // Every balancer, and every simulated node's kube-proxy, watches.
    this.setMaxListeners(0);
  }

  /** The pod's Ready condition or its deletion changed. */
  update(pod: string, address: EndpointAddress, podReady: boolean, terminating: boolean): void {
    const conditions: EndpointConditions = { ready: podReady && !terminating, serving: podReady, terminating };
    const previous = this.#byPod.get(pod)?.conditions;
    if (previous && previous.ready === conditions.ready && previous.serving === conditions.serving && previous.terminating === conditions.terminating) return;
    const endpoint: Endpoint = { pod, ...address, conditions };
    this.#byPod.set(pod, endpoint);
    this.emit('change', endpoint);
  }

  /** The pod is gone. */
  remove(pod: string): void {
    if (this.#byPod.delete(pod)) this.emit('remove', pod);
  }

  list(): Endpoint[] {
    return [...this.#byPod.values()];
  }
}
