// SIGTERM → readiness fails while the server keeps serving. Three keep-alive
// loops poll readiness and one polls liveness back to back; the figure is the
// time from kill() to the first non-200 readiness answer, then a 300 ms window
// checks that requests are still answered (not refused).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { request } from '../http-client.mjs';
import { interleave, withServer } from '../session.mjs';
import { mainTargets } from '../targets.mjs';

const maxWaitMs = 3000;
const windowMs = 300;

async function measureOnce(target, ctx) {
  return withServer(target, ctx, async ({ proc, base }) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const log = [];
    let stop = false;
    let t0 = Infinity;
    let first;
    const hardStop = performance.now() + maxWaitMs + windowMs + 1000;
    const loop = async (path, kind) => {
      while (!stop && performance.now() < hardStop) {
        const res = await request(base + path, { agent, timeoutMs: 500 });
        log.push({ kind, ...res });
        if (!first && kind === 'ready' && res.endAt >= t0 && res.status !== 200) first = res;
        if (res.error) await sleep(1);
      }
    };
    const loops = [loop(target.readiness, 'ready'), loop(target.readiness, 'ready'), loop(target.readiness, 'ready'), loop(target.liveness, 'live')];
    await sleep(100);
    t0 = performance.now();
    proc.child.kill('SIGTERM');
    while (!first && performance.now() - t0 < maxWaitMs) await sleep(1);
    await sleep(windowMs);
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    if (!first) return { ms: NaN, status: 'stays 200', servedPct: 100, livePct: 100 };
    const after = log.filter((r) => r.startAt >= first.endAt);
    const answered = after.filter((r) => r.status !== undefined).length;
    const live = after.filter((r) => r.kind === 'live');
    return {
      ms: first.endAt - t0,
      status: first.status ?? first.error,
      servedPct: after.length ? (100 * answered) / after.length : 0,
      livePct: live.length ? (100 * live.filter((r) => r.status === 200).length) / live.length : 0,
    };
  });
}

export default {
  id: 'sigterm',
  title: 'SIGTERM → readiness fails while still serving',
  targets: mainTargets,
  baselines: { node: 'node-http', fastify: 'fastify' },
  columns: [
    { key: 'ms', label: 'SIGTERM → not ready', unit: 'ms', better: 'lower' },
    { key: 'servedPct', label: 'answered after', unit: '%', better: 'higher' },
    { key: 'livePct', label: 'liveness 200 after', unit: '%', better: 'higher' },
    { key: 'status', label: 'readiness answer', unit: '', text: true },
  ],
  run(targets, ctx) {
    return interleave(targets, ctx.options.repeats.sigterm, (t) => measureOnce(t, ctx), ctx);
  },
};
