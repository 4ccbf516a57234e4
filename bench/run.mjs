// podwarden's benchmark harness: `make bench` (full) or
// `make bench BENCH_ARGS=--short`. See docs/performance.md.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { startFixtures } from './lib/fixtures.mjs';
import { ensureLightshipDist } from './lib/lightship-dist.mjs';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { parseOptions } from './lib/options.mjs';
import { writeConfigs } from './lib/podwarden-config.mjs';
import { killAll, pinSelf, setNiceness } from './lib/proc.mjs';
import { evaluateGoals } from './lib/goals.mjs';
import { summarizeFigure, writeResults } from './lib/report.mjs';
import { prepareRuntime } from './lib/runtime.mjs';
import { allTargets, figureTargets } from './lib/targets.mjs';
import startup from './lib/figures/startup.mjs';
import throughput from './lib/figures/throughput.mjs';
import sigterm from './lib/figures/sigterm.mjs';
import metrics from './lib/figures/metrics.mjs';
import hung from './lib/figures/hung.mjs';
import idleCpu from './lib/figures/idle-cpu.mjs';
import flood from './lib/figures/flood.mjs';
import tracing from './lib/figures/tracing.mjs';
import image, { imageTargets } from './lib/figures/image.mjs';
import scale from './lib/figures/scale.mjs';

const figures = { startup, throughput, sigterm, metrics, hung, idleCpu, flood, tracing, image, scale };
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const options = parseOptions(argv);
const log = (line) => console.log(line);

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  if (error.code === 'ENOENT') {
    console.error('wrk is missing: run `bash scripts/tools/wrk.sh` (make bench does).');
    process.exit(2);
  }
}

const removeRuntime = prepareRuntime(options, root);
const machine = describeMachine(options);
pinSelf(options.loadCore);
setNiceness(options.nice);
log(`machine: ${machineLine(machine)}`);

const fixtures = await startFixtures();
const configs = writeConfigs(fixtures);
const ctx = { root, options, fixtures, configs, log, lightship: await ensureLightshipDist(root) };
const targets = allTargets(ctx);
for (const t of imageTargets) targets.set(t.name, t);
const complete = !options.targetFilter && options.figures.length === Object.keys(figures).length;
const results = {
  machine,
  command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
  options: { ...options, targetFilter: options.targetFilter ?? null },
  figures: {},
  goals: [],
};
const outDir = resolve(root, options.out);
const started = Date.now();

try {
  for (const id of options.figures) {
    const figure = figures[id];
    const wanted = figureTargets(figure.targets, targets, options.targetFilter);
    const skipped = {};
    const list = [];
    for (const name of wanted) {
      const t = targets.get(name);
      const ok = t.available(ctx);
      if (ok === true) list.push(t);
      else skipped[name] = ok;
    }
    log(`\n== ${figure.title}${Object.keys(skipped).length ? ` (skipped: ${Object.keys(skipped).join(', ')})` : ''}`);
    const raw = await figure.run(list, ctx);
    results.figures[id] = summarizeFigure(figure, list, raw, skipped);
    results.goals = evaluateGoals(results.figures);
    results.elapsedS = Math.round((Date.now() - started) / 1000);
    writeResults(results, outDir, ['latest']);
  }
  const md = writeResults(results, outDir, complete ? ['latest', options.mode] : ['latest']);
  log(`\n${md}`);
  log(`written: ${join(options.out, 'latest.md')} and latest.json${complete ? `, ${options.mode}.md/json` : ''} (${results.elapsedS ?? 0} s)`);
} finally {
  killAll();
  fixtures.close();
  configs.remove();
  removeRuntime();
  if (!existsSync(outDir)) process.exitCode = 1;
}
