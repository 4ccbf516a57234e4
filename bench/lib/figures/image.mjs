// The container image as users run it: `docker run` until /readyz answers 200,
// and the container's memory idle and after a readiness load, for podwarden's
// image (built by scripts/build-image.sh) against bench/servers/node-http.mjs
// in an image on the same runtime base (bench/image/Dockerfile). Containers
// run on the host network, pinned to the server core, without HEALTHCHECK (as
// in Kubernetes, which ignores it): the figure is the image, not the probe the
// engine would start in it every 10 s.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildImages } from '../../image/build.mjs';
import { childPid, engineStatus, inspectState, memoryReader, removeContainer, startContainer, sweepOrphans, tags } from '../../image/docker.mjs';
import { request } from '../http-client.mjs';
import { coreBusySeconds, cpuSeconds, freePort, rssMiB } from '../proc.mjs';
import { interleave } from '../session.mjs';
import { runWrk } from '../wrk.mjs';

const readyTimeoutMs = 30_000;

function imageTarget(name, label, image, runArgs) {
  return { name, label, readiness: '/readyz', image, runArgs, available: () => engineStatus() };
}

/** The figure's two servers; run.mjs adds them to the harness's targets. */
export const imageTargets = [
  imageTarget('node-http-image', 'bare node:http (bench/servers/node-http.mjs) in an image on the same runtime base', tags.bare, (port) => ({ env: {}, args: ['--port', String(port)] })),
  imageTarget('podwarden-image', "podwarden's image (Dockerfile), `serve` with the embedded default", tags.podwarden, (port) => ({ env: { PODWARDEN_PORT: String(port) }, args: [] })),
];

/** Poll `url` with a fresh connection every ~1 ms until it answers 200, or the `docker run` client fails. */
async function waitReady(url, started) {
  let exit;
  started.exited.then((e) => { exit = e; });
  let firstAnswerAt;
  while (performance.now() - started.calledAt < readyTimeoutMs) {
    if (exit && exit.code !== 0) throw new Error(`docker run exited ${exit.code}: ${exit.stderr.slice(-600)}`);
    const res = await request(url, { fresh: true, timeoutMs: 1000 });
    if (res.status !== undefined) {
      firstAnswerAt ??= res.endAt;
      if (res.status === 200) return { firstAnswerAt, readyAt: res.endAt };
    }
    await sleep(1);
  }
  throw new Error(`no 200 from ${url} within ${readyTimeoutMs / 1000} s of docker run`);
}

let seq = 0;

/** `docker run -d` the target's image on a free port; returns at once. */
async function runContainer(target, ctx) {
  const o = ctx.options;
  const port = await freePort();
  const name = `podwarden-bench-image-${process.pid}-${(seq += 1)}`;
  const { env, args } = target.runArgs(port);
  const runArgs = [
    '--network', 'host', '--no-healthcheck',
    ...(o.serverCore === undefined ? [] : ['--cpuset-cpus', o.serverCore]),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    target.image, ...args,
  ];
  return { name, url: `http://127.0.0.1:${port}${target.readiness}`, started: startContainer(name, runArgs) };
}

/** Remove the container, once its `docker run` client is done (a container still being created would escape the removal). */
async function remove({ name, started }) {
  await Promise.race([started.exited, sleep(30_000)]);
  await removeContainer(name);
}

/**
 * One container of each image up to ready and removed, unmeasured: the first
 * container to read the runtime's Node binary has its page cache charged to
 * its cgroup, and the first run pays the engine's cold paths.
 */
async function warmUp(targets, ctx) {
  for (const t of targets) {
    const c = await runContainer(t, ctx);
    try {
      await waitReady(c.url, c.started);
    } finally {
      await remove(c);
    }
  }
}

/**
 * How much of the server core others used from `busy0` on: the core's busy
 * time minus Node's own CPU time since it started (the engine's work to start
 * the container counts as others'), as % of the wall time.
 */
function noiseSince(core, busy0, since, node) {
  if (core === undefined) return NaN;
  const seconds = (performance.now() - since) / 1000;
  return Math.max(0, Math.round((1000 * (coreBusySeconds(core) - busy0 - cpuSeconds(node))) / seconds) / 10);
}

async function measureOnce(target, ctx) {
  const o = ctx.options;
  const busy0 = o.serverCore === undefined ? NaN : coreBusySeconds(o.serverCore);
  const c = await runContainer(target, ctx);
  const { name, url, started } = c;
  try {
    const { firstAnswerAt, readyAt } = await waitReady(url, started);
    const client = await started.exited;
    if (client.code !== 0) throw new Error(`docker run exited ${client.code}: ${client.stderr.slice(-600)}`);
    const { pid, startedAtMs } = await inspectState(name);
    const node = childPid(pid);
    const cpuMs = cpuSeconds(node) * 1000;
    const memory = memoryReader(pid, name);

    await sleep(Math.max(0, readyAt + 1000 - performance.now()));
    const idleRssMiB = rssMiB(node);
    const idleMemMiB = await memory.read();
    let settled = {};
    if (o.imageSettleS > 0) {
      await sleep(o.imageSettleS * 1000);
      settled = { settledRssMiB: rssMiB(node), settledMemMiB: await memory.read() };
    }
    await runWrk({ url, seconds: o.warmupS, connections: 10, core: o.loadCore });
    const w = await runWrk({ url, seconds: o.wrkS, connections: 10, core: o.loadCore });
    return {
      readyMs: readyAt - started.calledAt,
      firstAnswerMs: firstAnswerAt - started.calledAt,
      runReturnsMs: client.at - started.calledAt,
      startToReadyMs: performance.timeOrigin + readyAt - startedAtMs,
      cpuMs,
      idleRssMiB,
      idleMemMiB,
      ...settled,
      loadRssMiB: rssMiB(node),
      loadMemMiB: await memory.read(),
      rps: w.rps,
      p99Ms: w.p99Ms,
      errors: w.errorCount,
      noisePct: noiseSince(o.serverCore, busy0, started.calledAt, node),
      memorySource: memory.source,
    };
  } finally {
    await remove(c);
  }
}

export default {
  id: 'image',
  title: 'The container image: docker run → /readyz 200, container memory idle and after load',
  targets: imageTargets.map((t) => t.name),
  baselines: { node: 'node-http-image' },
  baselineLabels: { node: 'the bare node:http image' },
  columns: [
    { key: 'readyMs', label: 'docker run → 200', unit: 'ms', better: 'lower' },
    { key: 'firstAnswerMs', label: 'port answers', unit: 'ms', better: 'lower' },
    { key: 'runReturnsMs', label: 'docker run returns', unit: 'ms', better: 'lower' },
    { key: 'startToReadyMs', label: 'container started → 200', unit: 'ms', better: 'lower' },
    { key: 'cpuMs', label: 'Node CPU until ready', unit: 'ms', better: 'lower' },
    { key: 'idleRssMiB', label: 'Node RSS 1 s after ready', unit: 'MiB', better: 'lower' },
    { key: 'idleMemMiB', label: 'container memory 1 s after ready', unit: 'MiB', better: 'lower' },
    { key: 'settledRssMiB', label: 'Node RSS settled', unit: 'MiB', better: 'lower' },
    { key: 'settledMemMiB', label: 'container memory settled', unit: 'MiB', better: 'lower' },
    { key: 'loadRssMiB', label: 'Node RSS after load', unit: 'MiB', better: 'lower' },
    { key: 'loadMemMiB', label: 'container memory after load', unit: 'MiB', better: 'lower' },
    { key: 'rps', label: 'req/s', unit: 'req/s', better: 'higher' },
    { key: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'errors', label: 'errors', unit: '', better: 'lower' },
    { key: 'node', label: 'Node', unit: '', text: true },
    { key: 'memorySource', label: 'container memory from', unit: '', text: true },
  ],
  async run(targets, ctx) {
    const runs = new Map(targets.map((t) => [t.name, []]));
    const errors = new Map(targets.map((t) => [t.name, []]));
    if (targets.length === 0) return { runs, errors };
    const shared = {};
    try {
      const swept = await sweepOrphans();
      if (swept) ctx.log(`  removed ${swept} container(s) a killed earlier run left behind`);
      Object.assign(shared, await buildImages(ctx.root, ctx.options.imageBase, ctx.log));
      await warmUp(targets, ctx);
    } catch (error) {
      for (const t of targets) errors.get(t.name).push(error.message.slice(0, 1000));
      ctx.log(`  FAILED ${error.message}`);
      return { runs, errors };
    }
    ctx.log(`  runtime ${shared.runtime}, Node ${shared.node}; settle ${ctx.options.imageSettleS} s`);
    const result = await interleave(targets, ctx.options.repeats.image, (t) => measureOnce(t, ctx), ctx);
    for (const list of result.runs.values()) for (const r of list) r.node = shared.node;
    return result;
  },
};
