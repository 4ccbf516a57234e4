// The /metrics levers, measured in one process pinned to the server core:
// how long prom-client takes to render an exposition shaped like podwarden's
// for 100 services, with fewer series, without process metrics, and when
// every series' name-and-labels text is built once and only values are
// formatted per scrape. Run as a child: prints one JSON line.
import { performance } from 'node:perf_hooks';
import { createRegistry } from '../../servers/prom-registry.mjs';
import { percentile } from '../stats.mjs';

const fewerBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** Precompute `name{labels} ` per series once; per scrape only format values. */
async function cachedRenderer(registry) {
  const families = await registry.getMetricsAsJSON();
  const lines = [];
  for (const f of families) {
    lines.push({ text: `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n` });
    for (const v of f.values) {
      const name = v.metricName ?? f.name;
      const labels = Object.entries(v.labels).map(([k, val]) => `${k}="${val}"`).join(',');
      lines.push({ text: labels ? `${name}{${labels}} ` : `${name} `, value: v.value });
    }
  }
  return () => {
    let out = '';
    for (const l of lines) out += l.value === undefined ? l.text : `${l.text}${l.value}\n`;
    return out;
  };
}

async function time(render, count) {
  for (let i = 0; i < 50; i += 1) await render();
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    bytes = Buffer.byteLength(await render()); // encodes, as the response does (flattens a rope)
    ms.push(performance.now() - t0);
  }
  return { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), kib: bytes / 1024 };
}

const count = Number(process.argv[2] ?? 500);
const base = createRegistry(100);
const variants = {
  'prom-client, podwarden-shaped, 100 services': base.metrics,
  'without process metrics': createRegistry(100, { processMetrics: false }).metrics,
  '8 histogram buckets': createRegistry(100, { buckets: fewerBuckets }).metrics,
  'only the current service_state': createRegistry(100, { everyState: false }).metrics,
  '8 buckets + current state only': createRegistry(100, { buckets: fewerBuckets, everyState: false }).metrics,
  'label text built once, values per scrape': await cachedRenderer(createRegistry(100, { processMetrics: false }).registry),
};
const out = {};
for (const [name, render] of Object.entries(variants)) out[name] = await time(render, count);
console.log(JSON.stringify(out));
