import { performance } from 'node:perf_hooks';
import { onTestFinished } from 'vitest';
import { type CheckResult, CheckResults } from '../../src/checks/check-result.js';
import { createCheckService } from '../../src/checks/create-check-service.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ServiceSpecOf, ServiceType } from '../../src/config/schema.js';
import type { BackgroundService } from '../../src/core/background-service.js';
import type { ServiceState } from '../../src/core/states.js';
import { recordingServer, until } from '../helpers/core.js';

/** A resolved service spec, produced by the real config loader from one `services:` entry. */
export async function specFrom<T extends ServiceType>(entry: Record<string, unknown> & { type: T }, file?: string): Promise<ServiceSpecOf<T>> {
  const config = await parseConfig(JSON.stringify({ services: [entry] }), { env: {}, file });
  return config.services[0] as ServiceSpecOf<T>;
}

/** A state change of the service under test, with when it happened (performance.now()). */
export interface Transition {
  readonly state: ServiceState;
  readonly reason: string | undefined;
  readonly at: number;
}

/**
 * Run one service inside a real Server, recording its states and the check
 * results. The server is shut down when the test finishes.
 */
export function runInServer(service: BackgroundService, results: CheckResults = new CheckResults()) {
  const seen: CheckResult[] = [];
  results.on((r) => seen.push(r));
  const rec = recordingServer({ handleSignals: false, shutdown: { drainDelay: 0, stopBudget: '5s', stopTimeout: '3s' } });
  const transitions: Transition[] = [];
  rec.server.on('service-state', (e) => {
    if (e.name === service.name) transitions.push({ state: e.state, reason: e.reason, at: performance.now() });
  });
  rec.server.addService(service);
  const running = rec.server.run();
  let stopped = false;
  const stop = async () => {
    if (stopped) return running;
    stopped = true;
    return rec.server.shutdown('api');
  };
  onTestFinished(async () => {
    await stop();
  });
  const snapshot = () => rec.server.service(service.name)!;
  return {
    server: rec.server,
    results: seen,
    transitions,
    snapshot,
    state: () => snapshot().state,
    /** Wait until the service is in `state`; resolves with when (performance.now()) it entered it. */
    async waitFor(state: ServiceState, timeoutMs = 5000): Promise<number> {
      const from = transitions.length;
      await until(() => snapshot().state === state, timeoutMs, `${service.name} to be ${state} (now ${snapshot().state})`);
      const entered = transitions.slice(from).reverse().find((t) => t.state === state) ?? [...transitions].reverse().find((t) => t.state === state);
      return entered?.at ?? performance.now();
    },
    stop,
  };
}

/** Build the check for `entry` with the real loader and run it in a real Server. */
export async function runCheck<T extends ServiceType>(entry: Record<string, unknown> & { type: T }, file?: string) {
  const spec = await specFrom(entry, file);
  const results = new CheckResults();
  return { spec, ...runInServer(createCheckService(spec, results), results) };
}
