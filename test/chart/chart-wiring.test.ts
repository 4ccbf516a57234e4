import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap, IContainer, IPod, IService, IServiceAccount } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseConfig } from '../../src/config/load-config.js';
import {
  type K8sObject,
  type RenderOptions,
  ciValuesFiles,
  derivedToken,
  envValue,
  httpGetOf,
  objectsOfKind,
  one,
  podSpecOf,
  podwardenContainer,
  render,
  renderError,
  selects,
  sha256,
} from './support.js';

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
  const env: NodeJS.ProcessEnv = {};
  for (const e of sidecar.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const config = await parseConfig(configText, { env, file: '/etc/podwarden/podwarden.yaml' });
  return { docs, deployment, spec, sidecar, place, app, configMap, configText, config };
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

  it("probes, preStop and container ports all use podwarden's configured port", async () => {
    const { sidecar, app, config } = await wiring({ valuesFiles: [valuesFile] });
    const port = config.server.port;
    expect(httpGetOf(app.startupProbe, 'app startupProbe')).toEqual({ path: '/startupz', port });
    expect(httpGetOf(app.readinessProbe, 'app readinessProbe')).toEqual({ path: '/readyz', port });
    expect(httpGetOf(app.livenessProbe, 'app livenessProbe')).toEqual({ path: '/livez', port });
    expect(httpGetOf(sidecar.startupProbe, 'podwarden startupProbe')).toEqual({ path: '/startupz/podwarden', port });
    expect(httpGetOf(sidecar.livenessProbe, 'podwarden livenessProbe')).toEqual({ path: '/livez/podwarden', port });
    expect(sidecar.readinessProbe).toBeUndefined();
    expect(app.lifecycle?.preStop?.httpGet).toMatchObject({ path: '/drain', port, scheme: 'HTTP' });
    const ports = (sidecar.ports ?? []).map((p) => p.containerPort);
    expect(ports).toContain(port);
    if (config.server.metricsPort !== null) expect(ports).toContain(config.server.metricsPort);
  });

  it('the preStop Bearer token is the token podwarden resolves', async () => {
    const { app, config } = await wiring({ valuesFiles: [valuesFile] });
    const header = app.lifecycle?.preStop?.httpGet?.httpHeaders?.find((h) => h.name === 'Authorization');
    expect(config.drain.token).toMatch(/^[0-9a-f]{32}$/);
    expect(header?.value).toBe(`Bearer ${config.drain.token}`);
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

  it('the grace period covers drainDelay + stopBudget + 5 s, and drainDelay covers endpoint propagation', async () => {
    const { spec, config } = await wiring({ valuesFiles: [valuesFile] });
    expect((spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(config.shutdown.drainDelay + config.shutdown.stopBudget + 5000);
    expect(config.shutdown.drainDelay).toBeGreaterThanOrEqual(7000);
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
          failureThreshold: n++,
        };
        if (probe !== 'readiness') fields.terminationGracePeriodSeconds = n++;
        for (const [field, value] of Object.entries(fields)) set[`${who}.probes.${probe}.${field}`] = value;
        expected[`${who}.${probe}`] = fields;
      }
    }
    const { app, sidecar } = await wiring({ set: { ...set, 'config.shutdown.drainDelay': '40s', terminationGracePeriodSeconds: 60 } });
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
  it('is derived from the namespace, the release and the salt, and handed to podwarden in PODWARDEN_DRAIN_TOKEN', async () => {
    const { sidecar, config } = await wiring({ release: 'shop', namespace: 'prod' });
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toBe(derivedToken('prod', 'shop'));
    expect(config.drain.token).toBe(derivedToken('prod', 'shop'));
  });

  it('changes with the release, the namespace and the salt', async () => {
    const token = async (options: RenderOptions) => (await wiring(options)).config.drain.token;
    const base = await token({ release: 'shop', namespace: 'prod' });
    const others = [
      await token({ release: 'shop2', namespace: 'prod' }),
      await token({ release: 'shop', namespace: 'staging' }),
      await token({ release: 'shop', namespace: 'prod', set: { 'drain.tokenSalt': 'rotated-2024' } }),
    ];
    for (const other of others) expect(other).not.toBe(base);
    expect(others[2]).toBe(derivedToken('prod', 'shop', 'rotated-2024'));
  });

  it('can be fixed with drain.token', async () => {
    const { app, config } = await wiring({ set: { 'drain.token': 'my-own-guard_42' } });
    expect(config.drain.token).toBe('my-own-guard_42');
    expect(app.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([{ name: 'Authorization', value: 'Bearer my-own-guard_42' }]);
  });

  it('has no preStop with app.preStop=false', async () => {
    const { app } = await wiring({ set: { 'app.preStop': false } });
    expect(app.lifecycle).toBeUndefined();
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
});

describe('mesh inbound-port exclusion', () => {
  it("is off by default", async () => {
    const { deployment } = await wiring();
    expect(Object.keys(deployment.spec?.template.metadata?.annotations ?? {})).toEqual(['checksum/podwarden-config']);
  });

  it("excludes podwarden's port(s) from Istio's inbound capture", async () => {
    const { deployment } = await wiring({ set: { 'mesh.excludeInboundPorts': true, 'config.server.metricsPort': 9464 } });
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
    expect(deployment.spec?.template.metadata?.annotations?.['config.linkerd.io/skip-inbound-ports']).toBe('8443,7654');
  });
});

describe('Services', () => {
  it('the app Service targets the app port', async () => {
    const { docs } = await wiring({ set: { 'app.port': 3000, 'service.port': 8080 } });
    expect(one<IService>(docs, 'Service', 'web-podwarden').spec?.ports).toEqual([{ name: 'http', port: 8080, targetPort: 3000, protocol: 'TCP' }]);
  });

  it('the metrics Service targets podwarden by port number, with a health port when /metrics has its own', async () => {
    const same = one<IService>((await wiring()).docs, 'Service', '-metrics');
    expect(same.spec?.ports).toEqual([{ name: 'metrics', port: 7654, targetPort: 7654, protocol: 'TCP' }]);
    const split = one<IService>((await wiring({ set: { 'config.server.metricsPort': 9464 } })).docs, 'Service', '-metrics');
    expect(split.spec?.ports).toEqual([
      { name: 'metrics', port: 9464, targetPort: 9464, protocol: 'TCP' },
      { name: 'health', port: 7654, targetPort: 7654, protocol: 'TCP' },
    ]);
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
  it("lets only scrapers and the helm test reach podwarden's ports, and everyone the app port", async () => {
    const { docs } = await wiring({ set: { 'networkPolicy.enabled': true, 'config.server.metricsPort': 9464 } });
    const policy = one<INetworkPolicy>(docs, 'NetworkPolicy');
    const [podwardenRule, appRule] = policy.spec?.ingress ?? [];
    expect(podwardenRule?.ports).toEqual([
      { port: 7654, protocol: 'TCP' },
      { port: 9464, protocol: 'TCP' },
    ]);
    const testPod = one<IPod>(docs, 'Pod');
    expect(podwardenRule?.from).toEqual([
      { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
      { podSelector: { matchLabels: testPod.metadata?.labels } },
    ]);
    expect(appRule).toEqual({ ports: [{ port: 8080, protocol: 'TCP' }] });
  });

  it('refuses to render around an existing workload without the workload ports', () => {
    expect(renderError({ set: { 'app.enabled': false, 'podSelector.app': 'shop', 'networkPolicy.enabled': true } })).toContain('networkPolicy.enabled with app.enabled=false needs networkPolicy.appPorts');
  });
});

describe('helm test', () => {
  it("checks /readyz through the metrics Service on podwarden's port", async () => {
    for (const set of [{}, { 'config.server.metricsPort': 9464 }] as Array<Record<string, number>>) {
      const { docs } = await wiring({ set });
      const pod = one<IPod>(docs, 'Pod');
      expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
      const url = pod.spec?.containers[0]?.command?.at(-1);
      const service = one<IService>(docs, 'Service', '-metrics');
      expect(url).toBe(`http://${service.metadata?.name}:7654/readyz?verbose`);
      expect(service.spec?.ports?.map((p) => p.port)).toContain(7654);
    }
  });
});

describe('the example values in the chart', () => {
  it('keeps the podwarden image tag equal to the appVersion', async () => {
    const { sidecar } = await wiring();
    const chart = parseYaml((await import('node:fs')).readFileSync(new URL('../../charts/podwarden/Chart.yaml', import.meta.url), 'utf8')) as { appVersion: string };
    expect(sidecar.image).toBe(`ghcr.io/podwarden/podwarden:${chart.appVersion}`);
  });

  it('lists every object it renders with the recommended labels', () => {
    const { docs } = render({ valuesFiles: ['native-monitors-values.yaml'] });
    for (const doc of docs as K8sObject[]) {
      expect(doc.metadata.labels?.['app.kubernetes.io/instance'], `${doc.kind} ${doc.metadata.name}`).toBe('web');
    }
  });
});
