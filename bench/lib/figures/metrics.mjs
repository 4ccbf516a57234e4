// /metrics with 100 services that are also checks: exposition size and
// scrape latency, back to back (wrk, one connection: the worst case, each
// scrape also pays the garbage of the ones before) and paced (one keep-alive
// scrape every 50 ms with wrk's delay(), closer to Prometheus, which scrapes
// every 15–60 s).
// The baselines serve a prom-client registry of the same shape and size.
import { setTimeout as sleep } from 'node:timers/promises';
import { getText } from '../http-client.mjs';
import { rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { runWrk } from '../wrk.mjs';

export default {
  id: 'metrics',
  title: '/metrics with 100 services and 100 checks (one scraper connection)',
  targets: ['node-http-prom100', 'fastify-prom100', 'podwarden', 'podwarden-100'],
  baselines: { node: 'node-http-prom100', fastify: 'fastify-prom100' },
  columns: [
    { key: 'p50Ms', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'rps', label: 'scrapes/s', unit: '/s', better: 'higher' },
    { key: 'pacedP50Ms', label: 'paced p50', unit: 'ms', better: 'lower' },
    { key: 'pacedP99Ms', label: 'paced p99', unit: 'ms', better: 'lower' },
    { key: 'sizeKiB', label: 'size', unit: 'KiB', better: 'lower' },
    { key: 'series', label: 'series', unit: '', better: 'lower' },
    { key: 'rssMiB', label: 'RSS after', unit: 'MiB', better: 'lower' },
  ],
  run(targets, ctx) {
    const o = ctx.options;
    return interleave(targets, o.repeats.metrics, (t) =>
      withServer(t, ctx, async ({ proc, base }) => {
        await sleep(Math.max(o.settleMs, 2500)); // every check has run at least once
        const url = base + t.metrics;
        const { status, body } = await getText(url);
        if (status !== 200) throw new Error(`${url} answered ${status}`);
        const series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
        const paced = await runWrk({ url, seconds: o.metricsS, connections: 1, core: o.loadCore, timeoutS: 5, delayMs: 50 });
        const w = await runWrk({ url, seconds: o.metricsS, connections: 1, core: o.loadCore, timeoutS: 5 });
        return { p50Ms: w.p50Ms, p99Ms: w.p99Ms, rps: w.rps, pacedP50Ms: paced.p50Ms, pacedP99Ms: paced.p99Ms, sizeKiB: Buffer.byteLength(body) / 1024, series, rssMiB: rssMiB(proc.pid) };
      }), ctx);
  },
};
