// A flood on the readiness path (wrk, 64 connections, as fast as the server
// goes) while a kubelet-like poller probes it 10 times a second with a fresh
// connection and a 1 s timeout: the poller's p99 and failures.
import { setTimeout as sleep } from 'node:timers/promises';
import { startKubePoller } from '../kube-poller.mjs';
import { cpuSeconds, rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { mainTargets } from '../targets.mjs';
import { runWrk } from '../wrk.mjs';

export default {
  id: 'flood',
  title: 'Flood on readiness (wrk, 64 connections) with a kubelet-like poller (10/s, 1 s timeout)',
  targets: mainTargets,
  baselines: { node: 'node-http', fastify: 'fastify' },
  columns: [
    { key: 'floodRps', label: 'flood req/s', unit: 'req/s', better: 'higher' },
    { key: 'cpuUsPerReq', label: 'server CPU per request', unit: 'µs', better: 'lower' },
    { key: 'pollerP50Ms', label: 'poller p50', unit: 'ms', better: 'lower' },
    { key: 'pollerP99Ms', label: 'poller p99', unit: 'ms', better: 'lower' },
    { key: 'pollerMaxMs', label: 'poller max', unit: 'ms', better: 'lower' },
    { key: 'pollerFailures', label: 'poller failures', unit: '', better: 'lower' },
    { key: 'probes', label: 'probes', unit: '', better: 'higher' },
    { key: 'rssMiB', label: 'RSS after', unit: 'MiB', better: 'lower' },
  ],
  run(targets, ctx) {
    const o = ctx.options;
    return interleave(targets, o.repeats.flood, (t) =>
      withServer(t, ctx, async ({ proc, base }) => {
        await sleep(o.settleMs);
        const url = base + t.readiness;
        const cpu0 = cpuSeconds(proc.pid);
        const stopPoller = startKubePoller(url, { periodMs: 100, timeoutMs: 1000 });
        const w = await runWrk({ url, seconds: o.floodS, connections: 64, core: o.loadCore });
        const p = await stopPoller();
        return {
          floodRps: w.rps,
          cpuUsPerReq: ((cpuSeconds(proc.pid) - cpu0) * 1e6) / (w.requests + p.probes),
          pollerP50Ms: p.p50Ms,
          pollerP99Ms: p.p99Ms,
          pollerMaxMs: p.maxMs,
          pollerFailures: p.failures,
          probes: p.probes,
          rssMiB: rssMiB(proc.pid),
          failureKinds: JSON.stringify(p.failureKinds),
        };
      }), ctx);
  },
};
