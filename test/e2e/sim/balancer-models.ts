import type { Balancer } from './balancer.js';
import { EndpointBalancer, type EndpointBalancerModel, endpointWorstCaseMs } from './endpoint-balancer.js';
import { PinnedConnectionBalancer } from './pinned-connections.js';
import type { Endpoints } from './endpoints.js';
import { type SyncModel, seededRandom } from './endpoint-view.js';
import { NodeLocalBalancer, type NodeLocalModel, nodeLocalRemovalMs } from './node-local.js';
import { TargetGroupBalancer, type TargetGroupModel, type TargetHealthCheck, healthCheckRemovalMs } from './target-group.js';
import type { Timeline } from './timeline.js';

/**
 * The balancers the simulation sends traffic through, each by its
 * mechanism, at full scale (ms). Where a figure comes from is said next to it;
 * the figures marked *assumed* have no vendor number, and each is chosen on
 * the side that makes losing requests more likely.
 */

/** kube-proxy (iptables/ipvs/nftables) as every node runs it. */
const kubeProxySync: SyncModel = {
  // The EndpointSlice controller's update and its watch reaching kube-proxy: about 1 s (the chart's kube-proxy figure).
  watchDelayMs: 1000,
  // --iptables-min-sync-period, default 1s (kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/).
  minSyncIntervalMs: 1000,
  // One iptables-restore: seconds with many thousands of Services (KEP-3453, "Minimizing iptables-restore input size").
  syncDurationMs: 1500,
  // Assumed: other Services' endpoint changes in a busy cluster start a sync every 2 s on average.
  churnMeanMs: 2000,
};

/**
 * A cloud balancer whose controller registers the pods' IPs as targets, its
 * health check on podwarden's /readyz (docs/helm.md), with the balancer's own
 * check figures, nodes and fail-open behaviour. The controller's figures have
 * no vendor number and are assumed the same for AWS and GKE: it acts within
 * 1 s; a registration takes effect within seconds; a deregistration reaches
 * the balancer's nodes late, longer than the health check path, so the health
 * check is what takes a draining pod out (AWS: users needed 25-70 s of preStop
 * sleep, kubernetes-sigs/aws-load-balancer-controller#1064, #2106, NLBs 2 min,
 * #2366; GKE: "NEG programming latency", kubernetes/ingress-gce#583, #769):
 * taken as 40 s.
 */
function readyzTargetGroup(model: {
  readonly healthCheck: Omit<TargetHealthCheck, 'port' | 'path'>;
  readonly nodes: number;
  readonly failOpen: boolean;
}): TargetGroupModel {
  return {
    kind: 'target-group',
    controllerDelayMs: 1000,
    registerLagMs: 5000,
    deregisterLagMs: 40_000,
    healthCheck: { port: 'health', path: '/readyz', ...model.healthCheck },
    nodes: model.nodes,
    failOpen: model.failOpen,
  };
}

export const balancerModels = {
  /** In-cluster clients through a ClusterIP Service. Worst case 4 s: inside the kube-proxy profile's 5 s. */
  'kube-proxy': { kind: 'endpoints', ...kubeProxySync, workers: 0, workerPollMs: 0, terminatingFallback: true },
  /**
   * In-cluster clients through a ClusterIP Service that keep their
   * connections (an HTTP client's keep-alive pool): kube-proxy picks the pod
   * when a connection opens (conntrack) and the connection stays on it until
   * one side closes it; new connections follow the rules above. Assumed: a
   * pool of 6 connections, more while all are busy.
   */
  'kube-proxy-keepalive': { kind: 'endpoints', ...kubeProxySync, workers: 0, workerPollMs: 0, terminatingFallback: true, pinnedConnections: 6 },
  /** ingress-nginx sending to pod IPs. Worst case 6.3 s: inside the ingress-nginx profile's 8 s. */
  'ingress-nginx': {
    kind: 'endpoints',
    watchDelayMs: 1000,
    // --sync-rate-limit 0.3 syncs per second (kubernetes.github.io/ingress-nginx/user-guide/cli-arguments/).
    minSyncIntervalMs: 3334,
    // Building and posting the backends with many Ingresses (kubernetes/ingress-nginx#6079: > 3 s in all with ~1000 Ingresses).
    syncDurationMs: 1000,
    // Assumed: other Ingresses' changes start a sync every 5 s on average.
    churnMeanMs: 5000,
    // Each nginx worker (worker_processes auto: 2 on a 2-CPU node) picks up new backends every
    // BACKENDS_SYNC_INTERVAL = 1 s (rootfs/etc/nginx/lua/balancer.lua).
    workers: 2,
    workerPollMs: 1000,
    // Only ready endpoints (internal/ingress/controller/endpointslices.go skips Ready=false).
    terminatingFallback: false,
  },
  /**
   * AWS Load Balancer Controller, ALB with IP targets. Removal by the health
   * check within 15 s × 2 = 30 s: inside the aws-load-balancer-controller
   * profile's 30 s.
   */
  'aws-alb': readyzTargetGroup({
    healthCheck: {
      // The controller's defaults: healthcheck-interval-seconds 15, healthcheck-timeout-seconds 5,
      // healthy-threshold-count 2, unhealthy-threshold-count 2
      // (kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/).
      intervalMs: 15_000,
      timeoutMs: 5000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      // "After your target is registered, it must pass one health check to be considered healthy"
      // (docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks).
      newTargetThreshold: 1,
      userAgent: 'ELB-HealthChecker/2.0',
    },
    // "Each load balancer node checks the health of each target" (same page); an ALB spans at least two zones.
    nodes: 2,
    // "If a target group contains only unhealthy registered targets, the load balancer routes requests to all those targets" (same page).
    failOpen: true,
  }),
  /**
   * GKE container-native load balancing (NEGs), the health check set through
   * a BackendConfig. Removal by the health check within 15 s × 2 = 30 s:
   * inside the gke-neg profile's 30 s.
   */
  'gke-neg': readyzTargetGroup({
    healthCheck: {
      // ingress-gce pkg/healthchecks: DefaultNEGHealthCheckInterval 15 s, DefaultNEGTimeout 15 s,
      // DefaultHealthyThreshold 1, DefaultNEGUnhealthyThreshold 2.
      intervalMs: 15_000,
      timeoutMs: 15_000,
      healthyThreshold: 1,
      unhealthyThreshold: 2,
      newTargetThreshold: 1,
      userAgent: 'GoogleHC/1.0',
    },
    // Assumed: one health state per endpoint for the whole balancer.
    nodes: 1,
    failOpen: false,
  }),
  /**
   * A Service with externalTrafficPolicy: Local behind an NLB with instance
   * targets (the nodes). Node health check: the AWS Load Balancer
   * Controller's Service defaults, interval 10 s, healthy and unhealthy
   * threshold 3 (…/guide/service/annotations/); the chart's
   * timing.externalTrafficPolicyLocal defaults are the same. A node leaves
   * within kube-proxy's 4 s + 30 s.
   */
  'aws-nlb-local': {
    kind: 'node-local',
    proxy: kubeProxySync,
    healthCheck: { intervalMs: 10_000, healthyThreshold: 3, unhealthyThreshold: 3 },
    lbNodes: 2,
    // NLBs fail open too (docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks).
    failOpen: true,
  },
} as const satisfies Record<string, EndpointBalancerModel | TargetGroupModel | NodeLocalModel>;

export type BalancerModelName = keyof typeof balancerModels;
type Model = EndpointBalancerModel | TargetGroupModel | NodeLocalModel;

/** The longest the model takes, at full scale, to stop sending to a pod whose drain began (its removal bound). */
export function removalBoundMs(name: BalancerModelName): number {
  const model: Model = balancerModels[name];
  if (model.kind === 'endpoints') return endpointWorstCaseMs(model);
  if (model.kind === 'target-group') return healthCheckRemovalMs(model.healthCheck);
  return nodeLocalRemovalMs(model);
}

function scaleSync<T extends SyncModel>(model: T, f: number): T {
  return { ...model, watchDelayMs: model.watchDelayMs * f, minSyncIntervalMs: model.minSyncIntervalMs * f, syncDurationMs: model.syncDurationMs * f, churnMeanMs: model.churnMeanMs * f };
}

/** Every duration of the model × `f`, but for health-check timeouts (time-scale.ts says why). */
function scaleModel(model: Model, f: number): Model {
  if (model.kind === 'endpoints') return { ...scaleSync(model, f), workerPollMs: model.workerPollMs * f };
  if (model.kind === 'target-group') {
    const check = model.healthCheck;
    return {
      ...model,
      controllerDelayMs: model.controllerDelayMs * f,
      registerLagMs: model.registerLagMs * f,
      deregisterLagMs: model.deregisterLagMs * f,
      healthCheck: { ...check, intervalMs: check.intervalMs * f },
    };
  }
  return { ...model, proxy: scaleSync(model.proxy, f), healthCheck: { ...model.healthCheck, intervalMs: model.healthCheck.intervalMs * f } };
}

/** A balancer of a scenario: a model, and (for health-checking models) the path and port its check asks. */
export interface BalancerSpec {
  readonly model: BalancerModelName;
  /** Replace the model's health check target (the app's own /health for pods without podwarden, or the app port as a cloud balancer checks by default). */
  readonly healthCheck?: { readonly port: 'health' | 'app'; readonly path: string };
}

export interface BalancerContext {
  readonly endpoints: Endpoints;
  readonly timeline: Timeline;
  readonly timeScale: number;
  readonly requestTimeoutMs: number;
  /** Seeds the models' random phases and churn. */
  readonly seed: number;
}

/** Build the balancer `spec` names, on the scenario's clock. */
export function makeBalancer(spec: BalancerSpec, index: number, ctx: BalancerContext): Balancer {
  let model = scaleModel(balancerModels[spec.model], ctx.timeScale);
  if (spec.healthCheck && model.kind === 'target-group') model = { ...model, healthCheck: { ...model.healthCheck, ...spec.healthCheck } };
  const random = seededRandom(ctx.seed * 31 + index);
  const args = [ctx.endpoints, ctx.timeline, random, ctx.requestTimeoutMs] as const;
  if (model.kind === 'endpoints') return model.pinnedConnections ? new PinnedConnectionBalancer(spec.model, model, ...args) : new EndpointBalancer(spec.model, model, ...args);
  if (model.kind === 'target-group') return new TargetGroupBalancer(spec.model, model, ...args);
  return new NodeLocalBalancer(spec.model, model, ...args);
}
