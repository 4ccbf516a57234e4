// Startup: spawn until the readiness endpoint first answers 200 (and, for the
// breakdown, until the port first answers anything). The CPU time the server
// used until then (all threads, 10 ms ticks) barely moves when other
// processes compete for the core, unlike the wall time.
import { cpuSeconds } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { mainTargets } from '../targets.mjs';

export default {
  id: 'startup',
  title: 'Startup (spawn → readiness answers 200)',
  targets: [...mainTargets, 'fastify-prom100'],
  baselines: { node: 'node-http', fastify: 'fastify' },
  columns: [
    { key: 'readyMs', label: 'startup', unit: 'ms', better: 'lower' },
    { key: 'firstAnswerMs', label: 'port answers', unit: 'ms', better: 'lower' },
    { key: 'cpuMs', label: 'CPU time until ready', unit: 'ms', better: 'lower' },
  ],
  run(targets, ctx) {
    return interleave(targets, ctx.options.repeats.startup, (t) =>
      withServer(t, ctx, async ({ proc, startup }) => ({ ...startup, cpuMs: cpuSeconds(proc.pid) * 1000 })), ctx);
  },
};
