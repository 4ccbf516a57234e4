// Where podwarden's startup time and memory go, and what the levers buy:
//   node bench/profile.mjs [--short] [--only imports,loads,cpu,load,exposition,memory,snapshot,levers] [--dist DIR] [--alt-node PATH] [--nice N]
// --alt-node adds the levers of another Node (e.g. the image's Node 24: its compile cache).
// Writes bench/results/profile.md and profile.json. See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startFixtures } from './lib/fixtures.mjs';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { writeConfigs } from './lib/podwarden-config.mjs';
import { freePort, killAll, pinSelf, setNiceness, startProcess, waitForStatus } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';
import { bundle } from './lib/profile/bundle.mjs';
import { profileStartup } from './lib/profile/cpu-profile.mjs';
import { measureImports } from './lib/profile/imports.mjs';
import { loadedModules } from './lib/profile/loaded-modules.mjs';
import { memoryBreakdown } from './lib/profile/memory.mjs';
import { buildSnapshot, snapshotVariants } from './lib/profile/snapshot.mjs';
import { compareVariants } from './lib/profile/variants.mjs';
import { shebangFlags } from './lib/targets.mjs';
import { runWrk } from './lib/wrk.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { nice: { type: 'string', default: '0' }, short: { type: 'boolean', default: false }, only: { type: 'string' }, dist: { type: 'string', default: 'dist' }, 'alt-node': { type: 'string' } },
});
const sections = values.only ? values.only.split(',') : ['imports', 'loads', 'cpu', 'load', 'exposition', 'memory', 'snapshot', 'levers'];
const cores = (await import('node:os')).default.cpus().length;
const options = {
  mode: values.short ? 'short' : 'full',
  serverCore: cores > 1 ? String(cores - 1) : undefined,
  loadCore: cores > 1 ? '0' : undefined,
  settleMs: 1000,
  nice: Number(values.nice) || 0,
  maxNoisePct: 20,
  noiseRetries: 1,
};
const machine = describeMachine(options);
pinSelf(options.loadCore);
setNiceness(options.nice);
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
const cliFlags = shebangFlags(cli);
const podwarden = (config) => ({ command: (port) => ({ cmd: process.execPath, args: [...cliFlags, cli, ...serveArgs(config)(port)] }), readiness: '/readyz', root, core: options.serverCore });
const result = { machine, sections: {} };

/** Run once until ready and exit cleanly (SIGINT), so NODE_COMPILE_CACHE is written. */
async function warmCompileCache(node, args, dir) {
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const proc = startProcess({ cmd: node, args: [...args, '--port', String(port)], env: { NODE_COMPILE_CACHE: dir }, cwd: root });
    await waitForStatus(proc, `http://127.0.0.1:${port}/readyz`);
    await proc.kill('SIGINT', 5000);
  }
}
const md = [`# podwarden profile (${options.mode})`, '', `Machine: ${machineLine(machine)}. Commit ${machine.commit}, ${machine.date}.`];
const repeats = values.short ? 3 : 7;

try {
  if (sections.includes('imports')) {
    log('\n== import cost per dependency (fresh process each)');
    const specs = ['(nothing)', 'node:http', 'fastify', 'fastify-plugin', 'prom-client', 'pino', 'yaml', 'zod', '@grpc/grpc-js', 'grpc-health-check', `./${values.dist}/index.js`, ...['http', 'metrics', 'config', 'checks'].filter((d) => existsSync(join(root, values.dist, d, 'index.js'))).map((d) => `./${values.dist}/${d}/index.js`)];
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
  if (sections.includes('load')) {
    const seconds = values.short ? 3 : 8;
    const idleSeconds = values.short ? 10 : 30;
    const runs = [
      ['readiness', `podwarden serve, wrk -c10 on /readyz for ${seconds} s`, undefined,
        (base) => runWrk({ url: `${base}/readyz`, seconds, connections: 10, core: options.loadCore })],
      ['metrics', `podwarden serve with 100 services, wrk -c1 on /metrics for ${seconds} s`, 'services100',
        (base) => sleep(2500).then(() => runWrk({ url: `${base}/metrics`, seconds, connections: 1, core: options.loadCore, timeoutS: 5 }))],
      ['idle', `podwarden serve with 20 http checks every 1 s, idle for ${idleSeconds} s`, 'checks20',
        () => sleep(idleSeconds * 1000)],
      ['idle-default', `podwarden serve (embedded default, no checks), idle for ${idleSeconds} s`, undefined,
        () => sleep(idleSeconds * 1000)],
    ];
    for (const [id, title, config, during] of runs) {
      log(`\n== CPU profile: ${title}`);
      const r = await profileStartup({ ...podwarden(config), intervalUs: 500, during });
      result.sections[`load-${id}`] = r;
      md.push('', `## CPU profile: ${title}`, '',
        `From ready on, sampled every 500 µs, idle excluded: ${fmt(r.totalMs)} ms of CPU in ${fmt(r.windowMs / 1000)} s (${fmt((100 * r.totalMs) / r.windowMs)} % of a core).`, '',
        '| package / bucket | self ms |', '|---|---|', ...r.packages.slice(0, 12).map((p) => `| ${p.name} | ${fmt(p.ms)} |`),
        '', '| function | self ms |', '|---|---|', ...r.functions.slice(0, 20).map((p) => `| ${p.name} | ${fmt(p.ms)} |`));
    }
  }
  if (sections.includes('exposition')) {
    log('\n== /metrics rendering levers');
    const script = join(root, 'bench', 'lib', 'profile', 'exposition.mjs');
    const argv = [process.execPath, script, values.short ? '200' : '1000'];
    const [file, ...rest] = options.serverCore === undefined ? argv : ['taskset', '-c', options.serverCore, ...argv];
    const rows = JSON.parse(execFileSync(file, rest, { cwd: root, encoding: 'utf8', timeout: 300000 }).trim().split('\n').pop());
    result.sections.exposition = rows;
    md.push('', '## /metrics rendering levers (one process, 100 services, prom-client)', '',
      'Time to render the exposition and encode it to bytes, in-process (no HTTP); `bench/lib/profile/exposition.mjs`.', '',
      '| variant | p50 (ms) | p99 (ms) | size (KiB) |', '|---|---|---|---|',
      ...Object.entries(rows).map(([name, r]) => `| ${name} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.kib)} |`));
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
  if (sections.includes('snapshot')) {
    log('\n== V8 startup snapshot of the CLI');
    const nodeHttp = join(root, 'bench/servers/node-http.mjs');
    const variants = [];
    const builds = [];
    for (const [i, node] of [process.execPath, values['alt-node']].filter(Boolean).entries()) {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      const tag = i === 0 ? '' : '@alt';
      try {
        const { blob, emptyBlob, buildMs } = await buildSnapshot({ root, dist: values.dist, dir: join(root, 'bench', '.cache', `snapshot${tag}`), node, nodeFlags: cliFlags });
        builds.push(`${version}: blob ${fmt(statSync(blob).size / 2 ** 20)} MiB, built in ${fmt(buildMs / 1000)} s`);
        const hasCache = execFileSync(node, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).trim() === 'function';
        const compileCache = hasCache ? join(root, 'bench', '.cache', `compile-cache-cli${tag}`) : undefined;
        if (compileCache) await warmCompileCache(node, [...cliFlags, cli, 'serve'], compileCache);
        variants.push(...snapshotVariants({ node, tag, blob, emptyBlob, cli, cliFlags, nodeHttp, compileCache }).map((v) => ({ ...v, label: `${v.label} (${version})` })));
      } catch (error) {
        const lines = `${error.stdout ?? ''}\n${error.stderr ?? ''}\n${error.message}`.split('\n');
        const reason = lines.find((l) => /Check failed|not serialized/.test(l)) ?? lines.find((l) => /Error/.test(l) && !/Warning/.test(l)) ?? error.message;
        const holder = lines.map((l) => /#(\w+): 0x\w+ <JSFunction/.exec(l)?.[1]).find(Boolean);
        builds.push(`${version}: the snapshot does not build: ${reason.trim().replace(/0x[0-9a-f]+/g, '…').slice(0, 160)}${holder ? ` (a native handle of ${holder})` : ''}`);
      }
    }
    const rows = variants.length ? await compareVariants(variants, ctx, { repeats, wrkS: 0 }) : [];
    result.sections.snapshot = { builds, rows };
    const c = (s) => `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}] ×${fmt(s.vsBase)}`;
    md.push('', '## V8 startup snapshot of serve (`node --snapshot-blob`, serve bundled to CommonJS)', '', ...builds.map((b) => `- ${b}`), '',
      'median [min–max] ×ratio to bare node:http on the same Node, interleaved.', '',
      '| variant | how | startup (ms) | CPU until ready (ms) | idle RSS 1 s after ready (MiB) | noise (%) |', '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.label} | ${c(r.summary.startupMs)} | ${c(r.summary.startupCpuMs)} | ${c(r.summary.idleRssMiB)} | ${fmt(r.summary.noisePct.median)} |`));
  }
  if (sections.includes('levers')) {
    log('\n== levers: bundling, V8 flags, another Node with its compile cache');
    const cache = join(root, 'bench', '.cache');
    const plain = await bundle({ root, entry: cli, outfile: join(cache, 'podwarden-cli.mjs') });
    const ascii = await bundle({ root, entry: cli, outfile: join(cache, 'podwarden-cli.ascii.mjs'), ascii: true });
    const asciiMin = await bundle({ root, entry: cli, outfile: join(cache, 'podwarden-cli.ascii.min.mjs'), ascii: true, minify: true });
    const split = await bundle({ root, entry: cli, outfile: join(cache, 'split', 'podwarden-cli.mjs'), ascii: true, split: true });
    const nodeHttp = join(root, 'bench/servers/node-http.mjs');
    const httpArgs = (p) => ['--port', String(p)];
    // Every podwarden variant runs with the CLI's shebang flags, as shipped.
    const v = (name, label, entry, args, extra = {}) => ({ name, label, entry, args, readiness: '/readyz', base: 'node-http', ...extra });
    const pw = (name, label, entry, args, extra = {}) => v(name, label, entry, args, { nodeFlags: cliFlags, ...extra });
    const shipped = cliFlags.length ? ` (${cliFlags.join(' ')})` : '';
    const variants = [
      v('node-http', 'bare node:http', nodeHttp, httpArgs),
      pw('podwarden', `dist/cli/main.js as shipped${shipped}`, cli, serveArgs()),
      v('podwarden-noflags', 'dist/cli/main.js without the shebang flags', cli, serveArgs()),
      pw('bundle', `esbuild bundle (${fmt(plain.kib)} KiB)`, plain.outfile, serveArgs()),
      pw('bundle-ascii', 'bundle, ASCII-only source', ascii.outfile, serveArgs()),
      pw('bundle-ascii-split', 'bundle, ASCII-only, code-split (lazy imports stay out of the startup file)', split.outfile, serveArgs()),
      pw('bundle-ascii-min', `bundle, ASCII-only, minified (${fmt(asciiMin.kib)} KiB)`, asciiMin.outfile, serveArgs()),
      pw('podwarden-100', 'dist, 100 services', cli, serveArgs('services100')),
      v('podwarden-100-noflags', 'dist, 100 services, without the shebang flags', cli, serveArgs('services100')),
      v('podwarden-100-semi2', 'dist, 100 services, --max-semi-space-size=2', cli, serveArgs('services100'), { nodeFlags: ['--max-semi-space-size=2'] }),
      v('podwarden-100-semi4', 'dist, 100 services, --max-semi-space-size=4', cli, serveArgs('services100'), { nodeFlags: ['--max-semi-space-size=4'] }),
      v('podwarden-semi4', 'dist, --max-semi-space-size=4', cli, serveArgs(), { nodeFlags: ['--max-semi-space-size=4'] }),
      pw('podwarden-100-bundle', 'bundle ASCII-only, 100 services', ascii.outfile, serveArgs('services100')),
      pw('podwarden-100-split', 'bundle ASCII-only, code-split, 100 services', split.outfile, serveArgs('services100')),
    ];
    if (values['alt-node']) {
      const alt = values['alt-node'];
      const altVersion = execFileSync(alt, ['--version'], { encoding: 'utf8' }).trim();
      const ccDist = join(cache, 'compile-cache-dist');
      const ccBundle = join(cache, 'compile-cache-bundle');
      await warmCompileCache(alt, [cli, ...serveArgs()(0).slice(0, -2)], ccDist);
      await warmCompileCache(alt, [ascii.outfile, ...serveArgs()(0).slice(0, -2)], ccBundle);
      const ccSplit = join(cache, 'compile-cache-split');
      await warmCompileCache(alt, [split.outfile, ...serveArgs()(0).slice(0, -2)], ccSplit);
      const a = { node: alt, base: 'node-http@alt', nodeFlags: cliFlags };
      variants.push(
        v('node-http@alt', `bare node:http on ${altVersion}`, nodeHttp, httpArgs, { ...a, nodeFlags: [] }),
        v('podwarden@alt', `dist on ${altVersion}`, cli, serveArgs(), a),
        v('podwarden@alt+cc', `dist on ${altVersion}, warm NODE_COMPILE_CACHE`, cli, serveArgs(), { ...a, env: { NODE_COMPILE_CACHE: ccDist } }),
        v('bundle@alt+cc', `bundle ASCII-only on ${altVersion}, warm NODE_COMPILE_CACHE`, ascii.outfile, serveArgs(), { ...a, env: { NODE_COMPILE_CACHE: ccBundle } }),
        v('split@alt+cc', `bundle ASCII-only, code-split, on ${altVersion}, warm NODE_COMPILE_CACHE`, split.outfile, serveArgs(), { ...a, env: { NODE_COMPILE_CACHE: ccSplit } }),
        v('podwarden-100@alt+cc', `dist, 100 services, on ${altVersion}, warm NODE_COMPILE_CACHE`, cli, serveArgs('services100'), { ...a, env: { NODE_COMPILE_CACHE: ccDist } }),
      );
    }
    result.sections.bundleComposition = ascii.composition;
    md.push('', `## What the bundle is made of (${fmt(ascii.kib)} KiB, not minified)`, '', '| package | KiB |', '|---|---|',
      ...ascii.composition.slice(0, 15).map((r) => `| ${r.package} | ${fmt(r.kib)} |`));
    const rows = await compareVariants(variants, ctx, { repeats: values.short ? 2 : 5, wrkS: values.short ? 2 : 4 });
    result.sections.levers = rows;
    md.push('', '## Levers, measured side by side (interleaved)', '', 'median [min–max]; ×r = ratio to bare node:http on the same Node in the same run.', '', '| variant | how | startup (ms) | CPU until ready (ms) | idle RSS (MiB) | req/s | p99 (ms) | CPU per request (µs) | RSS after load (MiB) | noise (%) |', '|---|---|---|---|---|---|---|---|---|---|');
    const c = (s) => `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}] ×${fmt(s.vsBase)}`;
    for (const r of rows) md.push(`| ${r.name} | ${r.label} | ${c(r.summary.startupMs)} | ${c(r.summary.startupCpuMs)} | ${c(r.summary.idleRssMiB)} | ${c(r.summary.rps)} | ${c(r.summary.p99Ms)} | ${c(r.summary.cpuUsPerReq)} | ${c(r.summary.loadRssMiB)} | ${fmt(r.summary.noisePct.median)} |`);
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
