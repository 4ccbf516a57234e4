import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap, IContainer, IPod, IService, IServiceAccount } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  containerEnv,
  type K8sObject,
  type RenderOptions,
  ciValuesFiles,
  envValue,
  httpGetOf,
  objectsOfKind,
  one,
  podSpecOf,
  podwardenContainer,
  render,
  renderError,
  loadRenderedConfig,
  selects,
  sha256,
  testToken,
} from './support.js';
import { drainWiringOf, graceSecondsOf, minDrainDelaySeconds, minGraceSeconds, minMaxHoldSeconds, readinessDetectionSeconds } from './drain-rules.js';

/** The pieces of one render the assertions look at. */
async function wiring(options: RenderOptions = {}) {
  const { docs } = render(options);
  const deployment = one<IDeployment>(docs, 'Deployment');
  const spec = podSpecOf(deployment);
  const { container: sidecar, place } = podwardenContainer(spec);
  const app = spec.containers.find((c) => c.name !== 'podwarden');
  if (!app) throw new Error('no app container');
  const configMap = one<IConfigMap>(docs, 'ConfigMap', '-config');
  const configText = configMap.data?.['podwarden.yaml'];
  if (configText === undefined) throw new Error('ConfigMap has no podwarden.yaml');
  // podwarden's own loader, with the env the chart gives the container: what podwarden will run with.
  const config = await loadRenderedConfig(configText, containerEnv(sidecar));
  // The drain options as rendered.
  const rendered = parseYaml(configText) as { drain?: { allowFrom?: string[]; appCheck?: string; stateFile?: string; maxHold?: string } };
  return { docs, deployment, spec, sidecar, place, app, configMap, configText, config, drain: rendered.drain ?? {} };
}

function probeFields(container: IContainer, probe: 'startupProbe' | 'readinessProbe' | 'livenessProbe') {
  const { httpGet: _httpGet, ...rest } = container[probe] ?? {};
  return rest;
}

describe.each(ciValuesFiles().filter((f) => f !== 'existing-workload-values.yaml'))('with %s, what podwarden runs with matches the pod spec', (valuesFile) => {
  it('podwarden accepts the rendered config (its own schema, strict)', async () => {
    const { config } = await wiring({ valuesFiles: [valuesFile] });
    expect(config.server.port).toBeGreaterThan(0);
  });

  it("startup, readiness, preStop and podwarden's probes use podwarden's port; the app's liveness its own", async () => {
    const { sidecar, app, config } = await wiring({ valuesFiles: [valuesFile] });
    const port = config.server.port;
    expect(httpGetOf(app.startupProbe, 'app startupProbe')).toEqual({ path: '/startupz', port });
    expect(httpGetOf(app.readinessProbe, 'app readinessProbe')).toEqual({ path: '/readyz', port });
    expect(httpGetOf(app.livenessProbe, 'app livenessProbe')).toEqual({ path: '/', port: app.ports?.[0]?.containerPort });
    expect(httpGetOf(sidecar.startupProbe, 'podwarden startupProbe')).toEqual({ path: '/startupz/podwarden', port });
    expect(httpGetOf(sidecar.livenessProbe, 'podwarden livenessProbe')).toEqual({ path: '/livez/podwarden', port });
    expect(sidecar.readinessProbe).toBeUndefined();
    expect(app.lifecycle?.preStop?.httpGet).toMatchObject({ path: '/drain', port, scheme: 'HTTP' });
    // The health port first (what reads the pod spec takes it as podwarden's), then /metrics on its own.
    expect(sidecar.ports).toEqual([
      { name: 'podwarden', containerPort: port, protocol: 'TCP' },
      { name: 'pw-metrics', containerPort: config.server.metricsPort, protocol: 'TCP' },
    ]);
    expect(config.server.metricsPort).not.toBe(port);
  });

  it('the preStop Bearer token is the token podwarden resolves', async () => {
    const { app, config } = await wiring({ valuesFiles: [valuesFile] });
    expect(config.drain.token).toBe(testToken);
    expect(drainWiringOf(app).bearerToken).toBe(config.drain.token);
  });

  it('keeps the drain state on an emptyDir mounted in podwarden, and names the app check', async () => {
    const { spec, sidecar, drain, config } = await wiring({ valuesFiles: [valuesFile] });
    expect(drain.stateFile).toBe('/run/podwarden/drain-state');
    const mount = sidecar.volumeMounts?.find((m) => m.name === 'podwarden-state');
    expect(mount).toEqual({ name: 'podwarden-state', mountPath: '/run/podwarden' });
    expect(spec.volumes?.find((v) => v.name === 'podwarden-state')).toEqual({ name: 'podwarden-state', emptyDir: { sizeLimit: '1Mi' } });
    expect(config.services.map((s) => s.name)).toContain(drain.appCheck);
  });

  it('mounts the ConfigMap where --config points, and rolls the pods when it changes (checksum)', async () => {
    const { deployment, spec, sidecar, configMap, configText } = await wiring({ valuesFiles: [valuesFile] });
    expect(sidecar.args).toEqual(['serve', '--config', '/etc/podwarden/podwarden.yaml']);
    const mount = sidecar.volumeMounts?.find((m) => m.mountPath === '/etc/podwarden');
    expect(mount?.readOnly).toBe(true);
    const volume = spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.configMap?.name).toBe(configMap.metadata?.name);
    expect(deployment.spec?.template.metadata?.annotations?.['checksum/podwarden-config']).toBe(sha256(configText));
  });

  it('the grace period covers the drain, the app and podwarden, and maxHold what the pod may still spend after the drain', async () => {
    const { spec, config, app } = await wiring({ valuesFiles: [valuesFile] });
    const grace = graceSecondsOf(spec);
    const drainDelay = config.shutdown.drainDelay / 1000;
    expect(grace).toBeGreaterThanOrEqual(minGraceSeconds({ drainDelaySeconds: drainDelay, shutdownSeconds: 5, stopSeconds: 2 }));
    // kube-proxy's 5 s: the least propagation of the named profiles.
    expect(drainDelay).toBeGreaterThanOrEqual(minDrainDelaySeconds({ propagationSeconds: 5, readinessDetectionSeconds: readinessDetectionSeconds(app.readinessProbe), marginSeconds: 2 }));
    expect(config.drain.maxHold / 1000).toBeGreaterThanOrEqual(minMaxHoldSeconds({ graceSeconds: grace, drainDelaySeconds: drainDelay }));
  });

  it('runs both containers non-root, read-only, without capabilities, under RuntimeDefault seccomp', async () => {
    const { spec, sidecar, app } = await wiring({ valuesFiles: [valuesFile] });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [sidecar, app]) {
      expect(c.securityContext, c.name).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  it('gives podwarden resource requests and no CPU limit', async () => {
    const { sidecar } = await wiring({ valuesFiles: [valuesFile] });
    expect(sidecar.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(sidecar.resources?.limits?.cpu).toBeUndefined();
  });

  it('selects its own pods with every Service, the PDB and the NetworkPolicy, and never the helm test pod', async () => {
    const { docs, deployment } = await wiring({ valuesFiles: [valuesFile] });
    const podLabels = deployment.spec?.template.metadata?.labels;
    expect(selects(deployment.spec?.selector.matchLabels, podLabels)).toBe(true);
    const testPods = objectsOfKind<IPod>(docs, 'Pod');
    for (const service of objectsOfKind<IService>(docs, 'Service')) {
      expect(selects(service.spec?.selector, podLabels), service.metadata?.name).toBe(true);
      for (const pod of testPods) expect(selects(service.spec?.selector, pod.metadata?.labels)).toBe(false);
    }
    for (const pdb of objectsOfKind<IPodDisruptionBudget>(docs, 'PodDisruptionBudget')) {
      expect(selects(pdb.spec?.selector?.matchLabels, podLabels)).toBe(true);
      for (const pod of testPods) expect(selects(pdb.spec?.selector?.matchLabels, pod.metadata?.labels)).toBe(false);
    }
    for (const policy of objectsOfKind<INetworkPolicy>(docs, 'NetworkPolicy')) expect(selects(policy.spec?.podSelector.matchLabels, podLabels)).toBe(true);
  });
});

describe('sidecar modes', () => {
  it('native (default): an init container with restartPolicy Always, so it starts before the app and stops after it', async () => {
    const { place, sidecar, spec } = await wiring();
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    expect(spec.initContainers?.[0]?.name).toBe('podwarden');
  });

  it('container: a regular container without restartPolicy, and no initContainers', async () => {
    const { place, sidecar, spec } = await wiring({ set: { 'sidecar.mode': 'container' } });
    expect(place).toBe('containers');
    expect(sidecar.restartPolicy).toBeUndefined();
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((c) => c.name)).toEqual(['app', 'podwarden']);
  });
});

describe('probe values', () => {
  it('sets every field of every probe from the values', async () => {
    const set: Record<string, number> = {};
    const expected: Record<string, Record<string, number>> = {};
    let n = 2;
    for (const [who, probes] of [
      ['app', ['startup', 'readiness', 'liveness']],
      ['sidecar', ['startup', 'liveness']],
    ] as const) {
      for (const probe of probes) {
        const fields: Record<string, number> = {
          initialDelaySeconds: n++,
          periodSeconds: n++,
          timeoutSeconds: n++,
          successThreshold: probe === 'readiness' ? n++ : 1,
          // Readiness detection (period x threshold) goes into drainDelay, which the liveness grace below must cover.
          failureThreshold: probe === 'readiness' ? 1 : n++,
        };
        if (probe !== 'readiness') fields.terminationGracePeriodSeconds = n++;
        for (const [field, value] of Object.entries(fields)) set[`${who}.probes.${probe}.${field}`] = value;
        expected[`${who}.${probe}`] = fields;
      }
    }
    // The app's liveness grace must cover drainDelay + appShutdownSeconds (the rule): a short drain for this test.
    const { app, sidecar } = await wiring({
      set: { ...set, 'timing.profile': 'custom', 'timing.endpointPropagationSeconds': 0, 'timing.drainMarginSeconds': 0, 'timing.appShutdownSeconds': 0, 'config.shutdown.drainDelay': `${expected['app.readiness']!.periodSeconds! * expected['app.readiness']!.failureThreshold!}s`, terminationGracePeriodSeconds: 120 },
    });
    expect(probeFields(app, 'startupProbe')).toEqual(expected['app.startup']);
    expect(probeFields(app, 'readinessProbe')).toEqual(expected['app.readiness']);
    expect(probeFields(app, 'livenessProbe')).toEqual(expected['app.liveness']);
    expect(probeFields(sidecar, 'startupProbe')).toEqual(expected['sidecar.startup']);
    expect(probeFields(sidecar, 'livenessProbe')).toEqual(expected['sidecar.liveness']);
  });

  it('drops a probe that is disabled', async () => {
    const { app, sidecar } = await wiring({ set: { 'app.probes.liveness.enabled': false, 'sidecar.probes.startup.enabled': false } });
    expect(app.livenessProbe).toBeUndefined();
    expect(app.readinessProbe).toBeDefined();
    expect(sidecar.startupProbe).toBeUndefined();
  });
});

describe('the drain token', () => {
  it('is drain.token, in the preStop header and in PODWARDEN_DRAIN_TOKEN', async () => {
    const token = 'f'.repeat(64);
    const { app, sidecar, config } = await wiring({ set: { 'drain.token': token } });
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toBe(token);
    expect(config.drain.token).toBe(token);
    expect(app.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: `Bearer ${token}` }]);
  });

  it('does not change with the release or the namespace: nothing is derived from them', async () => {
    const token = async (options: RenderOptions) => (await wiring(options)).config.drain.token;
    expect(await token({ release: 'shop', namespace: 'prod' })).toBe(testToken);
    expect(await token({ release: 'other', namespace: 'staging' })).toBe(testToken);
  });

  it('has no preStop with app.preStop=false', async () => {
    const { app } = await wiring({ set: { 'app.preStop': false } });
    expect(app.lifecycle).toBeUndefined();
  });
});

describe('the app liveness probe', () => {
  it("asks the app's own port by default, at app.probes.liveness.path", async () => {
    const { app } = await wiring({ set: { 'app.port': 3000, 'app.probes.liveness.path': '/healthz' } });
    expect(httpGetOf(app.livenessProbe, 'app livenessProbe')).toEqual({ path: '/healthz', port: 3000 });
  });

  it("asks podwarden's /livez when target is podwarden", async () => {
    const { app, config } = await wiring({ set: { 'app.probes.liveness.target': 'podwarden' } });
    expect(httpGetOf(app.livenessProbe, 'app livenessProbe')).toEqual({ path: '/livez', port: config.server.port });
  });
});

describe('the drain options the chart fills in', () => {
  it("takes the service named app, else the first that is not a module, as drain.appCheck; \"\" turns it off", async () => {
    expect((await wiring()).drain.appCheck).toBe('app');
    const services = [
      { name: 'worker', type: 'module', module: './worker.mjs' },
      { name: 'web', type: 'http', url: 'http://127.0.0.1:8080/' },
    ];
    expect((await wiring({ extraArgs: ['--set-json', `config.services=${JSON.stringify(services)}`] })).drain.appCheck).toBe('web');
    expect((await wiring({ set: { 'config.drain.appCheck': '' } })).drain).not.toHaveProperty('appCheck');
  });

  it('keeps a stateFile the user sets, mounting its folder; "" turns it off with its volume', async () => {
    const moved = await wiring({ set: { 'config.drain.stateFile': '/var/lib/podwarden/state' } });
    expect(moved.drain.stateFile).toBe('/var/lib/podwarden/state');
    expect(moved.sidecar.volumeMounts?.find((m) => m.name === 'podwarden-state')?.mountPath).toBe('/var/lib/podwarden');
    const off = await wiring({ set: { 'config.drain.stateFile': '' } });
    expect(off.drain).not.toHaveProperty('stateFile');
    expect(off.sidecar.volumeMounts?.map((m) => m.name)).toEqual(['podwarden-config']);
    expect(off.spec.volumes?.map((v) => v.name)).not.toContain('podwarden-state');
  });

  it('gives podwarden the node addresses from the downward API when drain.allowFrom lists hostIPs, and only then', async () => {
    const aws = await wiring({ set: { 'timing.profile': 'aws-load-balancer-controller' } });
    expect(aws.drain.allowFrom).toEqual(['hostIPs']);
    expect(aws.sidecar.env?.find((e) => e.name === 'PODWARDEN_HOST_IPS')).toEqual({ name: 'PODWARDEN_HOST_IPS', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } });
    const cidr = await wiring({ set: { 'config.drain.allowFrom[0]': '10.244.0.0/16' } });
    expect(cidr.drain.allowFrom).toEqual(['10.244.0.0/16']);
    expect(cidr.sidecar.env?.map((e) => e.name)).toEqual(['PODWARDEN_DRAIN_TOKEN']);
    const none = await wiring();
    expect(none.drain).not.toHaveProperty('allowFrom');
    expect(none.sidecar.env?.map((e) => e.name)).toEqual(['PODWARDEN_DRAIN_TOKEN']);
  });

  it('keeps an empty drain.allowFrom the user sets on a profile that has one (no source restriction)', async () => {
    const { drain, sidecar } = await wiring({ set: { 'timing.profile': 'aws-load-balancer-controller' }, extraArgs: ['--set-json', 'config.drain.allowFrom=[]'] });
    expect(drain.allowFrom).toEqual([]);
    expect(sidecar.env?.map((e) => e.name)).toEqual(['PODWARDEN_DRAIN_TOKEN']);
  });
});

describe('readiness gates', () => {
  it('renders readinessGates on the pod when set, none by default', async () => {
    expect((await wiring()).spec.readinessGates).toBeUndefined();
    const { spec } = await wiring({ set: { 'readinessGates[0].conditionType': 'cloud.google.com/load-balancer-neg-ready' } });
    expect(spec.readinessGates).toEqual([{ conditionType: 'cloud.google.com/load-balancer-neg-ready' }]);
  });
});

describe('the config and its checksum', () => {
  it('renders values.config through tpl, so the default check follows app.port', async () => {
    const { config, app } = await wiring({ set: { 'app.port': 9090 } });
    expect(config.services).toEqual([expect.objectContaining({ name: 'app', type: 'http', url: 'http://127.0.0.1:9090/' })]);
    expect(app.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
  });

  it('changes the checksum when the config changes, and only then', async () => {
    const checksum = async (options: RenderOptions) => (await wiring(options)).deployment.spec?.template.metadata?.annotations?.['checksum/podwarden-config'];
    const base = await checksum({});
    expect(await checksum({ set: { replicaCount: 5 } })).toBe(base);
    expect(await checksum({ set: { 'config.shutdown.stopTimeout': '3s' } })).not.toBe(base);
  });

  it('keeps the user pod annotations next to the checksum', async () => {
    const { deployment } = await wiring({ set: { 'podAnnotations.example\\.com/owner': 'team-a' } });
    expect(deployment.spec?.template.metadata?.annotations).toMatchObject({ 'example.com/owner': 'team-a', 'checksum/podwarden-config': expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('takes terminationGracePeriodSeconds from the values', async () => {
    const { spec } = await wiring({ set: { terminationGracePeriodSeconds: 95 } });
    expect(spec.terminationGracePeriodSeconds).toBe(95);
  });

  it('renders the drain options it fills in into the config, so the checksum follows them', async () => {
    const checksum = async (options: RenderOptions) => (await wiring(options)).deployment.spec?.template.metadata?.annotations?.['checksum/podwarden-config'];
    expect(await checksum({ set: { 'timing.profile': 'kube-proxy' } })).not.toBe(await checksum({}));
  });
});

describe('mesh inbound-port exclusion', () => {
  it("is off by default", async () => {
    const { deployment } = await wiring();
    expect(Object.keys(deployment.spec?.template.metadata?.annotations ?? {})).toEqual(['checksum/podwarden-config']);
  });

  it("excludes podwarden's ports from Istio's inbound capture", async () => {
    const { deployment } = await wiring({ set: { 'mesh.excludeInboundPorts': true } });
    expect(deployment.spec?.template.metadata?.annotations?.['traffic.sidecar.istio.io/excludeInboundPorts']).toBe('7654,9464');
  });

  it('adds to ports the pod already excludes, and takes another annotation name', async () => {
    const { deployment } = await wiring({
      set: {
        'mesh.excludeInboundPorts': true,
        'mesh.excludeInboundPortsAnnotation': 'config.linkerd.io/skip-inbound-ports',
        'podAnnotations.config\\.linkerd\\.io/skip-inbound-ports': '8443',
      },
    });
    expect(deployment.spec?.template.metadata?.annotations?.['config.linkerd.io/skip-inbound-ports']).toBe('8443,7654,9464');
  });
});

describe('Services', () => {
  it('the app Service targets the app port', async () => {
    const { docs } = await wiring({ set: { 'app.port': 3000, 'service.port': 8080 } });
    expect(one<IService>(docs, 'Service', 'web-podwarden').spec?.ports).toEqual([{ name: 'http', port: 8080, targetPort: 3000, protocol: 'TCP' }]);
  });

  it('the metrics Service publishes the metrics port only, by number; no Service publishes the health port', async () => {
    const { docs } = await wiring();
    expect(one<IService>(docs, 'Service', '-metrics').spec?.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 9464, protocol: 'TCP' }]);
    for (const file of ciValuesFiles()) {
      for (const service of objectsOfKind<IService>(render({ valuesFiles: [file] }).docs, 'Service')) {
        for (const port of service.spec?.ports ?? []) expect([port.port, port.targetPort], `${file}: Service ${service.metadata?.name}`).not.toContain(7654);
      }
    }
  });

  it('refuses /metrics on the health port while anything scrapes it', () => {
    const message = 'podwarden: config.server.metricsPort is not set or equals config.server.port, but the metrics Service, a monitor or the NetworkPolicy needs /metrics on a port of its own';
    expect(renderError({ extraArgs: ['--set', 'config.server.metricsPort=null'] })).toContain(message);
    expect(renderError({ set: { 'config.server.metricsPort': 7654 } })).toContain(message);
    const quiet = { 'config.server.metricsPort': 7654, 'metrics.service.enabled': false };
    expect(one<IDeployment>(render({ set: quiet }).docs, 'Deployment').spec?.template.spec?.initContainers?.[0]?.ports).toEqual([{ name: 'podwarden', containerPort: 7654, protocol: 'TCP' }]);
  });
});

describe('ServiceAccount and PodDisruptionBudget', () => {
  it('runs the pod under its own ServiceAccount without an API token', async () => {
    const { docs, spec } = await wiring();
    const account = one<IServiceAccount>(docs, 'ServiceAccount');
    expect(spec.serviceAccountName).toBe(account.metadata?.name);
    expect(account.automountServiceAccountToken).toBe(false);
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  it('allows one pod down by default, or keeps minAvailable', async () => {
    expect(one<IPodDisruptionBudget>((await wiring()).docs, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    const pdb = one<IPodDisruptionBudget>((await wiring({ valuesFiles: ['container-values.yaml'] })).docs, 'PodDisruptionBudget');
    expect(pdb.spec?.minAvailable).toBe(2);
    expect(pdb.spec?.maxUnavailable).toBeUndefined();
  });

  it('uses minAvailable instead of maxUnavailable when both are set', async () => {
    const pdb = one<IPodDisruptionBudget>((await wiring({ set: { 'pdb.minAvailable': '50%' } })).docs, 'PodDisruptionBudget');
    expect(pdb.spec).toMatchObject({ minAvailable: '50%' });
    expect(pdb.spec?.maxUnavailable).toBeUndefined();
  });
});

describe('NetworkPolicy', () => {
  it('has one rule per port: scrapers and the helm test to the metrics port, nobody but the node to the health port, everyone to the app', async () => {
    const { docs } = await wiring({ set: { 'networkPolicy.enabled': true } });
    const policy = one<INetworkPolicy>(docs, 'NetworkPolicy');
    const testPod = one<IPod>(docs, 'Pod');
    expect(policy.spec?.ingress).toEqual([
      {
        ports: [{ port: 9464, protocol: 'TCP' }],
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }, { podSelector: { matchLabels: testPod.metadata?.labels } }],
      },
      { ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  it('admits networkPolicy.healthFrom to the health port, in a rule of its own', async () => {
    const { docs } = await wiring({ valuesFiles: ['aws-profile-values.yaml'] });
    const rules = one<INetworkPolicy>(docs, 'NetworkPolicy').spec?.ingress ?? [];
    expect(rules[1]).toEqual({ ports: [{ port: 7654, protocol: 'TCP' }], from: [{ ipBlock: { cidr: '10.0.0.0/16' } }] });
    expect(rules[0]?.ports).toEqual([{ port: 9464, protocol: 'TCP' }]);
  });

  it('refuses to render around an existing workload without the workload ports', () => {
    expect(renderError({ set: { 'app.enabled': false, 'podSelector.app': 'shop', 'networkPolicy.enabled': true } })).toContain('networkPolicy.enabled with app.enabled=false needs networkPolicy.appPorts');
  });
});

describe('helm test', () => {
  it('fetches /metrics through the metrics Service on the metrics port', async () => {
    const { docs } = await wiring();
    const pod = one<IPod>(docs, 'Pod');
    expect(pod.metadata?.name).toBe('web-podwarden-test-metrics');
    expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    const command = pod.spec?.containers[0]?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    const service = one<IService>(docs, 'Service', '-metrics');
    expect(command.at(-1)).toBe(`http://${service.metadata?.name}:9464/metrics`);
    expect(service.spec?.ports?.map((p) => p.port)).toEqual([9464]);
  });
});

describe('the example values in the chart', () => {
  it('keeps the podwarden image tag equal to the appVersion', async () => {
    const { sidecar } = await wiring();
    const chart = parseYaml((await import('node:fs')).readFileSync(new URL('../../charts/podwarden/Chart.yaml', import.meta.url), 'utf8')) as { appVersion: string };
    expect(sidecar.image).toBe(`ghcr.io/podwarden/podwarden:${chart.appVersion}`);
    expect(chart.appVersion).toBe('0.2.0');
  });

  it('lists every object it renders with the recommended labels', () => {
    const { docs } = render({ valuesFiles: ['native-monitors-values.yaml'] });
    for (const doc of docs as K8sObject[]) {
      expect(doc.metadata.labels?.['app.kubernetes.io/instance'], `${doc.kind} ${doc.metadata.name}`).toBe('web');
    }
  });
});
