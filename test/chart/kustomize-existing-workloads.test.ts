/**
 * deploy/kustomize/existing-workloads: the component added to workloads that have a
 * grace period, an init container, a postStart hook and probes of their own, and a
 * StatefulSet whose app is not its first container. What each had stays; what
 * podwarden needs is added beside it. Built with the real `kubectl kustomize`, every
 * object validated.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IContainer } from 'kubernetes-models/v1';
import { type Workload, build, buildError, configTextOf, container, copy, editYaml, overlays, removeCopies, sourceDocs, timingRuleBreaks, token, workload } from './kustomize-build.js';
import { type K8sObject, envValue, httpGetOf, loadRenderedConfig, objectsOfKind, podwardenContainer, repoRoot } from './support.js';

afterAll(removeCopies);

const workloads = 'deploy/kustomize/existing-workloads/workloads';
const ordersBefore = (): Workload => workload(sourceDocs(`${workloads}/deployment.yaml`), 'Deployment', 'orders');
const ledgerBefore = (): Workload => workload(sourceDocs(`${workloads}/statefulset.yaml`), 'StatefulSet', 'ledger');

/** podwarden's parts on an app container: probes on its port, the preStop /drain with the token. */
function expectWired(app: IContainer, port: number): void {
  expect(httpGetOf(app.startupProbe, `${app.name} startupProbe`)).toEqual({ path: '/startupz', port });
  expect(httpGetOf(app.readinessProbe, `${app.name} readinessProbe`)).toEqual({ path: '/readyz', port });
  expect(app.lifecycle?.preStop).toEqual({ httpGet: { path: '/drain', port, scheme: 'HTTP', httpHeaders: [{ name: 'Authorization', value: `Bearer ${token}` }] } });
}

describe('adopting existing workloads', () => {
  it('replaces the config from the overlay (configMapGenerator behavior: replace); the name keeps a content hash the volumes follow', async () => {
    const root = copy();
    const docs = build(path.join(root, overlays.existing));
    const configMaps = objectsOfKind<K8sObject>(docs, 'ConfigMap');
    expect(configMaps.map((c) => c.metadata.name)).toEqual([expect.stringMatching(/^podwarden-config-[a-z0-9]{10}$/)]);
    const ownConfig = readFileSync(path.join(repoRoot, overlays.existing, 'podwarden.yaml'), 'utf8');
    for (const [kind, name] of [['Deployment', 'orders'], ['StatefulSet', 'ledger']] as const) {
      const spec = workload(docs, kind, name).spec.template.spec;
      expect(spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name).toBe(configMaps[0]?.metadata.name);
      expect(configTextOf(docs, spec)).toBe(ownConfig);
    }
    const config = await loadRenderedConfig(ownConfig, { PODWARDEN_DRAIN_TOKEN: token });
    expect(config.services.map((s) => ('url' in s ? s.url : undefined))).toEqual(['http://127.0.0.1:8080/ready']);
    // Another config, another name: a change rolls the pods.
    const example = objectsOfKind<K8sObject>(build(path.join(root, overlays.example)), 'ConfigMap');
    expect(example[0]?.metadata.name).not.toBe(configMaps[0]?.metadata.name);
  });

  it("keeps each workload's grace period; with orders' maxHold patch the drain timing holds by the rule for both, without it not for orders", async () => {
    const root = copy();
    const docs = build(path.join(root, overlays.existing));
    const orders = workload(docs, 'Deployment', 'orders').spec.template.spec;
    const ledger = workload(docs, 'StatefulSet', 'ledger').spec.template.spec;
    expect(orders.terminationGracePeriodSeconds).toBe(90);
    expect(orders.terminationGracePeriodSeconds).toBe(ordersBefore().spec.template.spec.terminationGracePeriodSeconds);
    expect(ledger.terminationGracePeriodSeconds).toBeUndefined();
    expect(envValue(podwardenContainer(orders).container, 'PODWARDEN_DRAIN_MAX_HOLD')).toBe('76s');
    expect(envValue(podwardenContainer(ledger).container, 'PODWARDEN_DRAIN_MAX_HOLD')).toBeUndefined();
    expect(await timingRuleBreaks(docs, orders, container(orders, 'orders'))).toEqual([]);
    expect(await timingRuleBreaks(docs, ledger, container(ledger, 'ledger'))).toEqual([]);
    // Without the patch, podwarden would let a drain go after 16 s of orders' 90 s.
    editYaml(path.join(root, overlays.existing, 'kustomization.yaml'), (k) => delete k.patches);
    const unpatched = build(path.join(root, overlays.existing));
    const spec = workload(unpatched, 'Deployment', 'orders').spec.template.spec;
    expect(await timingRuleBreaks(unpatched, spec, container(spec, 'orders'))).toEqual(['maxHold 16000ms < grace 90000ms - drainDelay 14000ms']);
  });

  it("merges the preStop into the app's lifecycle: its postStart, livenessProbe and the rest stay; the probes are podwarden's, whole", () => {
    const docs = build(path.join(copy(), overlays.existing));
    const before = container(ordersBefore().spec.template.spec, 'orders');
    const app = container(workload(docs, 'Deployment', 'orders').spec.template.spec, 'orders');
    expectWired(app, 7654);
    expect(app.lifecycle?.postStart).toEqual(before.lifecycle?.postStart);
    expect(app.livenessProbe).toEqual(before.livenessProbe);
    // The app's own readiness probe (periodSeconds 5) is replaced, not merged: podwarden checks /ready instead.
    expect(app.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 7654 }, initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 2, successThreshold: 1, failureThreshold: 2 });
    const { startupProbe, readinessProbe, lifecycle, ...rest } = app;
    const { startupProbe: _s, readinessProbe: _r, lifecycle: _l, ...restBefore } = before;
    expect([startupProbe, readinessProbe, lifecycle]).not.toContain(undefined);
    expect(rest).toEqual(restBefore);
  });

  it("puts podwarden after the workload's init containers; podwarden-first moves it before them, and stops a build where it is not where expected", () => {
    const root = copy();
    const before = ordersBefore().spec.template.spec.initContainers ?? [];
    const orders = workload(build(path.join(root, overlays.existing)), 'Deployment', 'orders').spec.template.spec;
    expect(orders.initContainers?.map((c) => c.name)).toEqual(['migrate', 'podwarden']);
    expect(orders.initContainers?.[0]).toEqual(before[0]);
    const first = workload(build(path.join(root, overlays.podwardenFirst)), 'Deployment', 'orders').spec.template.spec;
    expect(first.initContainers?.map((c) => c.name)).toEqual(['podwarden', 'migrate']);
    expect(first.initContainers?.[0]).toEqual(orders.initContainers?.[1]);
    // orders without its init container: podwarden is at index 0, and both index-keyed patches refuse.
    editYaml(path.join(root, workloads, 'deployment.yaml'), (d) => delete (d as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec.initContainers);
    expect(buildError(path.join(root, overlays.podwardenFirst))).toContain('test operation does not apply: is missing path: /spec/template/spec/initContainers/1/name');
    expect(buildError(path.join(root, overlays.existing))).toContain('test operation does not apply: is missing path: /spec/template/spec/initContainers/1/name');
  });

  it('wires a StatefulSet: podwarden beside it, its probes and preStop on the container the overlay names, its first container left as it was', () => {
    const root = copy();
    const docs = build(path.join(root, overlays.existing));
    const ledger = workload(docs, 'StatefulSet', 'ledger');
    const before = ledgerBefore();
    const spec = ledger.spec.template.spec;
    const { container: sidecar, place } = podwardenContainer(spec);
    expect(place).toBe('initContainers');
    expect(sidecar.restartPolicy).toBe('Always');
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toBe(token);
    expect(spec.volumes?.map((v) => v.name)).toEqual(['podwarden-config', 'podwarden-state']);
    expectWired(container(spec, 'ledger'), 7654);
    expect(container(spec, 'exporter')).toEqual(container(before.spec.template.spec, 'exporter'));
    expect(ledger.spec.volumeClaimTemplates).toEqual(before.spec.volumeClaimTemplates);
    // The label alone keeps containers[0] free; without the overlay's replacements no container is wired.
    editYaml(path.join(root, overlays.existing, 'kustomization.yaml'), (k) => delete k.replacements);
    const unnamed = workload(build(path.join(root, overlays.existing)), 'StatefulSet', 'ledger').spec.template.spec;
    expect(unnamed.containers).toEqual(before.spec.template.spec.containers);
    expect(podwardenContainer(unnamed).place).toBe('initContainers');
  });
});
