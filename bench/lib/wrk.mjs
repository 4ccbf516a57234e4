// Run wrk pinned to the load core and parse the JSON line of wrk/report.lua.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './proc.mjs';

const script = fileURLToPath(new URL('../wrk/report.lua', import.meta.url));

/**
 * @returns {Promise<{rps: number, requests: number, errors: object, errorCount: number,
 *   p50Ms: number, p90Ms: number, p99Ms: number, maxMs: number, meanMs: number}>}
 */
export function runWrk({ url, seconds, connections = 10, core, userAgent, timeoutS = 2, delayMs }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `--timeout`, `${timeoutS}s`, '-s', script, url];
  const [file, argv] = pinned(core, 'wrk', args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(userAgent ? { WRK_USER_AGENT: userAgent } : {}), ...(delayMs ? { WRK_DELAY_MS: String(delayMs) } : {}) },
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    // wrk stops itself after `seconds`; this is only a bound if it hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + timeoutS + 10) * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(guard);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (!line) return reject(new Error(`wrk printed no result: ${out.slice(-500)}`));
      const r = JSON.parse(line.slice('BENCH_JSON '.length));
      const e = r.errors;
      const ms = (us) => us / 1000;
      resolve({
        rps: r.requests / (r.duration_us / 1e6),
        requests: r.requests,
        bytesPerRequest: r.requests ? r.bytes / r.requests : 0,
        errors: e,
        errorCount: e.connect + e.read + e.write + e.status + e.timeout,
        p50Ms: ms(r.latency_us.p50),
        p90Ms: ms(r.latency_us.p90),
        p99Ms: ms(r.latency_us.p99),
        maxMs: ms(r.latency_us.max),
        meanMs: ms(r.latency_us.mean),
      });
    });
  });
}
