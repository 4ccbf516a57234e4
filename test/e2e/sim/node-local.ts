import { Balancer, RoundRobin } from './balancer.js';
import { usable } from './endpoint-balancer.js';
import type { Endpoint, Endpoints } from './endpoints.js';
import { EndpointView, type SyncModel, syncWorstCaseMs } from './endpoint-view.js';
import type { Timeline } from './timeline.js';

/**
 * A Service with `externalTrafficPolicy: Local` behind a cloud balancer
 * whose targets are the nodes (NLB instance targets, a GCE L4 balancer):
 * - the balancer health-checks each node's `healthCheckNodePort`, which
 *   kube-proxy answers 200 only while it has a local endpoint that is ready
 *   (`LocalReadyEndpoints` in pkg/proxy/endpointschangetracker.go: "the
 *   health check signal should fail if there are only terminating endpoints
 *   on a node");
 * - each node's kube-proxy sends the balancer's traffic only to local
 *   endpoints: the ready ones, else those serving and terminating
 *   (`CategorizeEndpoints` in pkg/proxy/topology.go, KEP-1669); with neither
 *   the packets are dropped.
 * Every pod runs on a node of its own, the case where a draining pod is the
 * last endpoint of its node.
 */
export interface NodeLocalModel {
  readonly kind: 'node-local';
  /** Each node's kube-proxy. */
  readonly proxy: SyncModel;
  readonly healthCheck: { readonly intervalMs: number; readonly healthyThreshold: number; readonly unhealthyThreshold: number };
  /** The balancer's nodes, each checking every cluster node on its own phase. */
  readonly lbNodes: number;
  /** With no healthy node, send to every node (NLB: "fails open"). */
  readonly failOpen: boolean;
}

/** The longest a node keeps getting traffic once its kube-proxy has only terminating endpoints: sync + interval × threshold. */
export function nodeLocalRemovalMs(model: NodeLocalModel): number {
  return syncWorstCaseMs(model.proxy) + model.healthCheck.intervalMs * model.healthCheck.unhealthyThreshold;
}

interface ClusterNode {
  readonly name: string;
  readonly proxy: EndpointView;
  /** Per balancer node: healthy, and the current run of equal results. */
  readonly health: Array<{ healthy: boolean; run: number; last: boolean | undefined; timer: NodeJS.Timeout | undefined }>;
  readonly turn: RoundRobin;
}

/** {@link NodeLocalModel} in action. */
export class NodeLocalBalancer extends Balancer {
  readonly removalBoundMs: number;
  readonly #nodes = new Map<string, ClusterNode>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #lbTurn = new RoundRobin();
  readonly #nodeTurns: RoundRobin[];

  constructor(
    name: string,
    private readonly model: NodeLocalModel,
    private readonly endpoints: Endpoints,
    timeline: Timeline,
    private readonly random: () => number,
    requestTimeoutMs: number,
  ) {
    super(name, timeline, requestTimeoutMs);
    this.removalBoundMs = nodeLocalRemovalMs(model);
    this.#nodeTurns = Array.from({ length: model.lbNodes }, () => new RoundRobin());
    for (const endpoint of endpoints.list()) this.#nodeOf(endpoint.node);
    endpoints.on('change', (endpoint) => {
      if (!this.closed) this.#nodeOf(endpoint.node);
    });
  }

  rotation(): string[] {
    const per = this.#nodeTurns.map((_, lb) => new Set(this.#targetsOf(lb, false).flatMap((node) => this.#local(node).map((e) => e.pod))));
    return [...per[0]!].filter((pod) => per.every((set) => set.has(pod)));
  }

  protected pick(): Endpoint | undefined {
    const lb = this.#lbTurn.pick(this.#nodeTurns.map((_, i) => i))!;
    const node = this.#nodeTurns[lb]!.pick(this.#targetsOf(lb));
    return node ? node.turn.pick(this.#local(node)) : undefined;
  }

  protected reachable(): Iterable<string> {
    return new Set(this.#nodeTurns.flatMap((_, lb) => this.#targetsOf(lb).flatMap((node) => this.#local(node).map((e) => e.pod))));
  }

  protected stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const node of this.#nodes.values()) {
      node.proxy.close();
      for (const h of node.health) clearInterval(h.timer);
    }
  }

  /** The nodes balancer node `lb` sends to: the healthy ones, or every node when none is (fail-open). */
  #targetsOf(lb: number, failOpen = this.model.failOpen): ClusterNode[] {
    const all = [...this.#nodes.values()];
    const healthy = all.filter((node) => node.health[lb]!.healthy);
    return healthy.length > 0 || !failOpen ? healthy : all;
  }

  /** Where the node's kube-proxy sends balancer traffic: local ready endpoints, else local serving-and-terminating ones. */
  #local(node: ClusterNode): Endpoint[] {
    return usable([...node.proxy.programmed.values()].filter((e) => e.node === node.name), true);
  }

  /** kube-proxy's healthCheckNodePort: 200 while the node has a local ready endpoint. */
  #healthz(node: ClusterNode): boolean {
    return [...node.proxy.programmed.values()].some((e) => e.node === node.name && e.conditions.ready);
  }

  /** A node joins as a registered, not yet healthy target (instance targets: every node is registered). */
  #nodeOf(name: string): ClusterNode {
    const existing = this.#nodes.get(name);
    if (existing) return existing;
    const node: ClusterNode = {
      name,
      // The node's kube-proxy learns of the endpoint that made the node appear like of any change: watch, then sync.
      proxy: new EndpointView(this.endpoints, this.model.proxy, this.random, () => this.timeline.now(), () => this.changed('kube-proxy-sync'), false),
      health: [],
      turn: new RoundRobin(),
    };
    this.#nodes.set(name, node);
    const { intervalMs } = this.model.healthCheck;
    for (let lb = 0; lb < this.model.lbNodes; lb += 1) {
      const state = { healthy: false, run: 0, last: undefined as boolean | undefined, timer: undefined as NodeJS.Timeout | undefined };
      node.health.push(state);
      const phase = setTimeout(() => {
        this.#timers.delete(phase);
        if (this.closed) return;
        state.timer = setInterval(() => this.#check(node, state), intervalMs);
      }, this.random() * intervalMs);
      this.#timers.add(phase);
    }
    return node;
  }

  #check(node: ClusterNode, state: ClusterNode['health'][number]): void {
    const ok = this.#healthz(node);
    state.run = ok === state.last ? state.run + 1 : 1;
    state.last = ok;
    const { healthyThreshold, unhealthyThreshold } = this.model.healthCheck;
    const before = state.healthy;
    if (ok && !state.healthy && state.run >= healthyThreshold) state.healthy = true;
    else if (!ok && state.healthy && state.run >= unhealthyThreshold) state.healthy = false;
    if (state.healthy !== before) {
      this.timeline.mark(state.healthy ? 'node-healthy' : 'node-unhealthy', { node: node.name, balancer: this.name });
      this.changed('node-health-check');
    }
  }
}
