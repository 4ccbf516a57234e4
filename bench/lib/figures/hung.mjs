// Probe latency while one check hangs: podwarden with 21 checks where the
// `stuck` check's target stops answering once podwarden is ready (each
// attempt then hangs for its 30 s timeout), against the same config with
// every target answering. Probes must read cached state, so the two match.
import { setTimeout as sleep } from 'node:timers/promises';
import { interleave, withServer } from '../session.mjs';
import { runWrk } from '../wrk.mjs';

export default {
  id: 'hung',
  title: 'Readiness latency while one check hangs 30 s (wrk, 10 connections)',
  targets: ['node-http', 'fastify', 'podwarden-calm', 'podwarden-hang'],
  baselines: { node: 'node-http', fastify: 'fastify' },
  columns: [
    { key: 'p50Ms', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'rps', label: 'req/s', unit: 'req/s', better: 'higher' },
    { key: 'non200', label: 'non-2xx', unit: '', better: 'lower' },
    { key: 'held', label: 'hung requests', unit: '', better: 'lower' },
  ],
  run(targets, ctx) {
    const o = ctx.options;
    return interleave(targets, o.repeats.hung, (t) =>
      withServer(t, ctx, async ({ base }) => {
        await sleep(1500); // the stuck check has started hanging
        const w = await runWrk({ url: base + t.readiness, seconds: o.hungS, connections: 10, core: o.loadCore });
        return { p50Ms: w.p50Ms, p99Ms: w.p99Ms, rps: w.rps, non200: w.errors.status, held: t.name === 'podwarden-hang' ? ctx.fixtures.switchable.held : 0 };
      }), ctx);
  },
};
