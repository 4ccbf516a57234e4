/**
 * The chart's workload values: autoscaling, the PodDisruptionBudget, topology spread, pod
 * metadata, extra containers and volumes, the app's lifecycle, the app Service and the
 * Deployment strategy, each as rendered by the real helm, and each refusal with its message.
 */
import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IService } from 'kubernetes-models/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { type RenderOptions, objectsOfKind, one, podSpecOf, podwardenContainer, render, renderError, selects, validateObject } from './support.js';

/** The Deployment of one render, its pod spec, the app container and podwarden. */
function workload(options: RenderOptions = {}) {
  const { docs } = render(options);
  for (const doc of docs) validateObject(doc);
  const deployment = one<IDeployment>(docs, 'Deployment');
  const spec = podSpecOf(deployment);
  const app = spec.containers[0];
  if (!app) throw new Error('no app container');
  return { docs, deployment, spec, app, sidecar: podwardenContainer(spec).container };
}

const hpaOf = (options: RenderOptions) => one<IHorizontalPodAutoscaler>(render(options).docs, 'HorizontalPodAutoscaler');
const pdbOf = (options: RenderOptions) => one<IPodDisruptionBudget>(render(options).docs, 'PodDisruptionBudget');

describe('autoscaling', () => {
  it('renders an autoscaling/v2 HPA on the Deployment, and the Deployment without replicas', () => {
    const { docs, deployment } = workload({ valuesFiles: ['autoscaling-values.yaml'] });
    const hpa = one<IHorizontalPodAutoscaler>(docs, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata?.name },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    });
    // No replicas field: a helm upgrade would otherwise set the count back to replicaCount.
    expect(deployment.spec).not.toHaveProperty('replicas');
  });

  it('is off by default: no HPA, and replicas from replicaCount', () => {
    const { docs, deployment } = workload({ set: { replicaCount: 4 } });
    expect(objectsOfKind(docs, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(deployment.spec?.replicas).toBe(4);
  });

  it('targets memory alone when the CPU target is null', () => {
    const hpa = hpaOf({ set: { 'autoscaling.enabled': true, 'autoscaling.targetMemoryUtilizationPercentage': 60 }, extraArgs: ['--set', 'autoscaling.targetCPUUtilizationPercentage=null'] });
    expect(hpa.spec?.metrics).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(hpa.spec?.behavior).toBeUndefined();
  });

  it('refuses an HPA without a target, or with minReplicas above maxReplicas', () => {
    expect(renderError({ set: { 'autoscaling.enabled': true }, extraArgs: ['--set', 'autoscaling.targetCPUUtilizationPercentage=null'] })).toContain(
      'podwarden: autoscaling.enabled needs a target: set autoscaling.targetCPUUtilizationPercentage or autoscaling.targetMemoryUtilizationPercentage (or both).',
    );
    expect(renderError({ set: { 'autoscaling.enabled': true, 'autoscaling.minReplicas': 5, 'autoscaling.maxReplicas': 3 } })).toContain(
      'podwarden: autoscaling.minReplicas (5) is more than autoscaling.maxReplicas (3). Raise maxReplicas or lower minReplicas.',
    );
  });

  const missing: Array<[string, RenderOptions, string]> = [
    ['the app', { extraArgs: ['--set', 'app.resources.requests.cpu=null'] }, 'container "app" has no cpu request: the HPA would not scale at all. Set app.resources.requests.cpu'],
    ['podwarden', { extraArgs: ['--set', 'sidecar.resources.requests.cpu=null'] }, 'container "podwarden" has no cpu request: the HPA would not scale at all. Set sidecar.resources.requests.cpu'],
    ['an extra container', { extraArgs: ['--set-json', 'extraContainers=[{"name":"logs","image":"busybox"}]'] }, 'container "logs" has no cpu request: the HPA would not scale at all. Set extraContainers[0].resources.requests.cpu'],
    ['a restartable init container', { extraArgs: ['--set-json', 'extraInitContainers=[{"name":"proxy","image":"busybox","restartPolicy":"Always"}]'] }, 'container "proxy" has no cpu request: the HPA would not scale at all. Set extraInitContainers[0].resources.requests.cpu'],
  ];
  it.each(missing)('refuses a CPU target while %s has no CPU request (utilization is measured against the requests)', (_who, options, message) => {
    expect(renderError({ ...options, set: { 'autoscaling.enabled': true } })).toContain(`podwarden: autoscaling.targetCPUUtilizationPercentage measures cpu against the requests of every container in the pod, but ${message}, or remove the target.`);
  });

  it('does not ask a request of an init container that runs to completion before the pod starts', () => {
    expect(hpaOf({ set: { 'autoscaling.enabled': true }, extraArgs: ['--set-json', 'extraInitContainers=[{"name":"migrate","image":"busybox"}]'] }).spec?.minReplicas).toBe(2);
  });
});

describe('the PodDisruptionBudget', () => {
  const blocks = 'the PodDisruptionBudget would allow no voluntary eviction, so `kubectl drain`, node upgrades and the cluster autoscaler would wait on these pods forever';

  it('refuses minAvailable that leaves no pod to evict: with one replica, with the HPA minimum, as a percentage', () => {
    expect(renderError({ set: { replicaCount: 1, 'pdb.minAvailable': 1 } })).toContain(
      `podwarden: pdb.minAvailable (1) leaves no pod to evict with replicaCount (1): ${blocks}. Use pdb.maxUnavailable instead (set pdb.minAvailable=null), keep more replicas, or set pdb.enabled=false.`,
    );
    expect(renderError({ set: { replicaCount: 5, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 2, 'pdb.minAvailable': 2 } })).toContain('podwarden: pdb.minAvailable (2) leaves no pod to evict with autoscaling.minReplicas (2)');
    // 50% of one pod rounds up to one.
    expect(renderError({ set: { replicaCount: 1, 'pdb.minAvailable': '50%' } })).toContain('podwarden: pdb.minAvailable (50%) leaves no pod to evict with replicaCount (1)');
    expect(renderError({ set: { 'pdb.minAvailable': '100%' } })).toContain('podwarden: pdb.minAvailable (100%) leaves no pod to evict with replicaCount (2)');
  });

  it('refuses a maxUnavailable of 0', () => {
    expect(renderError({ set: { 'pdb.maxUnavailable': 0 } })).toContain(`podwarden: pdb.maxUnavailable is 0: ${blocks}. Set it to 1 or more.`);
    expect(renderError({ set: { 'pdb.maxUnavailable': '0%' } })).toContain('podwarden: pdb.maxUnavailable is 0%:');
  });

  it('keeps budgets that let a pod go: one replica with maxUnavailable 1, 50% of two, minAvailable below the HPA minimum', () => {
    expect(pdbOf({ set: { replicaCount: 1 } }).spec).toMatchObject({ maxUnavailable: 1 });
    expect(pdbOf({ set: { 'pdb.minAvailable': '50%' } }).spec).toMatchObject({ minAvailable: '50%' });
    expect(pdbOf({ set: { replicaCount: 1, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 3, 'pdb.minAvailable': 2 } }).spec).toMatchObject({ minAvailable: 2 });
    expect(pdbOf({ set: { replicaCount: 0, 'pdb.minAvailable': 1 } }).spec).toMatchObject({ minAvailable: 1 });
  });

  it('lets not-ready pods be evicted by default (AlwaysAllow); IfHealthyBudget or null on request', () => {
    expect(pdbOf({}).spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    expect(pdbOf({ set: { 'pdb.unhealthyPodEvictionPolicy': 'IfHealthyBudget' } }).spec?.unhealthyPodEvictionPolicy).toBe('IfHealthyBudget');
    expect(pdbOf({ extraArgs: ['--set', 'pdb.unhealthyPodEvictionPolicy=null'] }).spec).not.toHaveProperty('unhealthyPodEvictionPolicy');
    expect(renderError({ set: { 'pdb.unhealthyPodEvictionPolicy': 'Always' } })).toMatch(/at '\/pdb\/unhealthyPodEvictionPolicy': value must be one of 'AlwaysAllow', 'IfHealthyBudget'\n/);
  });
});

describe('topology spread', () => {
  it("spreads the replicas over nodes by default, softly, counting this release's pods only", () => {
    const { deployment, spec } = workload();
    expect(spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: deployment.spec?.selector.matchLabels } },
    ]);
    expect(selects(spec.topologySpreadConstraints?.[0]?.labelSelector?.matchLabels, deployment.spec?.template.metadata?.labels)).toBe(true);
  });

  it('takes a list of its own instead, filling in the selector where a constraint has none', () => {
    const constraints = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
      { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { tier: 'web' } } },
    ];
    const { deployment, spec } = workload({ extraArgs: ['--set-json', `topologySpreadConstraints=${JSON.stringify(constraints)}`] });
    expect(spec.topologySpreadConstraints).toEqual([{ ...constraints[0], labelSelector: { matchLabels: deployment.spec?.selector.matchLabels } }, constraints[1]]);
  });

  it('is turned off by [] or null', () => {
    expect(workload({ extraArgs: ['--set-json', 'topologySpreadConstraints=[]'] }).spec.topologySpreadConstraints).toBeUndefined();
    expect(workload({ extraArgs: ['--set', 'topologySpreadConstraints=null'] }).spec.topologySpreadConstraints).toBeUndefined();
  });
});

describe('pod metadata, commonLabels and commonAnnotations', () => {
  it('puts priorityClassName, podLabels, podAnnotations and commonLabels on the pods; podLabels win over commonLabels', () => {
    const { deployment, spec } = workload({ valuesFiles: ['pod-extras-values.yaml'], set: { 'commonLabels.tier': 'shared', 'commonLabels.team': 'shop' } });
    expect(spec.priorityClassName).toBe('shop-critical');
    expect(deployment.spec?.template.metadata?.labels).toEqual({ 'app.kubernetes.io/name': 'podwarden', 'app.kubernetes.io/instance': 'web', tier: 'web', team: 'shop' });
    expect(deployment.spec?.template.metadata?.annotations).toMatchObject({ 'example.com/scrape-logs': 'true', 'checksum/podwarden-config': expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('labels and annotates every object, the helm test pod, monitors and the HPA included', () => {
    const { docs } = render({ valuesFiles: ['native-monitors-values.yaml', 'autoscaling-values.yaml'] });
    expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Pod', 'Service', 'ServiceAccount', 'ServiceMonitor', 'PrometheusRule', 'NetworkPolicy']));
    for (const doc of docs) {
      expect(doc.metadata.labels?.team, `${doc.kind} ${doc.metadata.name}`).toBe('shop');
      expect(doc.metadata.annotations?.['example.com/owner'], `${doc.kind} ${doc.metadata.name}`).toBe('shop-team');
    }
    // Not on the pods: podAnnotations are for them (a change would roll every pod).
    expect(one<IDeployment>(docs, 'Deployment').spec?.template.metadata?.annotations).not.toHaveProperty('example.com/owner');
    // The helm test pod stays a hook, and the ConfigMap keeps its timing record.
    expect(one(docs, 'Pod').metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(one(docs, 'ConfigMap', '-config').metadata.annotations).toHaveProperty('podwarden/timing');
  });

  it("lets an object's own annotations win over commonAnnotations", () => {
    const service = one<IService>(render({ set: { 'commonAnnotations.example\\.com/owner': 'all', 'commonAnnotations.example\\.com/tier': 'gold', 'service.annotations.example\\.com/owner': 'web' } }).docs, 'Service', 'web-podwarden');
    expect(service.metadata?.annotations).toEqual({ 'example.com/owner': 'web', 'example.com/tier': 'gold' });
  });

  const refused: Array<[string, string, string]> = [
    ['commonLabels', 'commonLabels.app\\.kubernetes\\.io/name', 'commonLabels sets app.kubernetes.io/name'],
    ['commonLabels', 'commonLabels.helm\\.sh/chart', 'commonLabels sets helm.sh/chart'],
    ['podLabels', 'podLabels.app\\.kubernetes\\.io/instance', 'podLabels sets app.kubernetes.io/instance'],
    ['service.labels', 'service.labels.app\\.kubernetes\\.io/component', 'service.labels sets app.kubernetes.io/component'],
  ];
  it.each(refused)('refuses a label the chart sets itself in %s', (where, key, start) => {
    expect(renderError({ set: { [key]: 'x' } })).toContain(`podwarden: ${start}, a label the chart sets itself (it selects the pods or names the release). Remove it from ${where}, or use a label key of your own.`);
  });

  it('refuses a hook annotation in commonAnnotations', () => {
    expect(renderError({ set: { 'commonAnnotations.helm\\.sh/hook': 'pre-install' } })).toContain(
      "podwarden: commonAnnotations sets helm.sh/hook, which the chart sets itself (the helm test pod's hook, the ConfigMap's timing record); on every object, a hook annotation would turn each into a hook. Remove it from commonAnnotations.",
    );
  });
});

describe('extra containers and volumes', () => {
  it('puts extra init containers before podwarden, extra containers after the app, and mounts extra volumes in the app and podwarden', () => {
    const { spec, app, sidecar } = workload({ valuesFiles: ['pod-extras-values.yaml'] });
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['prepare', 'podwarden']);
    expect(spec.containers.map((c) => c.name)).toEqual(['app', 'log-shipper']);
    expect(spec.volumes?.find((v) => v.name === 'shared')).toEqual({ name: 'shared', emptyDir: {} });
    expect(app.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'shared', mountPath: '/var/shared' },
    ]);
    expect(sidecar.volumeMounts?.at(-1)).toEqual({ name: 'shared', mountPath: '/var/shared', readOnly: true });
  });

  it('in container mode too: podwarden after the app, yours after it, and init containers without podwarden', () => {
    const { spec } = workload({ valuesFiles: ['pod-extras-values.yaml'], set: { 'sidecar.mode': 'container' }, extraArgs: ['--kube-version', '1.28.0'] });
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['prepare']);
    expect(spec.containers.map((c) => c.name)).toEqual(['app', 'podwarden', 'log-shipper']);
  });

  it('refuses two containers or two volumes of one name', () => {
    expect(renderError({ extraArgs: ['--set-json', 'extraContainers=[{"name":"podwarden","image":"busybox"}]'] })).toContain(
      'podwarden: the pod would have two containers named "podwarden" (sidecar.name and extraContainers[0]); Kubernetes refuses such a pod. Rename one.',
    );
    expect(renderError({ extraArgs: ['--set-json', 'extraInitContainers=[{"name":"app","image":"busybox"}]'] })).toContain('two containers named "app" (app.name and extraInitContainers[0])');
    expect(renderError({ extraArgs: ['--set-json', 'extraVolumes=[{"name":"tmp","emptyDir":{}}]'] })).toContain('podwarden: the pod would have two volumes named "tmp" (app.tmpDir and extraVolumes[0]); Kubernetes refuses such a pod. Rename one.');
    expect(renderError({ extraArgs: ['--set-json', 'extraVolumes=[{"name":"podwarden-config","emptyDir":{}}]'] })).toContain('two volumes named "podwarden-config" (podwarden\'s own and extraVolumes[0])');
  });
});

describe("the app's lifecycle", () => {
  it('keeps postStart and stopSignal next to the preStop drain', () => {
    const { app } = workload({ valuesFiles: ['pod-extras-values.yaml'], set: { 'app.lifecycle.stopSignal': 'SIGQUIT' } });
    expect(Object.keys(app.lifecycle ?? {}).sort()).toEqual(['postStart', 'preStop', 'stopSignal']);
    expect(app.lifecycle?.postStart).toEqual({ exec: { command: ['sh', '-c', 'echo started > /tmp/started'] } });
    expect(app.lifecycle?.preStop?.httpGet).toMatchObject({ path: '/drain', port: 7654 });
    expect(app.lifecycle?.stopSignal).toBe('SIGQUIT');
  });

  it('refuses a preStop of its own while the chart drains from preStop', () => {
    expect(renderError({ extraArgs: ['--set-json', 'app.lifecycle={"preStop":{"exec":{"command":["sleep","5"]}}}'] })).toContain(
      "podwarden: app.lifecycle.preStop is set, but the app's preStop hook is the chart's: it calls podwarden's /drain (app.preStop=true), and a container has one preStop. Do that work in the app's SIGTERM handler, which runs after the drain, or set app.preStop=false to use your hook instead (the pod then does not drain).",
    );
  });

  it('renders your preStop with app.preStop=false', () => {
    const { app } = workload({ set: { 'app.preStop': false }, extraArgs: ['--set-json', 'app.lifecycle={"preStop":{"exec":{"command":["sleep","5"]}}}'] });
    expect(app.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
  });
});

describe('the app Service', () => {
  it('takes type, nodePort, externalTrafficPolicy, labels and annotations', () => {
    const service = one<IService>(workload({ valuesFiles: ['pod-extras-values.yaml'] }).docs, 'Service', 'web-podwarden');
    expect(service.spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }] });
    expect(service.metadata?.labels).toMatchObject({ exposure: 'internal', 'app.kubernetes.io/name': 'podwarden' });
    expect(service.metadata?.annotations).toEqual({ 'example.com/dns-name': 'shop.internal.example.com' });
  });

  it('renders externalTrafficPolicy Local with the timing model that keeps a draining pod serving', () => {
    expect(one<IService>(workload({ valuesFiles: ['external-traffic-local-values.yaml'] }).docs, 'Service', 'web-podwarden').spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });

  it('refuses a node port or a traffic policy on a ClusterIP Service, and Local without the timing model', () => {
    expect(renderError({ set: { 'service.nodePort': 30080 } })).toContain('podwarden: service.nodePort (30080) needs service.type NodePort or LoadBalancer, but it is ClusterIP, which has no node port.');
    expect(renderError({ set: { 'service.externalTrafficPolicy': 'Cluster' } })).toContain('podwarden: service.externalTrafficPolicy (Cluster) needs service.type NodePort or LoadBalancer, but it is ClusterIP; Kubernetes refuses it there.');
    expect(renderError({ set: { 'service.type': 'LoadBalancer', 'service.externalTrafficPolicy': 'Local' } })).toContain(
      'podwarden: service.externalTrafficPolicy is Local, but timing.externalTrafficPolicyLocal.enabled is false',
    );
  });
});

describe('the Deployment strategy', () => {
  it('renders Recreate without rollingUpdate (the API refuses one there), RollingUpdate with it', () => {
    expect(workload({ set: { 'strategy.type': 'Recreate' } }).deployment.spec?.strategy).toEqual({ type: 'Recreate' });
    expect(workload({ set: { 'strategy.rollingUpdate.maxSurge': '25%' } }).deployment.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  });

  it('refuses a rolling update that can neither add nor remove a pod', () => {
    expect(renderError({ set: { 'strategy.rollingUpdate.maxSurge': 0 } })).toContain('podwarden: strategy.rollingUpdate.maxSurge and maxUnavailable are both 0, so a rollout could neither add nor remove a pod; Kubernetes refuses it.');
  });
});
