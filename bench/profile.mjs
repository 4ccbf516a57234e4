// Where podwarden's startup time and memory go, and what the levers buy:
//   node bench/profile.mjs [--short] [--only imports,loads,cpu,memory,levers] [--dist DIR]
// Writes bench/results/profile.md and profile.json. See docs/performance.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFixtures } from './lib/fixtures.mjs';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { writeConfigs } from './lib/podwarden-config.mjs';
import { killAll, pinSelf } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';
import { bundle } from './lib/profile/bundle.mjs';
import { profileStartup } from './lib/profile/cpu-profile.mjs';
import { measureImports } from './lib/profile/imports.mjs';
import { loadedModules } from './lib/profile/loaded-modules.mjs';
import { memoryBreakdown } from './lib/profile/memory.mjs';
import { compareVariants } from './lib/profile/variants.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { short: { type: 'boolean', default: false }, only: { type: 'string' }, dist: { type: 'string', default: 'dist' } },
});
const sections = values.only ? values.only.split(',') : ['imports', 'loads', 'cpu', 'memory', 'levers'];
const cores = (await import('node:os')).default.cpus().length;
const options = {
  mode: values.short ? 'short' : 'full',
  serverCore: cores > 1 ? String(cores - 1) : undefined,
  loadCore: cores > 1 ? '0' : undefined,
  settleMs: 1000,
  maxNoisePct: 20,
  noiseRetries: 2,
};
const machine = describeMachine(options);
pinSelf(options.loadCore);
const log = (l) => console.log(l);
log(`machine: ${machineLine(machine)}`);

const cli = join(root, values.dist, 'cli', 'main.js');
if (!existsSync(cli)) {
  console.error(`${values.dist}/cli/main.js is missing: run \`npm run build\` first.`);
  process.exit(2);
}
const fixtures = await startFixtures();
const configs = writeConfigs(fixtures);
const ctx = { root, options, fixtures, configs, log };
const serveArgs = (config) => (port) => ['serve', ...(config ? ['--config', configs.files[config]] : []), '--port', String(port)];
const podwarden = (config) => ({ command: (port) => ({ cmd: process.execPath, args: [cli, ...serveArgs(config)(port)] }), readiness: '/readyz', root, core: options.serverCore });
const result = { machine, sections: {} };
const md = [`# podwarden profile (${options.mode})`, '', `Machine: ${machineLine(machine)}. Commit ${machine.commit}, ${machine.date}.`];
const repeats = values.short ? 3 : 7;

try {
  if (sections.includes('imports')) {
    log('\n== import cost per dependency (fresh process each)');
    const specs = ['(nothing)', 'node:http', 'fastify', 'fastify-plugin', 'prom-client', 'pino', 'yaml', 'zod', 'ms', '@grpc/grpc-js', 'grpc-health-check', `./${values.dist}/index.js`, ...['http', 'metrics', 'config', 'checks'].filter((d) => existsSync(join(root, values.dist, d, 'index.js'))).map((d) => `./${values.dist}/${d}/index.js`)];
    const rows = measureImports(specs, { root, repeats, core: options.serverCore });
    result.sections.imports = rows;
    md.push('', '## Import cost per dependency', '', 'A fresh `node --input-type=module` process imports one module; median [min–max] over interleaved runs.', '', '| module | import (ms) | import CPU (ms) | RSS growth (MiB) | whole process (ms) |', '|---|---|---|---|---|');
    for (const r of rows) md.push(`| ${r.spec} | ${fmt(r.importMs.median)} [${fmt(r.importMs.min)}–${fmt(r.importMs.max)}] | ${fmt(r.cpuMs.median)} [${fmt(r.cpuMs.min)}–${fmt(r.cpuMs.max)}] | ${fmt(r.rssMiB.median)} | ${fmt(r.processWallMs.median)} |`);
  }
  if (sections.includes('loads')) {
    log('\n== files loaded before ready');
    for (const config of [undefined, 'services100']) {
      const r = await loadedModules(podwarden(config));
      const name = `podwarden${config ? ` --config ${config}` : ''}`;
      result.sections[`loads ${name}`] = r;
      md.push('', `## Files loaded until ready: ${name}`, '', `${r.files} files, ${fmt(r.kib)} KiB of source.`, '', '| package | files | KiB |', '|---|---|---|');
      for (const row of r.rows.slice(0, 20)) md.push(`| ${row.package} | ${row.files} | ${fmt(row.kib)} |`);
    }
  }
  if (sections.includes('cpu')) {
    log('\n== CPU profile of startup');
    const r = await profileStartup(podwarden());
    result.sections.cpu = r;
    md.push('', '## CPU profile, spawn → ready (podwarden serve, embedded default)', '',
      `Sampled every 200 µs (the profiler slows startup: ${fmt(r.startup.readyMs)} ms here). Self time ${fmt(r.totalMs)} ms, idle excluded.`, '',
      '| package / bucket | self ms |', '|---|---|', ...r.packages.slice(0, 15).map((p) => `| ${p.name} | ${fmt(p.ms)} |`),
      '', '| function | self ms |', '|---|---|', ...r.functions.slice(0, 15).map((p) => `| ${p.name} | ${fmt(p.ms)} |`));
  }
  if (sections.includes('memory')) {
    log('\n== idle memory breakdown');
    const rows = [];
    for (const [name, spec] of [
      ['node-http', { command: (port) => ({ cmd: process.execPath, args: [join(root, 'bench/servers/node-http.mjs'), '--port', String(port)] }), readiness: '/readyz', root, core: options.serverCore }],
      ['podwarden', podwarden()],
      ['podwarden-100', podwarden('services100')],
    ]) rows.push({ name, ...(await memoryBreakdown(spec)) });
    result.sections.memory = rows;
    md.push('', '## Idle memory breakdown (1.5 s after ready)', '', '| server | RSS | V8 heap used / total | bytecode | machine code | script source | external | outside V8 heap | threads |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) md.push(`| ${r.name} | ${fmt(r.rssMiB)} | ${fmt(r.heapUsedMiB)} / ${fmt(r.heapTotalMiB)} | ${fmt(r.bytecodeMiB)} | ${fmt(r.machineCodeMiB)} | ${fmt(r.scriptSourceMiB)} | ${fmt(r.externalMiB)} | ${fmt(r.outsideHeapMiB)} | ${r.threads} |`);
    md.push('', 'All in MiB. "Outside V8 heap" = RSS − heap total − external: the node binary, thread stacks, malloc arenas.');
  }
  if (sections.includes('levers')) {
    log('\n== levers: bundling and V8 flags');
    const cache = join(root, 'bench', '.cache');
    const plain = await bundle({ root, entry: cli, outfile: join(cache, 'podwarden-cli.mjs') });
    const min = await bundle({ root, entry: cli, outfile: join(cache, 'podwarden-cli.min.mjs'), minify: true });
    const nodeHttp = join(root, 'bench/servers/node-http.mjs');
    const memFlags = ['--max-semi-space-size=1', '--v8-pool-size=1'];
    const variants = [
      { name: 'node-http', label: 'bare node:http', entry: nodeHttp, args: (p) => ['--port', String(p)], readiness: '/readyz', base: 'node-http' },
      { name: 'node-http+flags', label: `bare node:http ${memFlags.join(' ')}`, nodeFlags: memFlags, entry: nodeHttp, args: (p) => ['--port', String(p)], readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden', label: 'dist/cli/main.js', entry: cli, args: serveArgs(), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden-bundle', label: `esbuild bundle (${fmt(plain.kib)} KiB)`, entry: plain.outfile, args: serveArgs(), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden-bundle-min', label: `esbuild bundle, minified (${fmt(min.kib)} KiB)`, entry: min.outfile, args: serveArgs(), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden-bundle+flags', label: `bundle + ${memFlags.join(' ')}`, nodeFlags: memFlags, entry: plain.outfile, args: serveArgs(), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden+flags', label: `dist + ${memFlags.join(' ')}`, nodeFlags: memFlags, entry: cli, args: serveArgs(), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden-100', label: 'dist, 100 services', entry: cli, args: serveArgs('services100'), readiness: '/readyz', base: 'node-http' },
      { name: 'podwarden-100-bundle', label: 'bundle, 100 services', entry: plain.outfile, args: serveArgs('services100'), readiness: '/readyz', base: 'node-http' },
    ];
    const rows = await compareVariants(variants, ctx, { repeats: values.short ? 2 : 5, wrkS: values.short ? 2 : 5 });
    result.sections.levers = rows;
    md.push('', '## Levers, measured side by side (interleaved)', '', 'median [min–max]; ×r = ratio to bare node:http in the same run.', '', '| variant | how | startup (ms) | idle RSS (MiB) | req/s | p99 (ms) |', '|---|---|---|---|---|---|');
    const c = (s) => `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}] ×${fmt(s.vsBase)}`;
    for (const r of rows) md.push(`| ${r.name} | ${r.label} | ${c(r.summary.startupMs)} | ${c(r.summary.idleRssMiB)} | ${c(r.summary.rps)} | ${c(r.summary.p99Ms)} |`);
  }
} finally {
  killAll();
  fixtures.close();
  configs.remove();
}
const out = join(root, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'profile.md'), md.join('\n') + '\n');
writeFileSync(join(out, 'profile.json'), JSON.stringify(result, null, 2) + '\n');
log(`\n${md.join('\n')}\n\nwritten: bench/results/profile.md and profile.json`);
