import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counterFamily, formatValue, gaugeFamily } from '../../src/metrics/family.js';
import { HistogramFamily } from '../../src/metrics/histogram-family.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import { promtoolCheckMetrics } from './promtool.js';

/** A registry with one family of each kind and one prom-client counter after them. */
function mixedRegistry() {
  const registry = new Registry();
  const state = gaugeFamily(registry, { name: 't_state', help: 'A state.', labelNames: ['name', 'state'] });
  const failures = counterFamily(registry, { name: 't_failures_total', help: 'Failures.', labelNames: ['name'] });
  const duration = new HistogramFamily(registry, { name: 't_duration_seconds', help: 'Durations.', labelNames: ['name'], buckets: [0.01, 0.1, 1] });
  let lagSeconds = 0.5;
  const lag = gaugeFamily(registry, { name: 't_lag_seconds', help: 'Read at scrape time.', collect: () => lag.labels().set(lagSeconds) });
  const foreign = new Counter({ name: 't_foreign_total', help: 'A prom-client counter.', registers: [registry] });
  return { registry, state, failures, duration, foreign, setLag: (v: number) => (lagSeconds = v) };
}

describe('podwarden metric families', () => {
  it('render the same exposition as prom-client renders from their get()', async () => {
    const m = mixedRegistry();
    m.state.labels('db', 'ready').set(1);
    m.state.labels('db', 'failed').set(0);
    m.failures.labels('db').inc(3);
    for (const v of [0.005, 0.05, 0.05, 0.5, 7]) m.duration.labels('db').observe(v);
    m.duration.labels('cache');
    m.foreign.inc(2);
    const ours = await renderExposition(m.registry, false);
    expect(ours).toBe(await m.registry.metrics());
    expect(ours).toContain('t_duration_seconds_bucket{le="0.1",name="db"} 3\n');
    expect(ours).toContain('t_duration_seconds_bucket{le="+Inf",name="db"} 5\n');
    expect(ours).toContain('t_duration_seconds_count{name="cache"} 0\n');
    expect(promtoolCheckMetrics(ours)).toEqual({ code: 0, output: '' });
  });

  it('render OpenMetrics with counter families named without _total, no blank lines and # EOF', async () => {
    const m = mixedRegistry();
    m.failures.labels('db').inc();
    m.foreign.inc();
    const text = await renderExposition(m.registry, false);
    const om = await renderExposition(m.registry, true);
    const expected = `${text.replace(/\n\n/g, '\n').replace(/^# (HELP|TYPE) (t_failures|t_foreign)_total /gm, '# $1 $2 ')}# EOF\n`;
    expect(om).toBe(expected);
    expect(om).toContain('# TYPE t_failures counter\nt_failures_total{name="db"} 1\n');
    // Rendering OpenMetrics leaves the text format as it was.
    expect(await renderExposition(m.registry, false)).toBe(text);
  });

  it('show every change at the next scrape: new values, new series and values read at scrape time', async () => {
    const m = mixedRegistry();
    const ready = m.state.labels('db', 'ready');
    ready.set(0);
    expect(await renderExposition(m.registry, false)).toContain('t_state{name="db",state="ready"} 0\n');
    ready.set(1);
    m.failures.labels('db').value++;
    m.duration.labels('db').observe(0.2);
    m.setLag(0.25);
    let text = await renderExposition(m.registry, false);
    expect(text).toContain('t_state{name="db",state="ready"} 1\n');
    expect(text).toContain('t_failures_total{name="db"} 1\n');
    expect(text).toContain('t_duration_seconds_bucket{le="1",name="db"} 1\n');
    expect(text).toContain('t_lag_seconds 0.25\n');
    m.state.labels('cache', 'ready').set(1);
    text = await renderExposition(m.registry, false);
    expect(text).toContain('t_state{name="db",state="ready"} 1\nt_state{name="cache",state="ready"} 1\n');
  });

  it('escape label values and spell non-finite values as the text formats do', async () => {
    const registry = new Registry();
    const g = gaugeFamily(registry, { name: 't_g', help: 'Help with \\ and\nnewline.', labelNames: ['name'] });
    g.labels('a"b\\c\nd').set(Number.POSITIVE_INFINITY);
    const text = await renderExposition(registry, false);
    expect(text).toBe('# HELP t_g Help with \\\\ and\\nnewline.\n# TYPE t_g gauge\nt_g{name="a\\"b\\\\c\\nd"} +Inf\n');
    expect([formatValue(Number.NaN), formatValue(Number.NEGATIVE_INFINITY), formatValue(0.1 + 0.2), formatValue(1e21)]).toEqual(['NaN', '-Inf', '0.30000000000000004', '1e+21']);
  });

  it('zero their values on registry.resetMetrics() and keep counting into the same series', async () => {
    const m = mixedRegistry();
    const failures = m.failures.labels('db');
    failures.inc(5);
    m.duration.labels('db').observe(0.05);
    await renderExposition(m.registry, false);
    m.registry.resetMetrics();
    failures.inc();
    const text = await renderExposition(m.registry, false);
    expect(text).toContain('t_failures_total{name="db"} 1\n');
    expect(text).toContain('t_duration_seconds_count{name="db"} 0\n');
  });

  it('are read by getMetricsAsJSON like prom-client metrics', async () => {
    const m = mixedRegistry();
    m.duration.labels('db').observe(0.05);
    const json = await m.registry.getMetricsAsJSON();
    const duration = json.find((f) => f.name === 't_duration_seconds')!;
    expect(duration.type).toBe('histogram');
    expect(duration.values).toContainEqual({ labels: { le: 0.1, name: 'db' }, value: 1, metricName: 't_duration_seconds_bucket' });
    expect(duration.values).toContainEqual({ labels: { name: 'db' }, value: 0.05, metricName: 't_duration_seconds_sum' });
  });
});
