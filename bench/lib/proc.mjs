// Server processes: spawn pinned to a core, wait for readiness, read /proc,
// and make sure nothing outlives the harness.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './http-client.mjs';

const live = new Set();
const clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export function killAll() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Pin the harness itself (and its threads) to the load-generator core. */
export function pinSelf(core) {
  if (core === undefined) return;
  execFileSync('taskset', ['-a', '-p', '-c', core, String(process.pid)], { stdio: 'ignore' });
}

let niceness = 0;

/**
 * Run the servers, the load generator and the harness at this niceness
 * (negative needs root): on a shared machine they then win the cores from
 * other work, which cuts the noise.
 */
export function setNiceness(n) {
  niceness = n;
  if (n !== 0) execFileSync('renice', ['-n', String(n), '-p', String(process.pid)], { stdio: 'ignore' });
}

export function pinned(core, cmd, args) {
  const [file, argv] = core === undefined ? [cmd, args] : ['taskset', ['-c', core, cmd, ...args]];
  return niceness === 0 ? [file, argv] : ['nice', ['-n', String(niceness), file, ...argv]];
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawn `cmd args` pinned to `core`. Returns at once with the spawn time;
 * stdout goes to /dev/null, the last 4 KiB of stderr are kept for errors.
 */
export function startProcess({ cmd, args, core, env, cwd }) {
  const [file, argv] = pinned(core, cmd, args);
  const spawnedAt = performance.now();
  const child = spawn(file, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4096);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, at: performance.now() });
    });
  });
  return {
    child,
    pid: child.pid,
    spawnedAt,
    exited,
    stderr: () => stderr,
    async kill(signal = 'SIGKILL', waitMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const res = await Promise.race([exited, sleep(waitMs).then(() => undefined)]);
      if (res) return res;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * Poll `url` with a fresh connection every ~1 ms until it answers 200.
 * Returns ms from spawn to the first answer of any status and to the first 200.
 */
export async function waitForStatus(proc, url, { timeoutMs = 15000, status = 200 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let firstAnswer;
  let exit;
  proc.exited.then((e) => { exit = e; });
  while (performance.now() < deadline) {
    if (exit) throw new Error(`server exited (${exit.code ?? exit.signal}) before answering ${url}: ${proc.stderr().trim().slice(-600)}`);
    const res = await request(url, { fresh: true, timeoutMs: 1000 });
    if (res.status !== undefined) {
      firstAnswer ??= res.endAt - proc.spawnedAt;
      if (res.status === status) return { firstAnswerMs: firstAnswer, readyMs: res.endAt - proc.spawnedAt };
    }
    await sleep(1);
  }
  throw new Error(`no ${status} from ${url} within ${timeoutMs} ms: ${proc.stderr().trim().slice(-600)}`);
}

/** Resident set size in MiB, from /proc/<pid>/status VmRSS. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

/** CPU seconds used so far (utime + stime + waited-for children), from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / clkTck;
}

/** Busy CPU seconds of one core since boot (all processes), from /proc/stat. */
export function coreBusySeconds(core) {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  if (!line) return NaN;
  // irq and softirq are left out: loopback traffic to the server is processed
  // there, which is the benchmark's own load, not another process's.
  const [user, nice, system, , , , , steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + steal) / clkTck;
}

/**
 * How much of the server core other processes use from now until stop():
 * the core's busy time minus the server's own CPU time, as % of wall time.
 * A noisy machine shows here; the harness retries runs above its limit.
 */
export function startNoiseGauge(pid, core) {
  if (core === undefined) return { stop: () => NaN };
  const t0 = performance.now();
  const busy0 = coreBusySeconds(core);
  let own0 = 0;
  try { own0 = cpuSeconds(pid); } catch { /* not started yet */ }
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      if (seconds < 0.5) return NaN; // /proc/stat counts 10 ms ticks: too coarse below this
      let own1 = own0;
      try { own1 = cpuSeconds(pid); } catch { /* exited */ }
      const foreign = coreBusySeconds(core) - busy0 - (own1 - own0);
      return Math.max(0, Math.round((1000 * foreign) / seconds) / 10);
    },
  };
}
