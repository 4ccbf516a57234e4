/**
 * The dashboard and the alert rules use only metric names, labels and label
 * values that podwarden really exports: the real CLI (`node dist/cli/main.js
 * serve`, built by `npm run build`) runs with the config the chart renders,
 * checks a live HTTP server and a closed port, gets a kubelet-like probe and a
 * /drain with a wrong token, and its /metrics is scraped.
 */
import type { Server as HttpServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardOf, rulesOf } from './monitoring-objects.js';
import { labelValues } from '../helpers/exposition.js';
import { type Podwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { renderForLocalServe, serveRenderedConfig, startOkApp, stopLocalServe } from './support.js';

/** Labels Prometheus (Operator) attaches to every target; podwarden never exports them. */
const targetLabels = new Set(['namespace', 'pod', 'job', 'instance', 'service', 'endpoint', 'container']);
/** Labels PromQL itself produces. */
const queryLabels = new Set(['le']);

/** name → label → values seen, from a text exposition. */
type Scrape = ReturnType<typeof labelValues>;

/** What one PromQL expression uses. */
interface Usage {
  where: string;
  metrics: Array<{ name: string; matchers: Array<{ label: string; op: string; value: string }> }>;
  groupingLabels: string[];
}

export function usageOf(expr: string, where: string, prefix = 'podwarden_'): Usage {
  const metrics: Usage['metrics'] = [];
  const selector = new RegExp(`\\b(${prefix}[a-zA-Z0-9_:]+)(?:\\{([^}]*)\\})?`, 'g');
  for (const [, name, body] of expr.matchAll(selector)) {
    if (!name) continue;
    const matchers = [...(body ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(([, label, op, value]) => ({
      label: label ?? '',
      op: op ?? '',
      value: value ?? '',
    }));
    metrics.push({ name, matchers });
  }
  const groupingLabels = [...expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap(([, list]) =>
    (list ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return { where, metrics, groupingLabels };
}

/** Every problem with one usage against a scrape. */
export function problemsOf(usage: Usage, scrape: Scrape): string[] {
  const problems: string[] = [];
  const labelsOfExpr = new Set<string>();
  for (const metric of usage.metrics) {
    const labels = scrape.get(metric.name);
    if (!labels) {
      problems.push(`${usage.where}: ${metric.name} is not exported`);
      continue;
    }
    for (const l of labels.keys()) labelsOfExpr.add(l);
    for (const { label, op, value } of metric.matchers) {
      if (targetLabels.has(label)) continue;
      const values = labels.get(label);
      if (!values) {
        problems.push(`${usage.where}: ${metric.name} has no label ${label}`);
        continue;
      }
      // Literal values (not dashboard variables) must be values podwarden produces.
      if (value.includes('$')) continue;
      const wanted = op === '=' || op === '!=' ? [value] : op === '=~' || op === '!~' ? value.split('|') : [];
      for (const v of wanted) if (!values.has(v)) problems.push(`${usage.where}: ${metric.name}{${label}="${v}"} never appears (seen: ${[...values].join(', ')})`);
    }
  }
  for (const label of usage.groupingLabels) {
    if (!targetLabels.has(label) && !queryLabels.has(label) && !labelsOfExpr.has(label)) problems.push(`${usage.where}: groups by ${label}, which none of its metrics has`);
  }
  return problems;
}

describe('metric names and labels in the dashboard and the rules', () => {
  let pw: Podwarden | undefined;
  let app: HttpServer | undefined;
  let scrape: Scrape = new Map();
  let exposition = '';

  beforeAll(async () => {
    let appPort: number;
    ({ app, appPort } = await startOkApp());
    const closedPort = await freePort();
    const port = await freePort();
    const metricsPort = await freePort();
    const dir = tempDir('podwarden-contract-');
    // The config as the chart renders it, pointed at the servers of this test.
    const services = [
      { name: 'app', type: 'http', url: `http://127.0.0.1:${appPort}/`, interval: '200ms', timeout: '1s' },
      { name: 'cache', type: 'tcp', host: '127.0.0.1', port: closedPort, interval: '200ms', timeout: '500ms', probes: ['readiness'] },
      { name: 'worker', type: 'http', url: `http://127.0.0.1:${appPort}/worker`, interval: '200ms', dependsOn: ['app'] },
    ];
    const docs = renderForLocalServe({ release: 'contract', services, port, metricsPort, dir });
    pw = await serveRenderedConfig(docs, { dir, port, drainToken: 'contract-token' });
    // Wait until `app` has been checked successfully, so every family has series.
    await pw.waitState('app', 'ready', 20_000);
    await pw.get('/readyz', { headers: { 'user-agent': 'kube-probe/1.31' } });
    await pw.get('/livez/podwarden', { headers: { 'user-agent': 'kube-probe/1.31' } });
    await pw.get('/drain', { headers: { authorization: 'Bearer wrong' } });
    exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    scrape = labelValues(exposition);
  }, 60_000);

  afterAll(() => stopLocalServe(pw, app));

  it('scrapes every family the design names, with the name label', () => {
    for (const family of [
      'service_start_timestamp_seconds',
      'service_ready_timestamp_seconds',
      'service_ready_duration_seconds',
      'service_dependency_wait_seconds',
      'service_ready',
      'service_state',
      'service_restarts_total',
      'check_duration_seconds_bucket',
      'check_last_success_timestamp_seconds',
      'check_failures_total',
    ]) {
      expect(scrape.get(`podwarden_${family}`)?.has('name'), `podwarden_${family}{name}`).toBe(true);
    }
    expect(scrape.get('podwarden_probe_requests_total')?.get('agent')).toEqual(new Set(['kube-probe', 'other']));
  });

  it('the PrometheusRule uses only what podwarden exports', () => {
    const rules = rulesOf({ set: { 'metrics.prometheusRule.enabled': true } }).spec.groups.flatMap((g) => g.rules);
    const usages = rules.map((r) => usageOf(r.expr, r.alert));
    expect(usages.flatMap((u) => u.metrics).length).toBeGreaterThanOrEqual(7);
    expect(usages.flatMap((u) => problemsOf(u, scrape))).toEqual([]);
  });

  it('the dashboard uses only what podwarden exports, in its queries, legends and variables', () => {
    const { dashboard } = dashboardOf({ set: { 'metrics.dashboard.enabled': true } });
    const problems: string[] = [];
    let count = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const usage = usageOf(target.expr, panel.title);
        count += usage.metrics.length;
        problems.push(...problemsOf(usage, scrape));
        // Legends show labels the query keeps.
        for (const [, label] of (target.legendFormat ?? '').matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)) {
          if (label && !targetLabels.has(label) && !usage.groupingLabels.includes(label)) problems.push(`${panel.title}: legend shows ${label}, which the query drops`);
        }
      }
    }
    for (const variable of dashboard.templating.list) {
      const query = (variable.query as { query?: string } | undefined)?.query;
      if (!query) continue;
      const m = /^label_values\((.*),\s*([a-zA-Z_]+)\)$/.exec(query);
      if (!m?.[1] || !m[2]) continue;
      const usage = usageOf(m[1], `variable ${variable.name}`);
      usage.groupingLabels.push(m[2]);
      problems.push(...problemsOf(usage, scrape));
    }
    expect(count).toBeGreaterThanOrEqual(15);
    expect(problems).toEqual([]);
  });

  it('the checker itself catches a name, a label and a value podwarden does not export', () => {
    const problems = [
      ...problemsOf(usageOf('podwarden_service_readiness{name="app"}', 'typo'), scrape),
      ...problemsOf(usageOf('sum by (check) (podwarden_service_ready)', 'grouping'), scrape),
      ...problemsOf(usageOf('podwarden_drain_requests_total{result="rejected"}', 'value'), scrape),
      ...problemsOf(usageOf('podwarden_probe_requests_total{probes="readyz"}', 'label'), scrape),
    ];
    expect(problems).toEqual([
      'typo: podwarden_service_readiness is not exported',
      'grouping: groups by check, which none of its metrics has',
      'value: podwarden_drain_requests_total{result="rejected"} never appears (seen: drained, unauthorized, forbidden, forbidden-source, unavailable)',
      'label: podwarden_probe_requests_total has no label probes',
    ]);
  });

  it('counted the kubelet probe and the refused /drain', () => {
    expect(exposition).toMatch(/podwarden_probe_requests_total\{probe="readyz",code="\d+",agent="kube-probe"\} [1-9]/);
    expect(exposition).toMatch(/podwarden_drain_requests_total\{result="unauthorized"\} 1/);
  });
});
