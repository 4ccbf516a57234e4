// What each dependency costs to import in a fresh process: wall and CPU
// milliseconds (CPU time shrugs off a busy machine) and RSS growth, median over interleaved runs, next to an empty ESM process.
import { execFileSync } from 'node:child_process';
import { summarize } from '../stats.mjs';

const probe = (spec) => `
const r0 = process.memoryUsage().rss;
const c0 = process.cpuUsage();
const t0 = performance.now();
${spec ? `await import(${JSON.stringify(spec)});` : ''}
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, rssMiB: (process.memoryUsage().rss - r0) / 1048576 }));
`;

export function measureImports(specs, { root, repeats = 7, core }) {
  const rows = new Map(specs.map((s) => [s, { ms: [], cpuMs: [], rssMiB: [], wallMs: [] }]));
  for (let r = 0; r < repeats; r += 1) {
    for (const spec of specs) {
      const args = ['--input-type=module', '-e', probe(spec === '(nothing)' ? '' : spec)];
      const cmd = core === undefined ? [process.execPath, args] : ['taskset', ['-c', core, process.execPath, ...args]];
      const t0 = performance.now();
      const out = execFileSync(cmd[0], cmd[1], { cwd: root, encoding: 'utf8', timeout: 30000 });
      const wallMs = performance.now() - t0;
      const v = JSON.parse(out.trim().split('\n').pop());
      const row = rows.get(spec);
      row.ms.push(v.ms);
      row.cpuMs.push(v.cpuMs);
      row.rssMiB.push(v.rssMiB);
      row.wallMs.push(wallMs);
    }
  }
  return [...rows].map(([spec, v]) => ({
    spec,
    importMs: summarize(v.ms),
    cpuMs: summarize(v.cpuMs),
    rssMiB: summarize(v.rssMiB),
    processWallMs: summarize(v.wallMs),
  }));
}
