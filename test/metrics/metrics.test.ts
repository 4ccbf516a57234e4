import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckResults } from '../../src/checks/check-result.js';
import { serviceFromFunction } from '../../src/core/background-service.js';
import { now } from '../../src/core/clock.js';
import { serverPhases, serviceStates } from '../../src/core/states.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { leftOutProcessMetrics } from '../../src/metrics/process-metrics.js';
import { recordingServer, until } from '../helpers/core.js';
import { families, sampleLines, sampleValue } from '../helpers/exposition.js';
import { type Harness, startHarness } from '../http/harness.js';
import { promtoolCheckMetrics } from './promtool.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const expectedFamilies = {
  service_start_timestamp_seconds: 'gauge',
  service_ready_timestamp_seconds: 'gauge',
  service_ready_duration_seconds: 'gauge',
  service_dependency_wait_seconds: 'gauge',
  service_ready: 'gauge',
  service_state: 'gauge',
  service_restarts_total: 'counter',
  check_duration_seconds: 'histogram',
  check_last_success_timestamp_seconds: 'gauge',
  check_failures_total: 'counter',
  server_phase: 'gauge',
  probe_requests_total: 'counter',
  drain_requests_total: 'counter',
  event_loop_lag_seconds: 'gauge',
  server_holds: 'gauge',
  service_holds: 'gauge',
  http_server_requests_in_flight: 'gauge',
  http_server_connections_cut_total: 'counter',
  http_server_requests_cut_total: 'counter',
};

async function scrape(h: Harness, accept?: string): Promise<{ text: string; type: string | null }> {
  const res = await fetch(`${h.base}/metrics`, accept ? { headers: { accept } } : {});
  expect(res.status).toBe(200);
  return { text: await res.text(), type: res.headers.get('content-type') };
}

/** Exercise every family: a check result each way, probe requests, a refused drain, a restart. */
async function busyHarness(prefix?: string): Promise<Harness> {
  const harness = await startHarness({ prefix, services: { db: {}, flaky: { restart: 'on-failure', restartBackoff: { initial: 10 } } } });
  harness.services.db!.ready();
  harness.services.flaky!.fail('boom');
  await until(() => (harness.server.service('flaky')?.restarts ?? 0) >= 1);
  harness.results.report({ name: 'db', type: 'tcp', ok: true, durationMs: 3.2, error: undefined, at: now() });
  harness.results.report({ name: 'db', type: 'tcp', ok: false, durationMs: 1000, error: 'timeout', at: now() });
  await harness.get('/readyz', { headers: { 'user-agent': 'kube-probe/1.30' } });
  await harness.get('/livez');
  await harness.get('/startupz/podwarden', { method: 'HEAD', headers: { 'user-agent': 'kube-probe/1.30' } });
  await harness.get('/drain');
  await harness.get('/nothing-here');
  return harness;
}

describe('metrics', () => {
  it('exposes exactly the families of the design, with the configured prefix', async () => {
    h = await busyHarness();
    const { text, type } = await scrape(h);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const own = [...families(text)].filter(([name]) => name.startsWith('podwarden_'));
    expect(Object.fromEntries(own)).toEqual(Object.fromEntries(Object.entries(expectedFamilies).map(([n, t]) => [`podwarden_${n}`, t])));
    await h.close();

    h = await busyHarness('pw_');
    const renamed = families((await scrape(h)).text);
    for (const name of Object.keys(expectedFamilies)) expect(renamed.has(`pw_${name}`), name).toBe(true);
    expect([...renamed.keys()].some((n) => n.startsWith('podwarden_'))).toBe(false);
  });

  it('labels services and checks with `name`, never with a label Prometheus Operator attaches', async () => {
    h = await busyHarness();
    const { text } = await scrape(h);
    for (const line of sampleLines(text, 'podwarden_service_').concat(sampleLines(text, 'podwarden_check_'))) {
      expect(line, line).toMatch(/[{,]name="[^"]+"/);
    }
    for (const line of sampleLines(text)) expect(line, line).not.toMatch(/[{,](service|endpoint|pod|namespace|job|instance)="/);
  });

  it('service gauges follow the lifecycle: every state exported, timestamps absent until they happen', async () => {
    h = await startHarness({ services: { db: {} } });
    let { text } = await scrape(h);
    for (const state of serviceStates) expect(text).toContain(`podwarden_service_state{name="db",state="${state}"} ${state === 'starting' ? 1 : 0}`);
    expect(text).toContain('podwarden_service_ready{name="db"} 0');
    expect(text).toMatch(/podwarden_service_start_timestamp_seconds\{name="db"\} \d{10}(\.\d+)?\n/); // a whole second prints without a fraction
    expect(text).not.toContain('podwarden_service_ready_timestamp_seconds{name="db"}');
    expect(text).not.toContain('podwarden_service_ready_duration_seconds{name="db"}');
    for (const phase of serverPhases) expect(text).toContain(`podwarden_server_phase{phase="${phase}"} ${phase === 'starting' ? 1 : 0}`);

    await new Promise((resolve) => setTimeout(resolve, 250));
    h.services.db!.ready();
    await until(() => h!.server.phase === 'running');
    ({ text } = await scrape(h));
    expect(text).toContain('podwarden_service_ready{name="db"} 1');
    expect(text).toContain('podwarden_service_state{name="db",state="ready"} 1');
    const readyAt = Number(/podwarden_service_ready_timestamp_seconds\{name="db"\} (\S+)/.exec(text)?.[1]);
    expect(Math.abs(readyAt - Date.now() / 1000)).toBeLessThan(5);
    const duration = Number(/podwarden_service_ready_duration_seconds\{name="db"\} (\S+)/.exec(text)?.[1]);
    expect(duration).toBeGreaterThanOrEqual(0.24);
    expect(duration).toBeLessThan(2);
    expect(text).toContain('podwarden_server_phase{phase="running"} 1');
  });

  it('counts restarts, check results, probe requests by probe/code/agent and drain requests by result', async () => {
    h = await busyHarness();
    const { text } = await scrape(h);
    expect(text).toMatch(/podwarden_service_restarts_total\{name="flaky"\} [1-9]/);
    expect(text).toContain('podwarden_service_restarts_total{name="db"} 0');
    expect(text).toContain('podwarden_check_duration_seconds_count{name="db"} 2');
    expect(text).toContain('podwarden_check_duration_seconds_bucket{le="0.005",name="db"} 1');
    expect(text).toContain('podwarden_check_failures_total{name="db"} 1');
    expect(text).toMatch(/podwarden_check_last_success_timestamp_seconds\{name="db"\} \d{10}/);
    expect(text).toContain('podwarden_probe_requests_total{probe="readyz",code="503",agent="kube-probe"} 1'); // flaky is restarting
    expect(text).toContain('podwarden_probe_requests_total{probe="livez",code="200",agent="other"} 1');
    expect(text).toContain('podwarden_probe_requests_total{probe="startupz",code="200",agent="kube-probe"} 1'); // HEAD counts too
    expect(text).toContain('podwarden_probe_requests_total{probe="drain",code="403",agent="other"} 1');
    expect(text).toContain('podwarden_probe_requests_total{probe="other",code="404",agent="other"} 1');
    expect(text).toContain('podwarden_drain_requests_total{result="forbidden"} 1');
    expect(text).toContain('podwarden_drain_requests_total{result="drained"} 0');
    const again = (await scrape(h)).text;
    expect(again).toContain('podwarden_probe_requests_total{probe="metrics",code="200",agent="other"} 1');
  });

  it('renders what prom-client renders from the same registry, counting requests without a flush', async () => {
    const { server } = recordingServer();
    for (const name of ['db', 'cache']) server.addService(serviceFromFunction(name, async (shutdown) => shutdown.wait()));
    const results = new CheckResults();
    const metrics = createMetrics({ server, checkResults: results, processMetrics: false });
    results.report({ name: 'db', type: 'tcp', ok: true, durationMs: 3.2, error: undefined, at: now() });
    results.report({ name: 'db', type: 'tcp', ok: false, durationMs: 20_000, error: 'timeout', at: now() });
    metrics.requests.countRequest('readyz', 503, true);
    metrics.requests.countRequest('livez', 418, false);
    metrics.requests.countDrain('unauthorized');
    const { body } = await metrics.render(false);
    expect(body).toBe(await metrics.registry.metrics());
    expect(body).toContain('podwarden_probe_requests_total{probe="readyz",code="503",agent="kube-probe"} 1\n');
    expect(body).toContain('podwarden_probe_requests_total{probe="livez",code="418",agent="other"} 1\n');
    expect(body).toContain('podwarden_drain_requests_total{result="unauthorized"} 1\n');
    expect(body).toContain('podwarden_check_duration_seconds_bucket{le="10",name="db"} 1\n');
    expect(body).toContain('podwarden_check_duration_seconds_bucket{le="+Inf",name="db"} 2\n');
    metrics.requests.countRequest('readyz', 503, true);
    expect((await metrics.render(true)).body).toContain('podwarden_probe_requests_total{probe="readyz",code="503",agent="kube-probe"} 2\n');
    metrics.close();
  });

  it('process_cpu_*_seconds_total count the CPU the process used since it started, though the process metrics are made on the first scrape', async () => {
    const { server } = recordingServer();
    const metrics = createMetrics({ server });
    // CPU used between creating the metrics and the first scrape, and before: both count.
    const busyUntil = performance.now() + 200;
    while (performance.now() < busyUntil);
    const before = process.cpuUsage();
    const body = (await metrics.render(false)).body;
    const after = process.cpuUsage();
    const seconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
    const total = sampleValue(body, 'process_cpu_seconds_total') ?? NaN;
    expect(total).toBeGreaterThanOrEqual(seconds(before) - 0.001);
    expect(total).toBeLessThanOrEqual(seconds(after) + 0.001);
    expect(sampleValue(body, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(before.user / 1e6 - 0.001);
    metrics.close();
  });

  it('`promtool check metrics` reports nothing for the whole exposition', async () => {
    h = await busyHarness();
    const { text } = await scrape(h);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_active_handles{');
    for (const name of leftOutProcessMetrics) expect(text).not.toContain(`# TYPE ${name} `);
    expect(sampleLines(text).length).toBeGreaterThan(100);
    const { code, output } = promtoolCheckMetrics(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('promtool would flag prom-client defaults: the check is real', async () => {
    const flagged = '# HELP nodejs_active_handles_total x\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n';
    const { code, output } = promtoolCheckMetrics(flagged);
    expect(code).not.toBe(0);
    expect(output).toContain('non-counter metrics should not have "_total" suffix');
  });

  it('serves OpenMetrics when the Accept header asks for it, without disturbing the text format', async () => {
    h = await busyHarness();
    const om = await scrape(h, 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
    expect(om.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.text.endsWith('\n# EOF\n')).toBe(true);
    expect(om.text).toContain('# TYPE podwarden_service_restarts counter\n');
    expect(om.text).toContain('podwarden_service_restarts_total{name="db"} 0');
    expect(om.text).toContain('# TYPE podwarden_probe_requests counter\n');
    expect(om.text).not.toContain('\n\n');
    const text = await scrape(h);
    expect(text.text).toContain('# TYPE podwarden_service_restarts_total counter\n');
    expect(text.text).toContain('podwarden_service_restarts_total{name="db"} 0');
    expect(promtoolCheckMetrics(text.text)).toEqual({ code: 0, output: '' });
  });
});

describe('docs/metrics.md', () => {
  it('has a reference row for every family, with its type', () => {
    const doc = readFileSync('docs/metrics.md', 'utf8');
    for (const [name, type] of Object.entries(expectedFamilies)) {
      expect(doc, name).toMatch(new RegExp(`^\\| \`podwarden_${name}\` \\| ${type} \\|`, 'm'));
    }
    for (const name of leftOutProcessMetrics) expect(doc).toContain(name);
  });
});
