import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ciValuesFiles, customResourceKinds, helm, one, podSpecOf, podwardenContainer, render, renderError, repoRoot, validateObject, chartDir, ciValuesDir } from './support.js';

const matrix = ciValuesFiles();

describe('the values matrix', () => {
  it('covers both sidecar modes, monitors on and off, an existing workload, the timing profiles that change the pod, autoscaling and the pod extras', () => {
    expect(matrix).toEqual(
      expect.arrayContaining([
        'autoscaling-values.yaml',
        'pod-extras-values.yaml',
        'aws-profile-values.yaml',
        'external-traffic-local-values.yaml',
        'default-values.yaml',
        'native-monitors-values.yaml',
        'container-values.yaml',
        'container-podmonitor-values.yaml',
        'native-metrics-port-values.yaml',
        'existing-workload-values.yaml',
      ]),
    );
  });
});

describe.each(matrix)('values %s', (valuesFile) => {
  it('passes helm lint --strict', () => {
    const result = helm(['lint', chartDir, '--strict', '--values', path.join(ciValuesDir, valuesFile)]);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    // Lint renders with `fail` made non-fatal: a refusal would only show as a log line.
    expect(result.stderr + result.stdout).not.toMatch(/funcMap fail|\[WARNING\]|\[ERROR\]/);
    expect(result.code).toBe(0);
  });

  it('renders only objects that validate against the Kubernetes schemas, with no unknown fields', () => {
    const { docs } = render({ valuesFiles: [valuesFile] });
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.metadata.name.length, `${doc.kind} ${doc.metadata.name}`).toBeLessThanOrEqual(63);
      expect(doc.metadata.namespace, `${doc.kind} ${doc.metadata.name} has a namespace`).toBe('shop');
      expect(() => validateObject(doc)).not.toThrow();
    }
  });

  it('renders byte-identical output twice (a stable drain token and checksum)', () => {
    const first = render({ valuesFiles: [valuesFile] }).text;
    const second = render({ valuesFiles: [valuesFile] }).text;
    expect(second).toBe(first);
  });
});

describe('what the matrix renders', () => {
  const kindsOf = (file: string) => render({ valuesFiles: [file] }).docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();

  it('renders the app, its Service, the metrics Service, PDB, ServiceAccount, ConfigMap and the helm test by default', () => {
    expect(kindsOf('default-values.yaml')).toEqual(
      [
        'ConfigMap/web-podwarden-config',
        'Deployment/web-podwarden',
        'PodDisruptionBudget/web-podwarden',
        'Pod/web-podwarden-test-metrics',
        'Service/web-podwarden',
        'Service/web-podwarden-metrics',
        'ServiceAccount/web-podwarden',
      ].sort(),
    );
  });

  it('adds the ServiceMonitor, PrometheusRule, dashboard and NetworkPolicy when they are switched on', () => {
    expect(kindsOf('native-monitors-values.yaml')).toEqual(
      expect.arrayContaining([
        'ServiceMonitor/web-podwarden',
        'PrometheusRule/web-podwarden',
        'ConfigMap/web-podwarden-dashboard',
        'NetworkPolicy/web-podwarden',
      ]),
    );
  });

  it('renders no workload of its own with app.enabled=false, only what podwarden needs around one', () => {
    const kinds = kindsOf('existing-workload-values.yaml');
    expect(kinds.filter((k) => /^(Deployment|PodDisruptionBudget|ServiceAccount)\//.test(k))).toEqual([]);
    expect(kinds).not.toContain('Service/web-podwarden');
    expect(kinds).toEqual(expect.arrayContaining(['ConfigMap/web-podwarden-config', 'Service/web-podwarden-metrics', 'ServiceMonitor/web-podwarden']));
  });

  it('puts podwarden where the mode says', () => {
    const place = (file: string) => podwardenContainer(podSpecOf(one<IDeployment>(render({ valuesFiles: [file] }).docs, 'Deployment'))).place;
    expect(place('default-values.yaml')).toBe('initContainers');
    expect(place('native-monitors-values.yaml')).toBe('initContainers');
    expect(place('container-values.yaml')).toBe('containers');
    expect(place('container-podmonitor-values.yaml')).toBe('containers');
  });

  it('knows every kind it renders (custom resources are checked by hand in chart-monitoring)', () => {
    const all = matrix.flatMap((file) => render({ valuesFiles: [file] }).docs);
    const crds = all.filter((d) => customResourceKinds.has(`${d.apiVersion}/${d.kind}`)).map((d) => d.kind);
    expect(new Set(crds)).toEqual(new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule']));
  });
});

describe('without drain.token', () => {
  const message =
    'podwarden: drain.token is not set. /drain needs a token that only you know, and the chart cannot make one: every render must be the same, and whatever it derived from the release, the namespace or the chart would be public. Make one with `openssl rand -hex 32` and keep it in your values as drain.token (or --set drain.token=...); see docs/helm.md, "The drain token".';

  it('the default render fails with one message that names drain.token and how to make one, as docs/helm.md shows it', () => {
    const stderr = renderError({ withToken: false });
    const line = `Error: execution error at (podwarden/templates/validate/values.yaml:2:4): ${message}`;
    expect(stderr.split('\n')[0]).toBe(line);
    expect(stderr.match(/podwarden: /g)).toHaveLength(1);
    expect(readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8')).toContain(`\n${line}\n`);
  });

  it('helm lint logs the same message (helm lint renders with `fail` made non-fatal, so it still exits 0)', () => {
    const result = helm(['lint', chartDir]);
    expect(result.stdout + result.stderr).toContain(`msg="funcMap fail" message="${message.replaceAll('"', '\\"')}"`);
  });

  it('an existing workload needs it too (its pods get the preStop hook from the named templates)', () => {
    expect(renderError({ withToken: false, set: { 'app.enabled': false, 'podSelector.app': 'shop' } })).toContain(message);
  });

  it('refuses a token shorter than 32 characters', () => {
    expect(renderError({ set: { 'drain.token': 'changeme' } })).toContain('podwarden: drain.token has 8 characters; use at least 32 that only you know, such as the output of `openssl rand -hex 32`.');
  });
});

describe('Chart.yaml', () => {
  it('is chart version 0.2.0', () => {
    expect(helm(['show', 'chart', chartDir]).stdout).toMatch(/^version: 0\.2\.0$/m);
  });

  it('refuses a cluster older than Kubernetes 1.25', () => {
    expect(renderError({ set: { 'sidecar.mode': 'container' }, extraArgs: ['--kube-version', '1.24.17'] })).toMatch(/chart requires kubeVersion: >=1\.25\.0-0 which is incompatible with Kubernetes v1\.24\.17/);
    expect(render({ set: { 'sidecar.mode': 'container' }, extraArgs: ['--set', 'pdb.unhealthyPodEvictionPolicy=null', '--kube-version', '1.25.0'] }).docs.length).toBeGreaterThan(0);
  });
});

describe('the schema check in the test itself', () => {
  it('catches a field Kubernetes does not know', () => {
    const { docs } = render();
    const deployment = one<IDeployment>(docs, 'Deployment');
    const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { initContainers: Array<Record<string, unknown>> } } } };
    const init = broken.spec.template.spec.initContainers[0]!;
    init.restartpolicy = init.restartPolicy;
    delete init.restartPolicy;
    expect(() => validateObject(broken as never)).toThrow(/fields Kubernetes does not know: \.spec\.template\.spec\.initContainers\[0\]\.restartpolicy/);
  });

  it('catches a wrong type', () => {
    const { docs } = render();
    const deployment = structuredClone(one<IDeployment>(docs, 'Deployment')) as unknown as { spec: { replicas: unknown } };
    deployment.spec.replicas = 'two';
    expect(() => validateObject(deployment as never)).toThrow(/replicas must be integer/);
  });
});
