// One measured server run, and the interleaved loop over targets and repeats.
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startProcess, waitForStatus, startNoiseGauge } from './proc.mjs';

/**
 * Start `target` pinned to the server core, wait until its readiness path
 * answers 200, run `fn`, and always kill it (SIGKILL) afterwards.
 */
export async function withServer(target, ctx, fn) {
  const port = await freePort();
  const { cmd, args, env } = target.command(ctx, port);
  const proc = startProcess({ cmd, args, env, core: ctx.options.serverCore, cwd: ctx.root });
  const gauge = startNoiseGauge(proc.pid, ctx.options.serverCore);
  const base = `http://127.0.0.1:${port}`;
  try {
    const startup = await waitForStatus(proc, base + target.readiness);
    await target.afterReady?.();
    const value = await fn({ proc, base, port, startup });
    return { ...value, noisePct: gauge.stop() };
  } finally {
    await proc.kill('SIGKILL');
    await target.afterStop?.();
  }
}

/**
 * Run `measure(target)` `repeats` times for each target, interleaved:
 * A B C, then B C A, … so drift on a noisy machine hits every target alike.
 * A run during which other processes used more than `maxNoisePct` of the
 * server core is retried after a 2 s pause (at most `retries` times; the
 * quietest attempt counts). A failed run is recorded and the loop goes on.
 */
export async function interleave(targets, repeats, measure, { log, options }) {
  const { maxNoisePct = 20, noiseRetries: retries = 2 } = options;
  const runs = new Map(targets.map((t) => [t.name, []]));
  const errors = new Map(targets.map((t) => [t.name, []]));
  for (let r = 0; r < repeats; r += 1) {
    const order = targets.map((_, i) => targets[(i + r) % targets.length]);
    for (const target of order) {
      try {
        let values = await measure(target, r);
        for (let retry = 0; retry < retries && values.noisePct > maxNoisePct; retry += 1) {
          log(`  ${target.name} #${r + 1}: noisy (${values.noisePct.toFixed(0)} % of the server core used by others), again in 2 s`);
          await sleep(2000);
          const again = await measure(target, r);
          if (!(again.noisePct >= values.noisePct)) values = again;
        }
        runs.get(target.name).push(values);
        log(`  ${target.name} #${r + 1}: ${brief(values)}`);
      } catch (error) {
        errors.get(target.name).push(error.message.slice(0, 300));
        log(`  ${target.name} #${r + 1}: FAILED ${error.message.slice(0, 300)}`);
      }
      await sleep(100);
    }
  }
  return { runs, errors };
}

function brief(values) {
  return Object.entries(values)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k}=${Math.round(v * 100) / 100}`)
    .join(' ');
}
