// What each service costs: podwarden with 1, 10, 100 and 1,000 services (in
// every 10: 4 http and 4 tcp checks every 10 s, 2 module services; see
// podwarden-config.mjs) against bare node:http, all in one interleaved loop.
// Per run: startup (the first 200 on /readyz comes once every service is
// ready, so it includes the first check round), idle RSS 1 s after ready,
// /metrics size and scrape time, readiness under wrk -c10. The derived table
// says how each figure grows and what one more service costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { getText, request } from '../http-client.mjs';
import { scaleSizes } from '../podwarden-config.mjs';
import { cpuSeconds, rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { fmt } from '../stats.mjs';
import { scaleTarget } from '../targets.mjs';
import { runWrk } from '../wrk.mjs';

/** Runs of the 1,000-service target, at most: each costs seconds of startup and a check round of 800 attempts. */
const largeRepeats = 3;
const largeSize = 1000;
// A variant (`--podwarden-variant`) counts as its base target's size.
const sizeOf = (name) => Number(/^podwarden-scale-(\d+)(?:\+|$)/.exec(name)?.[1]);
const timedScrapes = 5;

/** perService: the unit of (value(b) − value(a)) / (b − a), and the factor from the column's unit to it. */
const columns = [
  { key: 'readyMs', label: 'startup', unit: 'ms', better: 'lower', perService: { unit: 'ms', factor: 1 } },
  { key: 'firstAnswerMs', label: 'port answers', unit: 'ms', better: 'lower', perService: { unit: 'ms', factor: 1 } },
  { key: 'cpuMs', label: 'CPU until ready', unit: 'ms', better: 'lower', perService: { unit: 'ms', factor: 1 } },
  { key: 'idleRssMiB', label: 'idle RSS', unit: 'MiB', better: 'lower', perService: { unit: 'KiB', factor: 1024 } },
  { key: 'rps', label: 'req/s', unit: 'req/s', better: 'higher', perService: { unit: 'req/s', factor: 1 } },
  { key: 'p50Ms', label: 'p50', unit: 'ms', better: 'lower', perService: { unit: 'µs', factor: 1000 } },
  { key: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower', perService: { unit: 'µs', factor: 1000 } },
  { key: 'cpuUsPerReq', label: 'server CPU per request', unit: 'µs', better: 'lower', perService: { unit: 'ns', factor: 1000 } },
  { key: 'metricsKiB', label: '/metrics size', unit: 'KiB', better: 'lower', perService: { unit: 'KiB', factor: 1 } },
  { key: 'metricsMs', label: '/metrics scrape', unit: 'ms', better: 'lower', perService: { unit: 'µs', factor: 1000 } },
  { key: 'errors', label: 'errors', unit: '', better: 'lower' },
];

/** Size and median time of a keep-alive scrape (after one to warm up); nothing when the target has no /metrics. */
async function scrape(url) {
  if (!url) return {};
  const { status, body } = await getText(url);
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  const times = [];
  for (let i = 0; i < timedScrapes; i += 1) {
    const res = await request(url, { timeoutMs: 5000 });
    if (res.status !== 200) throw new Error(`${url} answered ${res.status ?? res.error}`);
    times.push(res.ms);
  }
  times.sort((a, b) => a - b);
  return { metricsKiB: Buffer.byteLength(body) / 1024, metricsMs: times[timedScrapes >> 1] };
}

function measure(t, ctx) {
  const o = ctx.options;
  return withServer(t, ctx, async ({ proc, base, startup }) => {
    const cpuMs = cpuSeconds(proc.pid) * 1000;
    await sleep(1000);
    const idleRssMiB = rssMiB(proc.pid);
    const metrics = await scrape(t.metrics && base + t.metrics);
    const url = base + t.readiness;
    await runWrk({ url, seconds: o.warmupS, connections: 10, core: o.loadCore });
    const cpu0 = cpuSeconds(proc.pid);
    const w = await runWrk({ url, seconds: o.wrkS, connections: 10, core: o.loadCore });
    const cpuUsPerReq = ((cpuSeconds(proc.pid) - cpu0) * 1e6) / w.requests;
    return { ...startup, cpuMs, idleRssMiB, ...metrics, rps: w.rps, p50Ms: w.p50Ms, p99Ms: w.p99Ms, cpuUsPerReq, errors: w.errorCount };
  });
}

/**
 * Interleaved rounds in which the 1,000-service target takes part only in the
 * first `largeRepeats`. Each round is one pass of `interleave` (its noise
 * retries included), rotated like interleave's own rounds.
 */
async function rounds(targets, ctx) {
  const repeats = ctx.options.repeats.scale;
  const runs = new Map(targets.map((t) => [t.name, []]));
  const errors = new Map(targets.map((t) => [t.name, []]));
  for (let r = 0; r < repeats; r += 1) {
    const round = targets.filter((t) => !(sizeOf(t.name) >= largeSize) || r < largeRepeats);
    const order = round.map((_, i) => round[(i + r) % round.length]);
    const log = (line) => ctx.log(line.replace(/ #1: /, ` #${r + 1}: `));
    const out = await interleave(order, 1, (t) => measure(t, ctx), { ...ctx, log });
    for (const t of round) {
      runs.get(t.name).push(...out.runs.get(t.name));
      errors.get(t.name).push(...out.errors.get(t.name));
    }
  }
  return { runs, errors };
}

const range = (s) => (s.n > 1 ? ` [${fmt(s.min)}–${fmt(s.max)}]` : '');
const times = (x) => (Number.isFinite(x) ? ` ×${x.toFixed(2)}` : '');

/** (value(b) − value(a)) / (b − a) from the medians, in the column's per-service unit. */
function perService(summaryOf, a, b, column) {
  const va = summaryOf(a)?.median;
  const vb = summaryOf(b)?.median;
  if (!Number.isFinite(va) || !Number.isFinite(vb)) return '–';
  return `${fmt(((vb - va) / (b - a)) * column.perService.factor)} ${column.perService.unit}`;
}

/** One row per figure: node:http, each size (median [min–max] ×node:http), and the cost of one more service. */
function growthTable(out) {
  const node = out.targets[out.baselines.node];
  const sizes = scaleSizes.filter((n) => out.targets[scaleTarget(n)]);
  const summaryOf = (key) => (n) => out.targets[scaleTarget(n)]?.summary[key];
  const steps = sizes.slice(1).map((b, i) => [sizes[i], b]).filter(([a]) => a >= 10);
  const rows = columns.filter((c) => c.perService).map((c) => [
    `${c.label} (${c.unit})`,
    node ? `${fmt(node.summary[c.key].median)}${range(node.summary[c.key])}` : '–',
    ...sizes.map((n) => {
      const s = summaryOf(c.key)(n);
      return s && s.n > 0 ? `${fmt(s.median)}${range(s)}${times(s.xNode)}` : '–';
    }),
    ...steps.map(([a, b]) => perService(summaryOf(c.key), a, b, c)),
  ]);
  return {
    title: 'How each figure grows with the number of services',
    note: 'Cells: median [min–max] over the runs, ×node:http of the same invocation. '
      + 'Per service: (median at b − median at a) / (b − a).',
    header: ['figure', 'node:http', ...sizes.map((n) => `${n.toLocaleString('en-US')} service${n === 1 ? '' : 's'}`), ...steps.map(([a, b]) => `per service, ${a.toLocaleString('en-US')} → ${b.toLocaleString('en-US')}`)],
    rows,
  };
}

export default {
  id: 'scale',
  title: 'Cost per service: podwarden with 1, 10, 100 and 1,000 services',
  targets: ['node-http', ...scaleSizes.map(scaleTarget)],
  baselines: { node: 'node-http' },
  columns,
  run: rounds,
  tables: (out) => [growthTable(out)],
};
