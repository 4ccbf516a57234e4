// Levers measured side by side: the same server started different ways
// (bundled, minified, with V8 flags), interleaved, with startup, idle RSS and
// readiness throughput for each.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, rssMiB } from '../proc.mjs';
import { interleave, withServer } from '../session.mjs';
import { ratio, summarize } from '../stats.mjs';
import { runWrk } from '../wrk.mjs';

/**
 * @param variants [{ name, label, base?, node?, nodeFlags?, env?, entry, args(port), readiness }]
 *   `base` names the variant each ratio is taken against.
 */
export async function compareVariants(variants, ctx, { repeats = 5, wrkS = 3 } = {}) {
  const targets = variants.map((v) => ({
    ...v,
    command: (_ctx, port) => ({ cmd: v.node ?? process.execPath, args: [...(v.nodeFlags ?? []), v.entry, ...v.args(port)], env: v.env }),
  }));
  const { runs, errors } = await interleave(targets, repeats, (t) =>
    withServer(t, ctx, async ({ proc, base, startup }) => {
      const startupCpuMs = cpuSeconds(proc.pid) * 1000;
      await sleep(ctx.options.settleMs);
      const idleRssMiB = rssMiB(proc.pid);
      const cpu0 = cpuSeconds(proc.pid);
      const w = wrkS > 0 ? await runWrk({ url: base + t.readiness, seconds: wrkS, connections: 10, core: ctx.options.loadCore }) : undefined;
      const cpuUsPerReq = w ? ((cpuSeconds(proc.pid) - cpu0) * 1e6) / w.requests : NaN;
      return { startupMs: startup.readyMs, startupCpuMs, idleRssMiB, rps: w?.rps ?? NaN, p99Ms: w?.p99Ms ?? NaN, cpuUsPerReq, loadRssMiB: rssMiB(proc.pid) };
    }), ctx);
  const rows = variants.map((v) => {
    const list = runs.get(v.name);
    const s = {};
    for (const key of ['startupMs', 'startupCpuMs', 'idleRssMiB', 'rps', 'p99Ms', 'cpuUsPerReq', 'loadRssMiB', 'noisePct']) s[key] = summarize(list.map((r) => r[key]));
    return { name: v.name, label: v.label, base: v.base, summary: s, errors: errors.get(v.name) };
  });
  for (const row of rows) {
    const base = rows.find((r) => r.name === row.base);
    for (const [key, s] of Object.entries(row.summary)) s.vsBase = ratio(s.median, base?.summary[key].median);
  }
  return rows;
}
