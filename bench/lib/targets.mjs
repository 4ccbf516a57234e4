// Every server the harness measures. A target says how to start it on a port
// and which paths answer readiness, liveness and metrics.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scaleSizes } from './podwarden-config.mjs';

/**
 * The Node flags podwarden runs with: those of its CLI's shebang
 * (`#!/usr/bin/env -S node --flag …`), which `npm start` and the image repeat.
 */
export function shebangFlags(file) {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(?<flags>(?: +-\S+)*)\s*$/.exec(first);
  return m?.groups.flags.trim().split(/ +/).filter(Boolean) ?? [];
}

function baseline(name, label, script, extra = {}) {
  return {
    name,
    label,
    readiness: '/readyz',
    liveness: '/livez',
    args: [],
    available: () => true,
    ...extra,
    command(ctx, port) {
      return { cmd: ctx.options.node, args: [join(ctx.root, 'bench', 'servers', script), '--port', String(port), ...this.args] };
    },
  };
}

function podwarden(name, label, configKey, extra = {}) {
  return {
    name,
    label,
    readiness: '/readyz',
    liveness: '/livez',
    metrics: '/metrics',
    /** The build to run: --dist, unless the target says otherwise. */
    dist: (ctx) => ctx.options.dist,
    /** Node flags after the shebang's: --podwarden-flags, then a variant's own. */
    extraFlags: [],
    ...extra,
    command(ctx, port) {
      const config = configKey ? ['--config', ctx.configs.files[configKey]] : [];
      const cli = resolve(ctx.root, this.dist(ctx), 'cli', 'main.js');
      const flags = [...shebangFlags(cli), ...ctx.options.podwardenFlags, ...this.extraFlags];
      const env = ctx.options.compileCache === undefined ? undefined : { NODE_COMPILE_CACHE: ctx.options.compileCache };
      return { cmd: ctx.options.node, args: [...flags, cli, 'serve', ...config, '--port', String(port)], env };
    },
    available(ctx) {
      const dist = this.dist(ctx);
      if (dist === undefined) return 'needs --baseline-dist (a build of podwarden to compare with)';
      return existsSync(resolve(ctx.root, dist, 'cli', 'main.js')) || `${dist}/cli/main.js is not built yet`;
    },
  };
}

/** podwarden as a library (bench/servers/podwarden-library.mjs on the --dist build). */
function library(name, label, args) {
  return {
    name,
    label,
    readiness: '/readyz',
    liveness: '/livez',
    command(ctx, port) {
      return { cmd: ctx.options.node, args: [join(ctx.root, 'bench', 'servers', 'podwarden-library.mjs'), '--port', String(port), '--dist', resolve(ctx.root, ctx.options.dist), ...args] };
    },
    available(ctx) {
      return existsSync(resolve(ctx.root, ctx.options.dist, 'index.js')) || `${ctx.options.dist}/index.js is not built yet`;
    },
  };
}

export function allTargets(ctx) {
  const list = [
    baseline('node-http', 'bare node:http (floor)', 'node-http.mjs'),
    baseline('fastify', 'minimal fastify 5', 'fastify.mjs'),
    baseline('lightship', 'lightship 7', 'lightship.mjs', { readiness: '/ready', liveness: '/live', available: (c) => c.lightship.ok || c.lightship.reason }),
    baseline('terminus', '@godaddy/terminus 4 on node:http', 'terminus.mjs'),
    podwarden('podwarden', 'podwarden serve (embedded default)'),
    podwarden('podwarden-100', 'podwarden serve, 100 services', 'services100'),
    // Variants used by single figures.
    baseline('node-http-prom100', 'node:http + prom-client, 100 services', 'node-http.mjs', { args: ['--prom', '100'], metrics: '/metrics' }),
    baseline('fastify-prom100', 'fastify + prom-client, 100 services', 'fastify.mjs', { args: ['--prom', '100'], metrics: '/metrics' }),
    baseline('node-http-20checks', 'node:http + 20 http checks at 1 s', 'node-http.mjs', { args: ['--checks', '20', '--check-url', ctx.fixtures.ok.url] }),
    baseline('node-http-20fresh', 'node:http + 20 http checks at 1 s, a new connection each', 'node-http.mjs', { args: ['--checks', '20', '--check-url', ctx.fixtures.ok.url, '--fresh'] }),
    baseline('fastify-20checks', 'fastify + 20 http checks at 1 s', 'fastify.mjs', { args: ['--checks', '20', '--check-url', ctx.fixtures.ok.url] }),
    podwarden('podwarden-20checks', 'podwarden, 20 http checks at 1 s', 'checks20'),
    podwarden('podwarden-calm', 'podwarden, 21 checks, all answering', 'withStuckCheck'),
    podwarden('podwarden-hang', 'podwarden, 21 checks, one hanging 30 s', 'withStuckCheck', {
      afterReady: () => ctx.fixtures.switchable.setHang(true),
      afterStop: () => ctx.fixtures.switchable.setHang(false),
    }),
    podwarden('podwarden-baseline', 'podwarden serve (embedded default), the --baseline-dist build', undefined, { dist: (c) => c.options.baselineDist }),
    ...scaleSizes.map((n) => podwarden(scaleTarget(n), `podwarden serve, ${n} service${n === 1 ? '' : 's'} (in every 10: 4 http, 4 tcp, 2 module)`, `scale${n}`)),
    library('podwarden-library', 'podwarden as a library: Server, addHttpService, one service', []),
    library('podwarden-library-traced', 'the same with traceLifecycle(server), no provider registered', ['--trace']),
  ];
  const variants = [];
  for (const t of list) {
    if (!t.extraFlags) continue;
    for (const v of ctx.options.podwardenVariants) {
      variants.push({ ...t, name: `${t.name}+${v.name}`, label: `${t.label}, ${v.flags.join(' ')}`, extraFlags: v.flags, variantOf: t.name });
    }
  }
  return new Map([...list, ...variants].map((t) => [t.name, t]));
}

/**
 * A figure's targets with each podwarden target's variants right after it
 * (`--podwarden-variant`); `--targets podwarden` keeps podwarden's variants.
 */
export function figureTargets(names, targets, filter) {
  const out = [];
  for (const name of names) {
    if (!targets.has(name)) continue;
    const family = [name, ...[...targets.values()].filter((t) => t.variantOf === name).map((t) => t.name)];
    for (const n of family) if (!filter || filter.includes(n) || filter.includes(name)) out.push(n);
  }
  return out;
}

/** The scale figure's podwarden target with `n` services. */
export const scaleTarget = (n) => `podwarden-scale-${n}`;

/** The servers compared on every general figure (the list). */
export const mainTargets = ['node-http', 'fastify', 'lightship', 'terminus', 'podwarden', 'podwarden-100'];
