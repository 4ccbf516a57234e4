// A kubelet-like prober: a fresh connection per probe, `User-Agent:
// kube-probe/1.31`, a 1 s timeout, success for 200–399 (Kubernetes' rule).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './http-client.mjs';
import { percentile } from './stats.mjs';

export function startKubePoller(url, { periodMs = 100, timeoutMs = 1000, maxProbes = 100000 } = {}) {
  const samples = [];
  const failures = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped && samples.length < maxProbes) {
      const next = performance.now() + periodMs;
      const res = await request(url, { fresh: true, timeoutMs, headers: { 'user-agent': 'kube-probe/1.31' } });
      samples.push(res.ms);
      const ok = res.status !== undefined && res.status >= 200 && res.status < 400;
      if (!ok) {
        const kind = res.error ?? `status ${res.status}`;
        failures[kind] = (failures[kind] ?? 0) + 1;
      }
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  return async function stop() {
    stopped = true;
    await loop;
    const failed = Object.values(failures).reduce((a, b) => a + b, 0);
    return {
      probes: samples.length,
      failures: failed,
      failureKinds: failures,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      maxMs: Math.max(...samples),
    };
  };
}
