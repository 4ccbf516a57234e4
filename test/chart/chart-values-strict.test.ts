/**
 * Values that would be silently ignored are refused: a misspelt key anywhere in the values
 * (values.schema.json, additionalProperties false wherever the shape is the chart's), by
 * helm template and helm lint --strict alike; and what the cluster's Kubernetes version
 * cannot run (.Capabilities.KubeVersion, --kube-version here).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { chartDir, helm, one, podSpecOf, podwardenContainer, render, renderError, testToken, validateObject } from './support.js';

/** A values file holding `values` and the test token. */
function valuesFile(values: object): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'podwarden-typo-')), 'values.yaml');
  writeFileSync(file, stringify({ drain: { token: testToken }, ...values }));
  return file;
}

const typos: Array<[string, object, RegExp]> = [
  ['a top-level value', { replicaCont: 3 }, /at '': additional properties 'replicaCont' not allowed/],
  ['resources.limit (for limits) of podwarden', { sidecar: { resources: { limit: { memory: '1Gi' } } } }, /at '\/sidecar\/resources': additional properties 'limit' not allowed/],
  ['resources.request (for requests) of the app', { app: { resources: { request: { cpu: '1' } } } }, /at '\/app\/resources': additional properties 'request' not allowed/],
  ['an autoscaling target', { autoscaling: { targetCPUUtilization: 50 } }, /at '\/autoscaling': additional properties 'targetCPUUtilization' not allowed/],
  ['the rolling update', { strategy: { rollingUpdate: { maxSurg: 2 } } }, /at '\/strategy\/rollingUpdate': additional properties 'maxSurg' not allowed/],
  ['a strategy type', { strategy: { type: 'BlueGreen' } }, /at '\/strategy\/type': value must be one of 'RollingUpdate', 'Recreate'/],
  ['the Service node port', { service: { nodeport: 30080 } }, /at '\/service': additional properties 'nodeport' not allowed/],
  ['the PDB eviction policy', { pdb: { unhealthyPodEvictionpolicy: 'AlwaysAllow' } }, /at '\/pdb': additional properties 'unhealthyPodEvictionpolicy' not allowed/],
  ['the helm test image digest', { tests: { image: { digets: 'sha256:x' } } }, /at '\/tests\/image': additional properties 'digets' not allowed/],
  ['a lifecycle hook of the app', { app: { lifecycle: { postStrat: { exec: { command: ['true'] } } } } }, /at '\/app\/lifecycle': additional properties 'postStrat' not allowed/],
  ['a probe field four levels down', { app: { probes: { readiness: { periodSecond: 5 } } } }, /at '\/app\/probes\/readiness': additional properties 'periodSecond' not allowed/],
  ['a pull secret', { imagePullSecrets: [{ nmae: 'registry' }] }, /at '\/imagePullSecrets\/0'/],
  ['sidecar.args that are not strings', { sidecar: { args: [['--log-level', 'debug']] } }, /at '\/sidecar\/args\/0': got array, want string/],
  ['an extra container without a name', { extraContainers: [{ image: 'busybox' }] }, /at '\/extraContainers\/0': missing property 'name'/],
];

describe('values.schema.json refuses a misspelt key at every level', () => {
  it.each(typos)('%s: helm template', (_what, values, message) => {
    const stderr = renderError({ valuesFiles: [valuesFile(values)] });
    expect(stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(stderr).toMatch(message);
  });

  it.each(typos)('%s: helm lint --strict', (_what, values, message) => {
    const result = helm(['lint', chartDir, '--strict', '--values', valuesFile(values)]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(message);
  });

  it("keeps Kubernetes objects open inside: resource quantities, affinity, the HPA's behavior", () => {
    const { docs } = render({
      valuesFiles: [
        valuesFile({
          app: { resources: { requests: { cpu: '100m', 'nvidia.com/gpu': 1 }, limits: { memory: '1Gi' } } },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['web'] }] }] } } },
          autoscaling: { enabled: true, behavior: { scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } },
        }),
      ],
    });
    for (const doc of docs) validateObject(doc);
    expect(podSpecOf(one<IDeployment>(docs, 'Deployment')).containers[0]?.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi', 'nvidia.com/gpu': 1 }, limits: { memory: '1Gi' } });
  });
});

describe('the Kubernetes version', () => {
  const podwardenPlace = (kubeVersion: string, set: Record<string, string | number | boolean> = {}) => {
    const { docs } = render({ set, extraArgs: ['--kube-version', kubeVersion] });
    for (const doc of docs) validateObject(doc);
    return podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).place;
  };

  it('refuses native mode before 1.29, saying to use container mode', () => {
    expect(renderError({ extraArgs: ['--kube-version', '1.28.9'] })).toContain(
      'podwarden: sidecar.mode=native needs Kubernetes 1.29 or later (a native sidecar is an init container with restartPolicy Always), but the cluster is v1.28.9. Set sidecar.mode=container, a regular container (docs/helm.md, "Sidecar modes", says what it cannot guarantee), or upgrade the cluster.',
    );
    expect(podwardenPlace('1.29.0')).toBe('initContainers');
  });

  it('renders container mode on 1.27 and 1.28', () => {
    expect(podwardenPlace('1.27.16', { 'sidecar.mode': 'container' })).toBe('containers');
    expect(podwardenPlace('1.28.0', { 'sidecar.mode': 'container' })).toBe('containers');
  });

  it("refuses the node addresses (status.hostIPs) before 1.29, and takes CIDRs there", () => {
    const aws = { 'sidecar.mode': 'container', 'timing.profile': 'aws-load-balancer-controller' };
    expect(renderError({ set: aws, extraArgs: ['--kube-version', '1.28.3'] })).toContain(
      "podwarden: config.drain.allowFrom lists hostIPs (timing.profile aws-load-balancer-controller sets it unless config.drain.allowFrom is set), which podwarden reads from the downward API's status.hostIPs, new in Kubernetes 1.29; the cluster is v1.28.3.",
    );
    expect(podwardenPlace('1.28.3', { ...aws, 'config.drain.allowFrom[0]': '10.0.0.0/16' })).toBe('containers');
  });

  it('refuses pdb.unhealthyPodEvictionPolicy before 1.27, and renders without it', () => {
    expect(renderError({ set: { 'sidecar.mode': 'container' }, extraArgs: ['--kube-version', '1.26.15'] })).toContain(
      'podwarden: pdb.unhealthyPodEvictionPolicy (AlwaysAllow) needs Kubernetes 1.27 or later, but the cluster is v1.26.15, which would drop it. Set pdb.unhealthyPodEvictionPolicy=null',
    );
    const { docs } = render({ set: { 'sidecar.mode': 'container' }, extraArgs: ['--set', 'pdb.unhealthyPodEvictionPolicy=null', '--kube-version', '1.26.15'] });
    expect(one(docs, 'PodDisruptionBudget').spec).not.toHaveProperty('unhealthyPodEvictionPolicy');
  });

  it('refuses native mode before 1.29 around an existing workload too (the named templates render podwarden there)', () => {
    expect(renderError({ set: { 'app.enabled': false, 'podSelector.app': 'shop' }, extraArgs: ['--kube-version', '1.28.0'] })).toContain('podwarden: sidecar.mode=native needs Kubernetes 1.29 or later');
  });
});
