// The Docker side of the `image` figure: whether an engine answers, building
// the two images, starting a container, finding its processes and reading its
// memory, and removing every container the harness started, also when the
// harness is interrupted or dies (the next run removes what a killed one left).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Label on every container of the figure; its value is the harness's pid. */
export const benchLabel = 'org.podwarden.bench.image';

/** The tags the figure builds (never `podwarden:latest` or the tests' `podwarden:test`). */
export const tags = { podwarden: 'podwarden:bench', bare: 'podwarden-bench/node-http:latest' };

/** Containers of this process not yet removed, and `docker run` clients still running. */
const live = new Set();
const clients = new Set();

process.on('exit', () => {
  for (const c of clients) c.kill('SIGKILL');
  if (live.size === 0) return;
  try {
    execFileSync('docker', ['rm', '-f', ...live], { stdio: 'ignore', timeout: 30_000 });
  } catch { /* reported by the next run's sweep */ }
});

/** Run a docker command; resolves with its trimmed stdout, rejects with the lines that say what failed. */
export async function docker(args, { timeoutMs = 60_000, env, cwd } = {}) {
  try {
    const { stdout } = await execFileAsync('docker', args, { timeout: timeoutMs, env: env ?? process.env, cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${lastErrorLines(error.stderr || error.message)}`, { cause: error });
  }
}

/** The lines of a command's output that say what went wrong (the last three naming an error), on one line for the report. */
export function lastErrorLines(output) {
  const lines = output.toString().trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error|failed|denied|no such/i.test(l));
  return (errors.length ? errors : lines).slice(-3).join(' | ');
}

let engine;

/**
 * true when a Docker engine answers (DOCKER_HOST or the client's default),
 * else why not and how to get one. Asked once per harness run.
 */
export function engineStatus() {
  if (engine !== undefined) return engine;
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    engine = true;
  } catch (error) {
    if (error.code === 'ENOENT') {
      engine = 'no docker client on PATH (install Docker; scripts/tools/docker.sh does on Debian)';
    } else {
      const where = process.env.DOCKER_HOST ? `at DOCKER_HOST=${process.env.DOCKER_HOST}` : "at the client's default socket";
      const why = (error.stderr?.toString() || error.message).trim().split('\n')[0];
      engine = `no Docker engine answers ${where} (${why}); start one with \`scripts/docker-engine.sh start\` and export the DOCKER_HOST it prints`;
    }
  }
  return engine;
}

/** Remove the figure's containers whose harness is gone (killed before it could). */
export async function sweepOrphans() {
  const rows = await docker(['ps', '-a', '--filter', `label=${benchLabel}`, '--format', `{{.ID}} {{.Label "${benchLabel}"}}`]);
  const orphans = rows.split('\n').filter(Boolean).map((l) => l.split(' ')).filter(([, pid]) => !isAlive(Number(pid)));
  if (orphans.length) await docker(['rm', '-f', ...orphans.map(([id]) => id)]);
  return orphans.length;
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Start `docker run -d` for a container named `name` and return at once: the
 * time of the call, and a promise of the client's exit (the container has been
 * started when it resolves). The container is removed by {@link removeContainer},
 * or when the harness exits.
 */
export function startContainer(name, runArgs) {
  live.add(name);
  const calledAt = performance.now();
  const child = spawn('docker', ['run', '-d', '--name', name, '--label', `${benchLabel}=${process.pid}`, ...runArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  clients.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4096); });
  const exited = new Promise((resolve) => {
    const done = (code) => {
      clients.delete(child);
      resolve({ code, at: performance.now(), stderr: stderr.trim() });
    };
    child.once('error', (e) => { stderr += e.message; done(-1); });
    child.once('exit', (code, signal) => done(code ?? signal));
  });
  return { calledAt, exited };
}

/** `docker rm -f`; never throws (the container may never have been created). */
export async function removeContainer(name) {
  try {
    await docker(['rm', '-f', name], { timeoutMs: 30_000 });
  } catch { /* not created, or already gone */ }
  live.delete(name);
}

/** The container's PID 1 as the host sees it, and when the engine says it started (ms since the epoch, µs precision). */
export async function inspectState(name) {
  const [pid, startedAt] = (await docker(['inspect', '-f', '{{.State.Pid}} {{.State.StartedAt}}', name])).split(' ');
  return { pid: Number(pid), startedAtMs: epochMs(startedAt) };
}

/** RFC 3339 with nanoseconds → ms since the epoch, keeping the sub-millisecond part Date.parse drops. */
function epochMs(rfc3339) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return NaN;
  return Date.parse(`${m[1]}${m[3]}`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

/** The host pid of the one child of `pid` (Node under tini). */
export function childPid(pid) {
  const listed = `/proc/${pid}/task/${pid}/children`;
  if (existsSync(listed)) {
    const kids = readFileSync(listed, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    if (kids.length === 1) return kids[0];
    throw new Error(`expected one child of the container's PID 1 (tini, host pid ${pid}), found ${kids.length}`);
  }
  throw new Error(`${listed} is missing (kernel without CONFIG_PROC_CHILDREN): cannot find Node under tini`);
}

/**
 * Where to read the container's memory: the memory cgroup of its PID 1 in the
 * host's cgroup fs (cgroup v2 `memory.current`, or v1 `memory.usage_in_bytes`,
 * the same count), else `docker stats`.
 */
export function memoryReader(pid, name) {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const v1 = lines.map((l) => l.split(':')).find(([, controllers]) => controllers.split(',').includes('memory'))?.[2];
  const files = [
    ...(v1 ? [`/sys/fs/cgroup/memory${v1}/memory.usage_in_bytes`] : []),
    ...(v2 ? [`/sys/fs/cgroup${v2}/memory.current`, `/sys/fs/cgroup/unified${v2}/memory.current`] : []),
  ];
  const file = files.find((f) => existsSync(f));
  if (file) {
    const source = file.endsWith('memory.current') ? 'cgroup v2 memory.current' : 'cgroup v1 memory.usage_in_bytes';
    return { source, read: async () => Number(readFileSync(file, 'utf8')) / 2 ** 20 };
  }
  return { source: 'docker stats', read: () => statsMiB(name) };
}

const units = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1e3 / 2 ** 20, MB: 1e6 / 2 ** 20, GB: 1e9 / 2 ** 20 };

async function statsMiB(name) {
  const usage = (await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', name])).split('/')[0].trim();
  const m = /^([\d.]+)\s*([A-Za-z]+)$/.exec(usage);
  if (!m || !(m[2] in units)) throw new Error(`docker stats printed an unknown memory usage: ${usage}`);
  return Number(m[1]) * units[m[2]];
}
