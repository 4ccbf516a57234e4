import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import { type PodMonitor, type PrometheusRule, type Rule, type Endpoint, type ServiceMonitor, dashboardOf, rulesOf } from './monitoring-objects.js';
import { one, podSpecOf, podwardenContainer, promtool, render, renderError, selects } from './support.js';

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
  const expectedAlerts = [
    'PodwardenServiceNotReady',
    'PodwardenServiceRestarting',
    'PodwardenServiceSlowStart',
    'PodwardenKubeletNotProbing',
    'PodwardenDrainRejected',
    'PodwardenDown',
    'PodwardenAbsent',
  ];

  it('has the alerts, each with a severity, a summary, a description and a runbook', () => {
    const rule = rulesOf({ valuesFiles: ['native-monitors-values.yaml'] });
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.spec.groups).toHaveLength(1);
    const rules = rule.spec.groups[0]?.rules ?? [];
    expect(rules.map((r) => r.alert)).toEqual(expectedAlerts);
    for (const r of rules) {
      expect(r.labels.severity, r.alert).toMatch(/^(warning|info|critical)$/);
      // PodwardenAbsent fires when there is no pod to name.
      if (r.alert === 'PodwardenAbsent') expect(r.annotations.summary).toBe('no podwarden target of web-podwarden in namespace shop is scraped');
      else expect(r.annotations.summary, r.alert).toContain('{{ $labels.pod }}');
      expect(r.annotations.description?.length, r.alert).toBeGreaterThan(80);
      expect(r.annotations.runbook_url, r.alert).toBe(`https://github.com/podwarden/podwarden/blob/main/docs/runbooks.md#${r.alert.toLowerCase()}`);
      if (r.for !== undefined) expect(r.for).toMatch(promDuration);
      // Every series is limited to this release's scrape jobs.
      expect(r.expr).toContain('namespace="shop", job=~"web-podwarden-metrics|shop/web-podwarden"');
    }
  });

  for (const valuesFile of ['native-monitors-values.yaml', 'container-podmonitor-values.yaml', 'native-metrics-port-values.yaml', 'existing-workload-values.yaml']) {
    it(`passes promtool check rules (${valuesFile})`, () => {
      const { file } = writeRuleFile(rulesOf({ valuesFiles: [valuesFile] }));
      const result = promtool(['check', 'rules', file]);
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${expectedAlerts.length} rules found`);
      expect(result.code).toBe(0);
    });
  }

  it('uses the configured metric prefix', () => {
    const rules = rulesOf({ valuesFiles: ['native-metrics-port-values.yaml'] }).spec.groups[0]?.rules ?? [];
    for (const r of rules) {
      // PodwardenDown and PodwardenAbsent read Prometheus's own `up`, which has no prefix.
      expect(r.expr).toMatch(['PodwardenDown', 'PodwardenAbsent'].includes(r.alert) ? /^(max by \(namespace, pod\) \(|absent\()up\{/ : /shop_pw_/);
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
    expect(byName.get('PodwardenAbsent')?.expr).toBe('absent(up{cluster="eu1"})');
  });

  it('points every runbook_url into the configured page, a trailing slash or not', () => {
    for (const base of ['https://wiki.example.com/ops/podwarden', 'https://wiki.example.com/ops/podwarden/']) {
      const rules = rulesOf({ set: { 'metrics.prometheusRule.enabled': true, 'metrics.prometheusRule.runbookBaseUrl': base } }).spec.groups[0]?.rules ?? [];
      expect(rules.map((r) => r.annotations.runbook_url)).toEqual(expectedAlerts.map((a) => `https://wiki.example.com/ops/podwarden#${a.toLowerCase()}`));
    }
  });

  it('refuses a runbookBaseUrl with a fragment or without a scheme', () => {
    for (const base of ['https://wiki.example.com/runbooks#top', 'wiki.example.com/runbooks']) {
      expect(renderError({ set: { 'metrics.prometheusRule.enabled': true, 'metrics.prometheusRule.runbookBaseUrl': base } })).toMatch(/at '\/metrics\/prometheusRule\/runbookBaseUrl': '.*' does not match pattern/);
    }
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
            // web-1 gets a /drain with a wrong token at minute 3 and web-2 a good one; web-3's /drain finds podwarden's server not running.
            series('podwarden_drain_requests_total', 'pod="web-1", result="unauthorized"', '0x2 1x42'),
            series('podwarden_drain_requests_total', 'pod="web-1", result="unavailable"', '0x45'),
            series('podwarden_drain_requests_total', 'pod="web-2", result="drained"', '0x2 1x42'),
            series('podwarden_drain_requests_total', 'pod="web-3", result="drained"', '0x45'),
            series('podwarden_drain_requests_total', 'pod="web-3", result="unavailable"', '0x2 1x42'),
            // web-1's scrapes fail from minute 5; web-2's succeed; another release's target in the namespace fails too.
            { series: `up{${target}, pod="web-1"}`, values: '1x4 0x40' },
            { series: `up{${target}, pod="web-2"}`, values: '1x45' },
            { series: 'up{namespace="shop", job="other-podwarden-metrics", pod="other-1"}', values: '0x45' },
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'PodwardenServiceNotReady', exp_alerts: [] },
            { eval_time: '16m', alertname: 'PodwardenServiceNotReady', exp_alerts: [alert('web-1', { name: 'app' })] },
            { eval_time: '20m', alertname: 'PodwardenServiceRestarting', exp_alerts: [alert('web-1', { name: 'worker' })] },
            { eval_time: '20m', alertname: 'PodwardenServiceSlowStart', exp_alerts: [alert('web-1', { name: 'app' }, 'info')] },
            { eval_time: '10m', alertname: 'PodwardenKubeletNotProbing', exp_alerts: [] },
            { eval_time: '20m', alertname: 'PodwardenKubeletNotProbing', exp_alerts: [alert('web-2')] },
            { eval_time: '5m', alertname: 'PodwardenDrainRejected', exp_alerts: [alert('web-1', { result: 'unauthorized' }), alert('web-3', { result: 'unavailable' })] },
            { eval_time: '30m', alertname: 'PodwardenDrainRejected', exp_alerts: [] },
            // up == 0 since minute 5: pending at 9m, firing from 10m.
            { eval_time: '9m', alertname: 'PodwardenDown', exp_alerts: [] },
            { eval_time: '12m', alertname: 'PodwardenDown', exp_alerts: [alert('web-1')] },
            { eval_time: '30m', alertname: 'PodwardenAbsent', exp_alerts: [] },
          ],
        },
        {
          // Only another release's target is scraped: this release has none (its monitor selects nothing, or no pod runs).
          interval: '1m',
          input_series: [{ series: 'up{namespace="shop", job="other-podwarden-metrics", pod="other-1"}', values: '1x45' }],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'PodwardenAbsent', exp_alerts: [] },
            { eval_time: '20m', alertname: 'PodwardenAbsent', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'shop' } }] },
            { eval_time: '20m', alertname: 'PodwardenDown', exp_alerts: [] },
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
    const { configMap, key, dashboard } = dashboardOf({ valuesFiles: ['native-monitors-values.yaml'] });
    expect(configMap.metadata?.labels?.grafana_dashboard).toBe('1');
    expect(key).toBe('shop_web-podwarden.json');
    expect(dashboard.uid).toBe('shop_web-podwarden');
    expect(dashboard.title).toBe('podwarden (shop/web-podwarden)');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'pod', 'name']);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of panels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it('has a uid, a title and a file name of its own per release, which Grafana accepts (at most 40 of [a-zA-Z0-9_-])', () => {
    const grafanaUid = /^[a-zA-Z0-9_-]{1,40}$/;
    // Grafana's dashboard sidecar writes each ConfigMap key to a file of that name, all in one folder.
    const dashboardFor = (release: string, namespace: string) => {
      const { key, dashboard } = dashboardOf({ release, namespace, set: { 'metrics.dashboard.enabled': true } });
      expect(key).toBe(`${dashboard.uid}.json`);
      return dashboard;
    };
    const releases = [
      ['web', 'shop'],
      ['api', 'shop'],
      ['web', 'staging'],
      // Without a separator of its own, these two would both read shop-a-b.
      ['b-web', 'shop-a'],
      ['web', 'shop-a-b'],
      // Too long to be readable: hashed.
      ['a-very-long-release-name-for-the-shop-frontend', 'production-europe-west'],
      ['a-very-long-release-name-for-the-shop-frontend', 'production-europe-east'],
    ] as const;
    const dashboards = releases.map(([release, namespace]) => dashboardFor(release, namespace));
    for (const d of dashboards) expect(d.uid).toMatch(grafanaUid);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(releases.length);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(releases.length);
    expect(dashboards.map((d) => d.uid).slice(0, 5)).toEqual(['shop_web-podwarden', 'shop_api-podwarden', 'staging_web-podwarden', 'shop-a_b-web-podwarden', 'shop-a-b_web-podwarden']);
    expect(dashboards[5]?.uid).toMatch(/^podwarden-[0-9a-f]{30}$/);
    // The same release renders the same uid every time, so Grafana updates the dashboard in place.
    expect(dashboardFor('web', 'shop').uid).toBe(dashboards[0]?.uid);
  });

  it('two copies of the chart in one release (aliases with their own fullnameOverride) get different uids', () => {
    const uidOf = (fullnameOverride: string) => dashboardOf({ set: { 'metrics.dashboard.enabled': true, fullnameOverride } }).dashboard.uid;
    expect(uidOf('web-public')).toBe('shop_web-public');
    expect(uidOf('web-admin')).toBe('shop_web-admin');
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
