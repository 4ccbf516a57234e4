// Idle CPU with 20 http checks every 1 s: utime+stime from /proc/<pid>/stat
// over a window. The targets of one round run side by side on the server
// core (they are idle, so they barely compete), which keeps the window shared.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, freePort, rssMiB, startProcess, waitForStatus } from '../proc.mjs';

async function round(targets, ctx) {
  const o = ctx.options;
  const procs = [];
  try {
    for (const t of targets) {
      const port = await freePort();
      const { cmd, args, env } = t.command(ctx, port);
      const proc = startProcess({ cmd, args, env, core: o.serverCore, cwd: ctx.root });
      procs.push({ t, proc });
      await waitForStatus(proc, `http://127.0.0.1:${port}${t.readiness}`);
    }
    await sleep(2000); // past startup work and the first checks
    const start = performance.now();
    const before = procs.map(({ proc }) => cpuSeconds(proc.pid));
    await sleep(o.idleWindowS * 1000);
    const seconds = (performance.now() - start) / 1000;
    return procs.map(({ t, proc }, i) => ({
      name: t.name,
      values: { cpuPct: (100 * (cpuSeconds(proc.pid) - before[i])) / seconds, rssMiB: rssMiB(proc.pid) },
    }));
  } finally {
    await Promise.all(procs.map(({ proc }) => proc.kill('SIGKILL')));
  }
}

export default {
  id: 'idleCpu',
  title: 'Idle CPU with 20 http checks every 1 s',
  targets: ['node-http', 'node-http-20checks', 'node-http-20fresh', 'fastify-20checks', 'podwarden', 'podwarden-20checks'],
  baselines: { node: 'node-http-20checks', fastify: 'fastify-20checks' },
  columns: [
    { key: 'cpuPct', label: 'CPU', unit: '% of a core', better: 'lower' },
    { key: 'rssMiB', label: 'RSS', unit: 'MiB', better: 'lower' },
  ],
  async run(targets, ctx) {
    const runs = new Map(targets.map((t) => [t.name, []]));
    const errors = new Map(targets.map((t) => [t.name, []]));
    for (let r = 0; r < ctx.options.repeats.idleCpu; r += 1) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]);
      try {
        for (const { name, values } of await round(order, ctx)) {
          runs.get(name).push(values);
          ctx.log(`  ${name} #${r + 1}: cpu=${values.cpuPct.toFixed(2)}% rss=${values.rssMiB.toFixed(1)}MiB`);
        }
      } catch (error) {
        for (const t of targets) errors.get(t.name).push(error.message.slice(0, 300));
        ctx.log(`  round #${r + 1}: FAILED ${error.message.slice(0, 300)}`);
      }
    }
    return { runs, errors };
  },
};
