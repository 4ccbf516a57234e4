import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';
import { type Harness, startHarness } from '../http/harness.js';
import { prometheusTool } from './promtool.js';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

let h: Harness;
let prometheus: ChildProcess;
let dir: string;
let api: string;
let logs = '';
let startedAt = 0;

beforeAll(async () => {
  const binary = prometheusTool('prometheus');
  h = await startHarness({ services: { app: {} } });
  // `app` becomes ready 300 ms after it started: a known ready duration.
  setTimeout(() => h.services.app!.ready(), 300);
  dir = await mkdtemp(path.join(tmpdir(), 'podwarden-prometheus-'));
  const target = new URL(h.base).host;
  // A static target with the labels Prometheus Operator attaches to ServiceMonitor targets.
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: podwarden
    static_configs:
      - targets: ['${target}']
        labels:
          service: my-app
          endpoint: health
          namespace: default
          pod: my-app-7d9f-abcde
`,
  );
  const port = await freePort();
  api = `http://127.0.0.1:${port}/api/v1`;
  startedAt = performance.now();
  prometheus = spawn(
    binary,
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  prometheus.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
}, 60_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Prometheus answers 503 until its storage is open (seconds on a busy machine): not ready yet, as a refused connection. */
class PrometheusStarting extends Error {}

async function query(expr: string): Promise<Sample[]> {
  const res = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`);
  if (res.status === 503) throw new PrometheusStarting(await res.text());
  const body = (await res.json()) as { status: string; data: { result: Sample[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** Poll a query until it returns a sample; Prometheus shows the first one about 5 s after start. */
async function firstSample(expr: string, timeoutMs = 30_000): Promise<Sample> {
  const start = performance.now();
  for (;;) {
    if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode}:\n${logs}`);
    try {
      const result = await query(expr);
      if (result[0]) return result[0];
    } catch (err) {
      if (!(err instanceof TypeError || err instanceof PrometheusStarting)) throw err; // not listening, or not ready, yet
    }
    if (performance.now() - start > timeoutMs) throw new Error(`no sample for ${expr} within ${timeoutMs} ms; prometheus log:\n${logs}`);
    await sleep(250);
  }
}

describe('a real Prometheus scraping podwarden', () => {
  it('reads podwarden_service_ready{name} and the ready duration back with the name label intact', async () => {
    const ready = await firstSample('podwarden_service_ready{name="app"} == 1');
    const shownAfter = (performance.now() - startedAt) / 1000;
    expect(ready.metric).toMatchObject({
      __name__: 'podwarden_service_ready',
      name: 'app',
      service: 'my-app',
      endpoint: 'health',
      namespace: 'default',
      pod: 'my-app-7d9f-abcde',
      job: 'podwarden',
    });
    expect(ready.metric).not.toHaveProperty('exported_service');
    expect(ready.value[1]).toBe('1');
    expect(shownAfter).toBeLessThan(30);

    const duration = (await firstSample('podwarden_service_ready_duration_seconds{name="app"}'));
    expect(duration.metric.name).toBe('app');
    expect(duration.metric.service).toBe('my-app');
    expect(Number(duration.value[1])).toBeGreaterThanOrEqual(0.29);
    expect(Number(duration.value[1])).toBeLessThan(2);

    const self = await firstSample('podwarden_service_ready_duration_seconds{name="podwarden"}');
    expect(Number(self.value[1])).toBeGreaterThanOrEqual(0);
  });

  it('scrapes the whole exposition without errors, in OpenMetrics', async () => {
    await firstSample('up{job="podwarden"} == 1');
    const targets = (await (await fetch(`${api}/targets`)).json()) as {
      data: { activeTargets: Array<{ health: string; lastError: string; labels: Record<string, string> }> };
    };
    const target = targets.data.activeTargets[0]!;
    expect(target.lastError).toBe('');
    expect(target.health).toBe('up');
    // Prometheus ranks OpenMetrics first; podwarden served it (a counter family has no _total in OpenMetrics metadata).
    const metadata = (await (await fetch(`${api}/targets/metadata?metric=podwarden_probe_requests`)).json()) as { data: Array<{ type: string }> };
    expect(metadata.data[0]?.type).toBe('counter');
    const scraped = await firstSample('scrape_samples_scraped{job="podwarden"}');
    expect(Number(scraped.value[1])).toBeGreaterThan(100);
    const counted = await firstSample('podwarden_probe_requests_total{probe="metrics",code="200",agent="other"} > 0');
    expect(counted.metric.name).toBeUndefined();
  });
});
