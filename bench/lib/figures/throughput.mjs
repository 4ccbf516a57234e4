// Readiness throughput and latency under wrk (10 connections), with RSS
// before (idle, after a settle) and after the load. The server's CPU time per
// request hardly moves when other processes take part of the core, unlike
// req/s: it is the figure to trust on a noisy machine.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { mainTargets } from '../targets.mjs';
import { runWrk } from '../wrk.mjs';

export default {
  id: 'throughput',
  title: 'Readiness under wrk (10 connections) and memory',
  targets: mainTargets,
  baselines: { node: 'node-http', fastify: 'fastify' },
  columns: [
    { key: 'rps', label: 'req/s', unit: 'req/s', better: 'higher' },
    { key: 'p50Ms', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'cpuUsPerReq', label: 'server CPU per request', unit: 'µs', better: 'lower' },
    { key: 'idleRssMiB', label: 'idle RSS', unit: 'MiB', better: 'lower' },
    { key: 'loadRssMiB', label: 'RSS after load', unit: 'MiB', better: 'lower' },
    { key: 'errors', label: 'errors', unit: '', better: 'lower' },
  ],
  run(targets, ctx) {
    const o = ctx.options;
    return interleave(targets, o.repeats.throughput, (t) =>
      withServer(t, ctx, async ({ proc, base }) => {
        await sleep(o.settleMs);
        const idleRssMiB = rssMiB(proc.pid);
        const url = base + t.readiness;
        await runWrk({ url, seconds: o.warmupS, connections: 10, core: o.loadCore });
        const cpu0 = cpuSeconds(proc.pid);
        const w = await runWrk({ url, seconds: o.wrkS, connections: 10, core: o.loadCore });
        const cpuUsPerReq = ((cpuSeconds(proc.pid) - cpu0) * 1e6) / w.requests;
        return { rps: w.rps, p50Ms: w.p50Ms, p99Ms: w.p99Ms, cpuUsPerReq, idleRssMiB, loadRssMiB: rssMiB(proc.pid), errors: w.errorCount };
      }), ctx);
  },
};
