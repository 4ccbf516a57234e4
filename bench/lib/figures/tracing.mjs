// Tracing off costs nothing: startup and memory of the CLI without any OTEL_*
// variable against the CLI built before tracing existed (--baseline-dist),
// and of a library program with traceLifecycle attached and no provider
// registered against the same program without it. Ratios: ×a to
// podwarden-baseline, ×b to podwarden-library.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';

export default {
  id: 'tracing',
  title: 'Tracing off: startup and memory (no OTEL_* variables; traceLifecycle without a provider)',
  targets: ['podwarden-baseline', 'podwarden', 'podwarden-library', 'podwarden-library-traced'],
  baselines: { node: 'podwarden-baseline', fastify: 'podwarden-library' },
  baselineLabels: { node: 'the CLI before tracing', fastify: 'the library without traceLifecycle' },
  columns: [
    { key: 'readyMs', label: 'startup', unit: 'ms', better: 'lower' },
    { key: 'cpuMs', label: 'CPU time until ready', unit: 'ms', better: 'lower' },
    { key: 'idleRssMiB', label: 'idle RSS', unit: 'MiB', better: 'lower' },
  ],
  run(targets, ctx) {
    return interleave(targets, ctx.options.repeats.tracing, (t) =>
      withServer(t, ctx, async ({ proc, startup }) => {
        const cpuMs = cpuSeconds(proc.pid) * 1000;
        // The traced library loads @opentelemetry/api once its startup span is recorded, after ready: the settle covers it.
        await sleep(ctx.options.settleMs);
        return { readyMs: startup.readyMs, cpuMs, idleRssMiB: rssMiB(proc.pid) };
      }), ctx);
  },
};
