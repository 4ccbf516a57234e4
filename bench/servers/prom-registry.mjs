// A prom-client registry shaped like podwarden's exposition for N services
// that are also checks (DESIGN §4), so baselines can serve a /metrics of the
// same size. Loaded only when a baseline runs with --prom N.
import client from 'prom-client';

const states = ['pending', 'starting', 'ready', 'not-ready', 'stopping', 'stopped', 'completed', 'failed', 'blocked'];
const phases = ['starting', 'running', 'draining', 'drained', 'stopping', 'terminated'];

/**
 * `buckets`: the check-duration histogram's buckets (prom-client's 11 by
 * default); `everyState: false` exports only the current state of each
 * service instead of one series per state; `processMetrics: false` leaves out
 * prom-client's default process metrics.
 */
export function createRegistry(count, { prefix = 'podwarden_', buckets, everyState = true, processMetrics = true } = {}) {
  const registry = new client.Registry();
  if (processMetrics) client.collectDefaultMetrics({ register: registry, prefix });
  const gauge = (name, help, labelNames = ['name']) =>
    new client.Gauge({ name: prefix + name, help, labelNames, registers: [registry] });
  const counter = (name, help, labelNames = ['name']) =>
    new client.Counter({ name: prefix + name, help, labelNames, registers: [registry] });

  const start = gauge('service_start_timestamp_seconds', 'Wall-clock start time.');
  const readyAt = gauge('service_ready_timestamp_seconds', 'Wall-clock first-ready time.');
  const readyDuration = gauge('service_ready_duration_seconds', 'Start to first ready.');
  const depWait = gauge('service_dependency_wait_seconds', 'Time spent waiting on dependencies.');
  const ready = gauge('service_ready', '1 when ready.');
  const state = gauge('service_state', 'Current state.', ['name', 'state']);
  const restarts = counter('service_restarts_total', 'Restarts.');
  const duration = new client.Histogram({
    name: `${prefix}check_duration_seconds`, help: 'Check duration.', labelNames: ['name'], registers: [registry], ...(buckets ? { buckets } : {}),
  });
  const lastSuccess = gauge('check_last_success_timestamp_seconds', 'Last successful check.');
  const failures = counter('check_failures_total', 'Failed checks.');
  const phase = gauge('server_phase', 'Server phase.', ['phase']);
  const probes = counter('probe_requests_total', 'Probe requests.', ['probe', 'code', 'agent']);

  const t = Date.now() / 1000;
  for (let i = 0; i < count; i += 1) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    start.set({ name }, t);
    readyAt.set({ name }, t + 0.01);
    readyDuration.set({ name }, 0.01);
    depWait.set({ name }, 0);
    ready.set({ name }, 1);
    for (const s of everyState ? states : ['ready']) state.set({ name, state: s }, s === 'ready' ? 1 : 0);
    restarts.inc({ name }, 0);
    for (let k = 0; k < 5; k += 1) duration.observe({ name }, 0.001 * (k + 1));
    lastSuccess.set({ name }, t);
    failures.inc({ name }, 0);
  }
  for (const p of phases) phase.set({ phase: p }, p === 'running' ? 1 : 0);
  for (const probe of ['livez', 'readyz', 'startupz', 'metrics']) probes.inc({ probe, code: '200', agent: 'kube-probe' }, 0);

  return {
    contentType: registry.contentType,
    registry,
    metrics: () => registry.metrics(),
    countProbe: (probe, code) => probes.inc({ probe, code: String(code), agent: 'other' }),
  };
}
