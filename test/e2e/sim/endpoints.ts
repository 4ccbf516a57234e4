import { EventEmitter } from 'node:events';

/** An EndpointSlice endpoint's conditions (discovery.k8s.io/v1). */
export interface EndpointConditions {
  /** Ready for traffic: the pod is Ready and not terminating. */
  readonly ready: boolean;
  /** Follows the pod's readiness, also while it terminates. */
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** One pod's endpoint: where its app listens and where podwarden does (for health-checking balancers). */
export interface Endpoint {
  readonly pod: string;
  readonly appPort: number;
  readonly healthPort: number | undefined;
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

  /** The pod's Ready condition or its deletion changed. */
  update(pod: string, address: { appPort: number; healthPort: number | undefined }, podReady: boolean, terminating: boolean): void {
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
