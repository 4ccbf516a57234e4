// Harness options: one defaults object per mode, one parser.
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const modes = {
  // A few seconds per figure: catches regressions, not small differences.
  short: {
    repeats: { startup: 3, throughput: 2, sigterm: 2, metrics: 2, hung: 2, idleCpu: 1, flood: 1, tracing: 3, image: 2, scale: 2 },
    settleMs: 500, warmupS: 1, wrkS: 2, metricsS: 2, hungS: 2, idleWindowS: 5, floodS: 4, imageSettleS: 0,
  },
  full: {
    repeats: { startup: 10, throughput: 5, sigterm: 5, metrics: 3, hung: 3, idleCpu: 3, flood: 3, tracing: 10, image: 5, scale: 5 },
    settleMs: 1000, warmupS: 2, wrkS: 10, metricsS: 10, hungS: 10, idleWindowS: 30, floodS: 30, imageSettleS: 10,
  },
};

export const figureIds = ['startup', 'throughput', 'sigterm', 'metrics', 'hung', 'idleCpu', 'flood', 'tracing', 'image', 'scale'];

const usage = `usage: node bench/run.mjs [--short] [--only fig,…] [--targets name,…] [--repeats N] [--out DIR] [--dist DIR] [--baseline-dist DIR] [--max-noise PCT] [--noise-retries N] [--runtime host|image] [--node PATH] [--compile-cache DIR] [--nice N] [--image-base local|upstream] [--image-settle S]
       [--podwarden-flags="FLAGS"] [--podwarden-variant "NAME=FLAGS"]…
figures: ${figureIds.join(', ')}`;

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean', default: false },
      only: { type: 'string' },
      targets: { type: 'string' },
      repeats: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      dist: { type: 'string', default: 'dist' },
      'baseline-dist': { type: 'string' },
      'max-noise': { type: 'string', default: '20' },
      'noise-retries': { type: 'string', default: '1' },
      runtime: { type: 'string', default: 'host' },
      node: { type: 'string' },
      'compile-cache': { type: 'string' },
      nice: { type: 'string', default: '0' },
      'podwarden-flags': { type: 'string', default: '' },
      'podwarden-variant': { type: 'string', multiple: true, default: [] },
      'server-core': { type: 'string' },
      'load-core': { type: 'string' },
      'image-base': { type: 'string', default: 'local' },
      'image-settle': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const mode = values.short ? 'short' : 'full';
  const base = modes[mode];
  const repeats = { ...base.repeats };
  if (values.repeats) {
    const n = Number(values.repeats);
    if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--repeats must be 1..50\n${usage}`);
    for (const k of Object.keys(repeats)) repeats[k] = n;
  }
  const only = values.only ? values.only.split(',') : figureIds;
  for (const f of only) if (!figureIds.includes(f)) throw new Error(`unknown figure ${f}\n${usage}`);
  if (!['host', 'image'].includes(values.runtime)) throw new Error(`--runtime must be host (the Node running the harness, or --node) or image (the image's Node and compile cache), not ${values.runtime}\n${usage}`);
  if (values.runtime === 'image' && values.node !== undefined) throw new Error(`--runtime image runs the image's Node: drop --node, or use --runtime host --node PATH\n${usage}`);
  if (!['local', 'upstream'].includes(values['image-base'])) throw new Error(`--image-base must be local or upstream, not ${values['image-base']}\n${usage}`);
  const imageSettleS = values['image-settle'] === undefined ? base.imageSettleS : Number(values['image-settle']);
  if (!(imageSettleS >= 0 && imageSettleS <= 300)) throw new Error(`--image-settle must be 0..300 seconds\n${usage}`);
  const cores = os.availableParallelism();
  const variants = values['podwarden-variant'].map(parseVariant);
  const names = new Set();
  for (const v of variants) {
    if (names.has(v.name)) throw new Error(`--podwarden-variant ${v.name} is given twice: give each variant its own name\n${usage}`);
    names.add(v.name);
  }
  return {
    ...base,
    mode,
    repeats,
    figures: only,
    targetFilter: values.targets ? values.targets.split(',') : undefined,
    out: values.out,
    dist: values.dist,
    baselineDist: values['baseline-dist'],
    maxNoisePct: Number(values['max-noise']),
    // --runtime image sets node and compileCache (bench/lib/runtime.mjs).
    runtime: values.runtime,
    node: values.node ?? process.execPath,
    podwardenFlags: splitFlags(values['podwarden-flags'], '--podwarden-flags'),
    podwardenVariants: variants,
    // podwarden's CLI runs with NODE_COMPILE_CACHE=DIR (absolute), a cache filled beforehand:
    // the harness ends its servers with SIGKILL, so Node never writes one (docs/performance.md).
    compileCache: values['compile-cache'] === undefined ? undefined : resolve(values['compile-cache']),
    imageBase: values['image-base'],
    imageSettleS,
    nice: Math.max(-20, Math.min(19, Number(values.nice) || 0)),
    noiseRetries: Math.min(5, Math.max(0, Number(values['noise-retries']) || 0)),
    // The server gets the last core, the load generator and the harness the first.
    serverCore: values['server-core'] ?? (cores > 1 ? String(cores - 1) : undefined),
    loadCore: values['load-core'] ?? (cores > 1 ? '0' : undefined),
  };
}

/** Node flags from one option value: each must start with `-` (so a file name cannot slip in). */
function splitFlags(text, option) {
  const flags = text.trim().split(/\s+/).filter(Boolean);
  for (const f of flags) {
    if (!f.startsWith('-')) throw new Error(`${option}: "${f}" is not a Node flag (flags start with -, for example "--v8-pool-size=1")\n${usage}`);
  }
  return flags;
}

/**
 * `NAME=FLAGS`: every podwarden target of a figure is also run as
 * `<target>+NAME` with FLAGS after the shebang's, interleaved with the others.
 */
function parseVariant(text) {
  const m = /^(?<name>[a-z0-9][a-z0-9.-]*)=(?<flags>.*)$/i.exec(text);
  if (!m) throw new Error(`--podwarden-variant "${text}": expected NAME=FLAGS, for example "pool1=--v8-pool-size=1"\n${usage}`);
  return { name: m.groups.name, flags: splitFlags(m.groups.flags, `--podwarden-variant ${m.groups.name}`) };
}
