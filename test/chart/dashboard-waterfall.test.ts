import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dashboardOf } from './monitoring-objects.js';
import { promtool } from './support.js';

interface Panel {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Array<{ expr: string; instant?: boolean; format?: string; refId: string }>;
  options: Record<string, unknown>;
  transformations: Array<{ id: string; options: Record<string, unknown> }>;
}

function waterfallPanel(set: Record<string, string | boolean> = {}) {
  const { dashboard } = dashboardOf({ set: { 'metrics.dashboard.enabled': true, ...set } });
  const panels = dashboard.panels as unknown as Panel[];
  return { panel: panels.find((p) => p.title === 'Startup waterfall (current pods)'), panels };
}

/** The panel's query with the dashboard variables as Grafana fills them for namespace `shop`, all pods and services. */
const filled = (expr: string) => expr.replaceAll('"$namespace"', '"shop"').replaceAll('=~"$pod"', '=~".*"').replaceAll('=~"$name"', '=~".*"');

describe('the dashboard: startup waterfall of the current pods', () => {
  it('is a horizontal stacked bar per pod and service: the dependency wait, then start to first ready, from instant queries', () => {
    const { panel, panels } = waterfallPanel();
    expect(panel).toBeDefined();
    expect(panel!.type).toBe('barchart');
    expect(panel!.options).toMatchObject({ orientation: 'horizontal', stacking: 'normal', xField: 'step' });
    expect(panel!.targets.map((t) => [t.refId, t.instant, t.format])).toEqual([
      ['A', true, 'table'],
      ['B', true, 'table'],
    ]);
    expect(panel!.targets[0]!.expr).toContain('podwarden_service_dependency_wait_seconds{');
    expect(panel!.targets[1]!.expr).toContain('podwarden_service_ready_duration_seconds{');
    const organize = panel!.transformations.find((t) => t.id === 'organize')!.options;
    expect(organize.renameByName).toEqual({ 'Value #A': 'waiting on dependencies', 'Value #B': 'start to first ready' });
    expect(panel!.transformations.map((t) => t.id)).toEqual(['merge', 'sortBy', 'organize']);
    // Laid out in the Services row without overlapping another panel.
    const overlaps = panels.filter(
      (p) => p !== panel && p.gridPos.x < panel!.gridPos.x + panel!.gridPos.w && panel!.gridPos.x < p.gridPos.x + p.gridPos.w && p.gridPos.y < panel!.gridPos.y + panel!.gridPos.h && panel!.gridPos.y < p.gridPos.y + p.gridPos.h,
    );
    expect(overlaps.map((p) => p.title)).toEqual([]);
  });

  it("computes each pod's rows from the metrics (promtool test rules on synthetic series)", () => {
    const { panel } = waterfallPanel();
    const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-waterfall-'));
    writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [] }));
    const target = 'namespace="shop", job="web-podwarden-metrics"';
    const series = (name: string, labels: string, values: string) => ({ series: `${name}{${target}, ${labels}}`, values });
    const row = (pod: string, name: string, value: number) => ({ labels: `{pod="${pod}", name="${name}", step="${pod} ${name}"}`, value });
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // web-1: db ready after 2 s; api waited 2 s on it and took 0.5 s. web-2: db took 4 s.
            series('podwarden_service_dependency_wait_seconds', 'pod="web-1", name="db"', '0x10'),
            series('podwarden_service_ready_duration_seconds', 'pod="web-1", name="db"', '2x10'),
            series('podwarden_service_dependency_wait_seconds', 'pod="web-1", name="api"', '2x10'),
            series('podwarden_service_ready_duration_seconds', 'pod="web-1", name="api"', '0.5x10'),
            series('podwarden_service_dependency_wait_seconds', 'pod="web-2", name="db"', '0x10'),
            series('podwarden_service_ready_duration_seconds', 'pod="web-2", name="db"', '4x10'),
            // A pod that went away at minute 2: gone from the panel 5 minutes later.
            series('podwarden_service_dependency_wait_seconds', 'pod="web-0", name="db"', '0x2'),
            series('podwarden_service_ready_duration_seconds', 'pod="web-0", name="db"', '9x2'),
            // Another namespace: not this dashboard's.
            { series: 'podwarden_service_ready_duration_seconds{namespace="other", job="x", pod="o-1", name="db"}', values: '7x10' },
          ],
          promql_expr_test: [
            { expr: filled(panel!.targets[0]!.expr), eval_time: '8m', exp_samples: [row('web-1', 'db', 0), row('web-1', 'api', 2), row('web-2', 'db', 0)] },
            { expr: filled(panel!.targets[1]!.expr), eval_time: '8m', exp_samples: [row('web-1', 'db', 2), row('web-1', 'api', 0.5), row('web-2', 'db', 4)] },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, 'tests.yaml'), stringify(tests));
    const result = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('uses the configured metric prefix', () => {
    const { panel } = waterfallPanel({ 'config.metrics.prefix': 'shop_pw_' });
    for (const target of panel!.targets) expect(target.expr).toMatch(/\(shop_pw_service_(dependency_wait|ready_duration)_seconds\{/);
  });
});
