import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import { type PodMonitor, type PrometheusRule, type Rule, type Endpoint, type ServiceMonitor, dashboardOf, rulesOf } from './monitoring-objects.js';
import { one, podSpecOf, podwardenContainer, promtool, render, selects } from './support.js';

const promDuration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const keepsName = [
  { sourceLabels: ['exported_name'], regex: '(.+)', targetLabel: 'name', replacement: '$1', action: 'replace' },
  { regex: 'exported_name', action: 'labeldrop' },
];

function checkEndpoint(endpoint: Endpoint | undefined, honorLabels: boolean): void {
  expect(endpoint).toBeDefined();
  expect(endpoint?.path).toBe('/metrics');
  expect(endpoint?.scheme).toBe('http');
  expect(endpoint?.interval).toMatch(promDuration);
  expect(endpoint?.scrapeTimeout).toMatch(promDuration);
  expect(endpoint?.honorLabels).toBe(honorLabels);
  // Without honorLabels, a target label `name` would push podwarden's to `exported_name`; the chart moves it back.
  if (honorLabels) expect(endpoint?.metricRelabelings).toBeUndefined();
  else expect(endpoint?.metricRelabelings?.slice(0, 2)).toEqual(keepsName);
}

describe('ServiceMonitor', () => {
  it('scrapes the metrics Service of this release, keeping the name label (honorLabels)', () => {
    const { docs } = render({ valuesFiles: ['native-monitors-values.yaml'] });
    const monitor = one<ServiceMonitor>(docs, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['shop'] });
    const service = one<IService>(docs, 'Service', '-metrics');
    const appService = one<IService>(docs, 'Service', 'web-podwarden');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata?.labels as Record<string, string>)).toBe(true);
    expect(selects(monitor.spec.selector.matchLabels, appService.metadata?.labels as Record<string, string>)).toBe(false);
    expect(monitor.spec.endpoints).toHaveLength(1);
    const endpoint = monitor.spec.endpoints[0];
    expect(service.spec?.ports?.find((p) => p.name === endpoint?.port)?.port).toBe(9464);
    checkEndpoint(endpoint, true);
  });

  it('moves exported_name back to name when honorLabels is off, and scrapes the separate metrics port', () => {
    const { docs } = render({ valuesFiles: ['native-metrics-port-values.yaml'] });
    const monitor = one<ServiceMonitor>(docs, 'ServiceMonitor');
    const service = one<IService>(docs, 'Service', '-metrics');
    expect(service.spec?.ports?.find((p) => p.name === monitor.spec.endpoints[0]?.port)?.targetPort).toBe(9464);
    checkEndpoint(monitor.spec.endpoints[0], false);
  });

  it("appends the user's metricRelabelings after the chart's", () => {
    const { docs } = render({
      set: { 'metrics.serviceMonitor.enabled': true, 'metrics.serviceMonitor.honorLabels': false, 'metrics.serviceMonitor.metricRelabelings[0].action': 'labeldrop', 'metrics.serviceMonitor.metricRelabelings[0].regex': 'code' },
    });
    expect(one<ServiceMonitor>(docs, 'ServiceMonitor').spec.endpoints[0]?.metricRelabelings).toEqual([...keepsName, { action: 'labeldrop', regex: 'code' }]);
  });

  it("selects an existing workload's pods through podSelector", () => {
    const { docs } = render({ valuesFiles: ['existing-workload-values.yaml'] });
    expect(one<IService>(docs, 'Service', '-metrics').spec?.selector).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'web' });
  });

  it('without podSelector, selects the label the named template podwarden.podLabels puts on the workload\'s pods', () => {
    const { docs } = render({ set: { 'app.enabled': false, 'metrics.serviceMonitor.enabled': true } });
    expect(one<IService>(docs, 'Service', '-metrics').spec?.selector).toEqual({ 'podwarden/instance': 'web-podwarden' });
  });
});

describe('PodMonitor', () => {
  it("scrapes podwarden's container port by name on this release's pods", () => {
    const { docs } = render({ valuesFiles: ['container-podmonitor-values.yaml'] });
    const monitor = one<PodMonitor>(docs, 'PodMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['shop'] });
    const deployment = one<IDeployment>(docs, 'Deployment');
    expect(selects(monitor.spec.selector.matchLabels, deployment.spec?.template.metadata?.labels)).toBe(true);
    const { container } = podwardenContainer(podSpecOf(deployment));
    const endpoint = monitor.spec.podMetricsEndpoints[0];
    expect(container.ports?.find((p) => p.name === endpoint?.port)?.containerPort).toBe(9464);
    checkEndpoint(endpoint, false);
  });

  it('scrapes the metrics port by default, never the health port', () => {
    const { docs } = render({ set: { 'metrics.podMonitor.enabled': true } });
    const endpoint = one<PodMonitor>(docs, 'PodMonitor').spec.podMetricsEndpoints[0];
    expect(endpoint?.port).toBe('pw-metrics');
    checkEndpoint(endpoint, true);
  });
});

function writeRuleFile(rule: PrometheusRule, transform: (r: Rule) => Rule = (r) => r): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-rules-'));
  const file = path.join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: rule.spec.groups.map((g) => ({ ...g, rules: g.rules.map(transform) })) }));
  return { dir, file };
}

describe('PrometheusRule', () => {
  const expectedAlerts = ['PodwardenServiceNotReady', 'PodwardenServiceRestarting', 'PodwardenServiceSlowStart', 'PodwardenKubeletNotProbing', 'PodwardenDrainRejected'];

  it('has the alerts, each with a severity, a summary and a description', () => {
    const rule = rulesOf({ valuesFiles: ['native-monitors-values.yaml'] });
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.spec.groups).toHaveLength(1);
    const rules = rule.spec.groups[0]?.rules ?? [];
    expect(rules.map((r) => r.alert)).toEqual(expectedAlerts);
    for (const r of rules) {
      expect(r.labels.severity, r.alert).toMatch(/^(warning|info|critical)$/);
      expect(r.annotations.summary, r.alert).toContain('{{ $labels.pod }}');
      expect(r.annotations.description?.length, r.alert).toBeGreaterThan(80);
      if (r.for !== undefined) expect(r.for).toMatch(promDuration);
      // Every series is limited to this release's scrape jobs.
      expect(r.expr).toContain('namespace="shop", job=~"web-podwarden-metrics|shop/web-podwarden"');
    }
  });

  for (const valuesFile of ['native-monitors-values.yaml', 'container-podmonitor-values.yaml', 'native-metrics-port-values.yaml', 'existing-workload-values.yaml']) {
    it(`passes promtool check rules (${valuesFile})`, () => {
      const { file } = writeRuleFile(rulesOf({ valuesFiles: [valuesFile] }));
      const result = promtool(['check', 'rules', file]);
      expect(result.stdout + result.stderr).toContain('SUCCESS: 5 rules found');
      expect(result.code).toBe(0);
    });
  }

  it('uses the configured metric prefix', () => {
    const rules = rulesOf({ valuesFiles: ['native-metrics-port-values.yaml'] }).spec.groups[0]?.rules ?? [];
    for (const r of rules) {
      expect(r.expr).toMatch(/shop_pw_/);
      expect(r.expr).not.toMatch(/podwarden_/);
    }
  });

  it('takes thresholds, severities and extra labels from the values', () => {
    const rules =
      rulesOf({
        set: {
          'metrics.prometheusRule.enabled': true,
          'metrics.prometheusRule.restarts.threshold': 7,
          'metrics.prometheusRule.restarts.window': '1h',
          'metrics.prometheusRule.notReady.for': '30m',
          'metrics.prometheusRule.notReady.severity': 'critical',
          'metrics.prometheusRule.alertLabels.team': 'shop',
          'metrics.prometheusRule.selector': 'cluster="eu1"',
        },
      }).spec.groups[0]?.rules ?? [];
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('PodwardenServiceRestarting')?.expr).toBe('sum by (namespace, pod, name) (increase(podwarden_service_restarts_total{cluster="eu1"}[1h])) > 7');
    expect(byName.get('PodwardenServiceNotReady')).toMatchObject({ for: '30m', labels: { severity: 'critical', team: 'shop' } });
  });

  /**
   * The alerts' logic, run by promtool's rule unit tests on synthetic series.
   * Annotations are dropped for this (promtool compares them verbatim; their
   * templates are checked by `promtool check rules` above).
   */
  it('fires the right alerts on synthetic series (promtool test rules)', () => {
    const rule = rulesOf({ set: { 'metrics.prometheusRule.enabled': true } });
    const { dir } = writeRuleFile(rule, ({ annotations: _annotations, ...rest }) => ({ ...rest, annotations: {} }));
    const target = 'namespace="shop", job="web-podwarden-metrics"';
    const series = (name: string, labels: string, values: string) => ({ series: `${name}{${target}, ${labels}}`, values });
    const alert = (pod: string, extra: Record<string, string> = {}, severity = 'warning') => ({ exp_labels: { severity, namespace: 'shop', pod, ...extra } });
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // web-1: app stops being ready at minute 5; web-2 stays ready.
            series('podwarden_service_ready', 'pod="web-1", name="app"', '1x4 0x40'),
            series('podwarden_service_ready', 'pod="web-2", name="app"', '1x45'),
            // web-1 restarts its worker every 2 minutes; web-2 once.
            series('podwarden_service_restarts_total', 'pod="web-1", name="worker"', '0+0.5x45'),
            series('podwarden_service_restarts_total', 'pod="web-2", name="worker"', '0x10 1x35'),
            // web-1 took 200 s to get ready, web-2 3 s; both became ready at t=0.
            series('podwarden_service_ready_duration_seconds', 'pod="web-1", name="app"', '200x45'),
            series('podwarden_service_ready_duration_seconds', 'pod="web-2", name="app"', '3x45'),
            series('podwarden_service_ready_timestamp_seconds', 'pod="web-1", name="app"', '0x45'),
            series('podwarden_service_ready_timestamp_seconds', 'pod="web-2", name="app"', '0x45'),
            // Both run; the kubelet probes web-1 only (web-2's probes point elsewhere).
            series('podwarden_server_phase', 'pod="web-1", phase="running"', '1x45'),
            series('podwarden_server_phase', 'pod="web-2", phase="running"', '1x45'),
            series('podwarden_probe_requests_total', 'pod="web-1", probe="readyz", code="200", agent="kube-probe"', '0+20x45'),
            series('podwarden_probe_requests_total', 'pod="web-2", probe="readyz", code="200", agent="kube-probe"', '0x45'),
            series('podwarden_probe_requests_total', 'pod="web-2", probe="metrics", code="200", agent="other"', '0+2x45'),
            // web-1 gets a /drain with a wrong token at minute 3; web-2 a good one.
            series('podwarden_drain_requests_total', 'pod="web-1", result="unauthorized"', '0x2 1x42'),
            series('podwarden_drain_requests_total', 'pod="web-2", result="drained"', '0x2 1x42'),
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'PodwardenServiceNotReady', exp_alerts: [] },
            { eval_time: '16m', alertname: 'PodwardenServiceNotReady', exp_alerts: [alert('web-1', { name: 'app' })] },
            { eval_time: '20m', alertname: 'PodwardenServiceRestarting', exp_alerts: [alert('web-1', { name: 'worker' })] },
            { eval_time: '20m', alertname: 'PodwardenServiceSlowStart', exp_alerts: [alert('web-1', { name: 'app' }, 'info')] },
            { eval_time: '10m', alertname: 'PodwardenKubeletNotProbing', exp_alerts: [] },
            { eval_time: '20m', alertname: 'PodwardenKubeletNotProbing', exp_alerts: [alert('web-2')] },
            { eval_time: '5m', alertname: 'PodwardenDrainRejected', exp_alerts: [alert('web-1')] },
            { eval_time: '30m', alertname: 'PodwardenDrainRejected', exp_alerts: [] },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, 'tests.yaml'), stringify(tests));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  it("is a ConfigMap with the Grafana sidecar's label and a dashboard that parses", () => {
    const { configMap, dashboard } = dashboardOf({ valuesFiles: ['native-monitors-values.yaml'] });
    expect(configMap.metadata?.labels?.grafana_dashboard).toBe('1');
    expect(dashboard.uid).toBe('podwarden');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'pod', 'name']);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of panels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it('goes to another namespace and gets folder annotations when asked', () => {
    const { configMap } = dashboardOf({ set: { 'metrics.dashboard.enabled': true, 'metrics.dashboard.namespace': 'monitoring', 'metrics.dashboard.annotations.grafana_folder': 'Platform' } });
    expect(configMap.metadata?.namespace).toBe('monitoring');
    expect(configMap.metadata?.annotations).toEqual({ grafana_folder: 'Platform' });
  });

  it('uses the configured metric prefix', () => {
    const { json } = dashboardOf({ valuesFiles: ['native-metrics-port-values.yaml'] });
    expect(json).not.toMatch(/podwarden_/);
    expect(json).toMatch(/shop_pw_service_ready\{/);
  });
});
