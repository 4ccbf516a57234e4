import { Balancer, RoundRobin } from './balancer.js';
import type { Endpoint, Endpoints } from './endpoints.js';
import { httpGet } from './http-get.js';
import type { Timeline } from './timeline.js';

/** A cloud balancer's health check of each target. */
export interface TargetHealthCheck {
  /** `health`: podwarden's port (the app's when the pod has no podwarden); `app`: the app's serving port. */
  readonly port: 'health' | 'app';
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive passes that bring an unhealthy target back. */
  readonly healthyThreshold: number;
  /** Consecutive failures that take a healthy target out. */
  readonly unhealthyThreshold: number;
  /** Passes a newly registered target needs before it gets requests. */
  readonly newTargetThreshold: number;
  readonly userAgent: string;
}

/**
 * A cloud load balancer with pod IPs as targets (AWS ALB/NLB with IP
 * targets, GKE NEGs): a controller watches the endpoints and registers ready
 * ones, deregisters the others, through a cloud API that takes time; each of
 * the balancer's nodes health-checks every registered target on its own
 * phase and sends only to those it holds healthy. A deregistered target gets
 * no new requests; requests in flight go on.
 */
export interface TargetGroupModel {
  readonly kind: 'target-group';
  /** Endpoint change → the controller acts (watch and reconcile). */
  readonly controllerDelayMs: number;
  /** Register (attach) call → the nodes know the target. */
  readonly registerLagMs: number;
  /** Deregister (detach) call → the nodes stop sending new requests to it. */
  readonly deregisterLagMs: number;
  readonly healthCheck: TargetHealthCheck;
  /** The balancer's nodes: each checks each target on its own and routes by its own results. */
  readonly nodes: number;
  /** With no healthy target, send to every registered target that has been checked (AWS: "fails open"). */
  readonly failOpen: boolean;
}

/**
 * The longest a target keeps getting requests once its health check fails,
 * when the check is answered at once (podwarden's /readyz answers 503 from
 * the drain's first moment): interval × unhealthy threshold.
 */
export function healthCheckRemovalMs(check: Pick<TargetHealthCheck, 'intervalMs' | 'unhealthyThreshold'>): number {
  return check.intervalMs * check.unhealthyThreshold;
}

type Health = 'initial' | 'healthy' | 'unhealthy';

interface NodeView {
  health: Health;
  run: number;
  lastOk: boolean | undefined;
  checking: boolean;
  timer: NodeJS.Timeout | undefined;
}

interface Target {
  endpoint: Endpoint;
  /** Version of the last register/deregister call applied. */
  applied: number;
  issued: number;
  readonly nodes: NodeView[];
}

/** {@link TargetGroupModel} in action. */
export class TargetGroupBalancer extends Balancer {
  readonly removalBoundMs: number;
  readonly #targets = new Map<string, Target>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #nodeTurn = new RoundRobin();
  readonly #turns: RoundRobin[];

  constructor(
    name: string,
    private readonly model: TargetGroupModel,
    endpoints: Endpoints,
    timeline: Timeline,
    private readonly random: () => number,
    requestTimeoutMs: number,
  ) {
    super(name, timeline, requestTimeoutMs);
    this.removalBoundMs = Math.min(healthCheckRemovalMs(model.healthCheck), model.controllerDelayMs + model.deregisterLagMs);
    this.#turns = Array.from({ length: model.nodes }, () => new RoundRobin());
    for (const endpoint of endpoints.list()) this.#observe(endpoint.pod, endpoint);
    endpoints.on('change', (endpoint) => this.#later(model.controllerDelayMs, () => this.#observe(endpoint.pod, endpoint)));
    endpoints.on('remove', (pod) => this.#later(model.controllerDelayMs, () => this.#observe(pod, undefined)));
  }

  rotation(): string[] {
    const per = this.#turns.map((_, node) => new Set(this.#routable(node, false).map((t) => t.endpoint.pod)));
    return [...per[0]!].filter((pod) => per.every((set) => set.has(pod)));
  }

  protected pick(): Endpoint | undefined {
    const node = this.#nodeTurn.pick(this.#turns.map((_, i) => i))!;
    return this.#turns[node]!.pick(this.#routable(node))?.endpoint;
  }

  protected reachable(): Iterable<string> {
    return new Set(this.#turns.flatMap((_, node) => this.#routable(node).map((t) => t.endpoint.pod)));
  }

  protected stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const target of this.#targets.values()) for (const view of target.nodes) clearInterval(view.timer);
  }

  /** What node `node` sends new requests to: registered healthy targets, or (fail-open) every registered target already checked. */
  #routable(node: number, failOpen = this.model.failOpen): Target[] {
    const registered = [...this.#targets.values()].filter((t) => t.applied > 0 && t.applied % 2 === 1);
    const healthy = registered.filter((t) => t.nodes[node]!.health === 'healthy');
    if (healthy.length > 0 || !failOpen) return healthy;
    return registered.filter((t) => t.nodes[node]!.health === 'unhealthy');
  }

  #later(ms: number, run: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.closed) run();
    }, ms);
    this.#timers.add(timer);
  }

  /**
   * The controller saw the endpoint (undefined: removed): a ready endpoint is
   * registered, any other deregistered. Calls are numbered (odd: register,
   * even: deregister) so a slow deregistration never undoes a later
   * registration.
   */
  #observe(pod: string, endpoint: Endpoint | undefined): void {
    let target = this.#targets.get(pod);
    const want = endpoint?.conditions.ready ?? false;
    if (!target) {
      if (!endpoint || !want) return;
      target = { endpoint, applied: 0, issued: 0, nodes: [] };
      this.#targets.set(pod, target);
    }
    if (endpoint) target.endpoint = endpoint;
    const registeredOrPending = target.issued % 2 === 1;
    if (want === registeredOrPending) return;
    const call = target.issued + 1;
    target.issued = call;
    const t = target;
    this.#later(want ? this.model.registerLagMs : this.model.deregisterLagMs, () => this.#apply(t, call));
  }

  #apply(target: Target, call: number): void {
    if (call <= target.applied) return;
    target.applied = call;
    const registered = call % 2 === 1;
    for (const view of target.nodes) clearInterval(view.timer);
    target.nodes.length = 0;
    if (registered) {
      this.timeline.mark('balancer-register', { pod: target.endpoint.pod, balancer: this.name });
      const { intervalMs } = this.model.healthCheck;
      for (let node = 0; node < this.model.nodes; node += 1) {
        const view: NodeView = { health: 'initial', run: 0, lastOk: undefined, checking: false, timer: undefined };
        target.nodes.push(view);
        // Each node checks on its own phase.
        this.#later(this.random() * intervalMs, () => {
          if (!target.nodes.includes(view)) return;
          this.#check(target, view);
          view.timer = setInterval(() => this.#check(target, view), intervalMs);
        });
      }
    } else this.timeline.mark('balancer-deregister', { pod: target.endpoint.pod, balancer: this.name });
    this.changed(registered ? 'register' : 'deregister');
  }

  #check(target: Target, view: NodeView): void {
    const check = this.model.healthCheck;
    if (view.checking || this.closed) return;
    const endpoint = target.endpoint;
    const port = check.port === 'health' ? (endpoint.healthPort ?? endpoint.appPort) : endpoint.appPort;
    view.checking = true;
    void httpGet({ port, path: check.path, timeoutMs: check.timeoutMs, headers: { 'User-Agent': check.userAgent } }).then((result) => {
      view.checking = false;
      if (this.closed || !target.nodes.includes(view)) return;
      const ok = result.kind === 'response' && result.status >= 200 && result.status < 400;
      view.run = ok === view.lastOk ? view.run + 1 : 1;
      view.lastOk = ok;
      const before = view.health;
      if (ok && view.health === 'initial' && view.run >= check.newTargetThreshold) view.health = 'healthy';
      else if (ok && view.health === 'unhealthy' && view.run >= check.healthyThreshold) view.health = 'healthy';
      else if (!ok && view.health === 'healthy' && view.run >= check.unhealthyThreshold) view.health = 'unhealthy';
      else if (!ok && view.health === 'initial' && view.run >= check.unhealthyThreshold) view.health = 'unhealthy';
      if (view.health !== before) this.changed('health-check');
    });
  }
}
