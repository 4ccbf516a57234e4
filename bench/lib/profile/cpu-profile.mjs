// Where startup time goes: run a command with --cpu-prof until it is ready,
// stop it with SIGINT (so the profile is written), and sum self time by
// package and by function.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startProcess, waitForStatus } from '../proc.mjs';
import { packageOf } from './loaded-modules.mjs';

/**
 * Self time by package and by function. `fromUs` (CLOCK_MONOTONIC µs, the
 * clock of both V8's profile and process.hrtime) leaves out earlier samples.
 */
export function aggregateProfile(profile, { fromUs = 0 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byPackage = new Map();
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    let pkg;
    if (!callFrame.url) pkg = name.startsWith('(') ? name : '(native)';
    else pkg = packageOf(callFrame.url);
    if (pkg === '(idle)') continue;
    totalUs += us;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const fkey = `${pkg} ${name}${callFrame.url ? ` ${callFrame.url.split('/').pop()}:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fkey, (byFunction.get(fkey) ?? 0) + us);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ name: k, ms: us / 1000 }));
  return { totalMs: totalUs / 1000, packages: top(byPackage, 25), functions: top(byFunction, 25) };
}

/**
 * Profile `command(port)` from spawn until `readiness` answers 200, or, with
 * `during(baseUrl)`, over whatever `during` does once it is ready (startup
 * left out). Idle samples are left out either way.
 */
export async function profileStartup({ command, readiness, root, core, intervalUs = 200, during }) {
  const dir = mkdtempSync(join(os.tmpdir(), 'podwarden-cpuprof-'));
  const port = await freePort();
  const { cmd, args } = command(port);
  const proc = startProcess({
    cmd, args: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(intervalUs), ...args], core, cwd: root,
  });
  try {
    const startup = await waitForStatus(proc, `http://127.0.0.1:${port}${readiness}`);
    const readyUs = Number(process.hrtime.bigint() / 1000n);
    const t0 = performance.now();
    await during?.(`http://127.0.0.1:${port}`);
    const windowMs = performance.now() - t0;
    await proc.kill('SIGINT', 5000);
    await sleep(100);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written (the process must exit through process.exit on SIGINT)');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    return { startup, windowMs, ...aggregateProfile(profile, { fromUs: during ? readyUs : 0 }) };
  } finally {
    await proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
