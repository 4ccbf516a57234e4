import { healthEndpoints } from '../http/health-endpoints.js';
import { startupPlan, timestampAt } from '../tracing/span-plan.js';
import { type Timeline, formatMs } from './waterfall.js';
import { TimelineInputError, numberOf, objectOf, snapshotOf, stringOf } from './timeline-input.js';

/** One JSON answer of a health endpoint, as received. */
interface Answer {
  readonly endpoint: string;
  readonly body: Record<string, unknown>;
}

const maxAnswer = 4 * 1024 * 1024;
const portForward = 'is podwarden listening there? From outside the pod: kubectl port-forward pod/POD 7654, then --url http://127.0.0.1:7654';

/** GET `endpoint` with `Accept: application/json`; a refused or silent port, or an answer that is not podwarden's JSON, is a {@link TimelineInputError}. */
function getJson(base: URL, endpoint: string, timeout: number): Promise<Answer> {
  const url = new URL(endpoint, base);
  return new Promise((resolve, reject) => {
    // Not an ESM import: on Node 24 that evaluates node:http's lazy exports and loads undici (docs/performance.md).
    const req = process.getBuiltinModule('node:http').request(url, { method: 'GET', timeout, headers: { accept: 'application/json', 'user-agent': 'podwarden-timeline' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        // A health report is kilobytes; anything far larger is not one.
        if (text.length < maxAnswer) text += chunk;
      });
      res.on('end', () => {
        const type = res.headers['content-type'] ?? '';
        let body: Record<string, unknown> | undefined;
        try {
          body = type.startsWith('application/json') ? objectOf(JSON.parse(text)) : undefined;
        } catch {
          body = undefined;
        }
        if (body === undefined || !Array.isArray(body.checks)) {
          reject(new TimelineInputError(`${url.href} answered ${res.statusCode ?? 0} ${type || 'without a content type'}, not podwarden's JSON health report: --url takes podwarden's health port (server.port, 7654 by default), not the metrics port or the app's`));
        } else resolve({ endpoint, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout}ms`)));
    req.on('error', (err) => reject(new TimelineInputError(`${url.href}: ${err.message}; ${portForward}`)));
    req.end();
  });
}

const epoch = (value: unknown) => {
  const ms = Date.parse(stringOf(value) ?? '');
  return Number.isNaN(ms) ? undefined : ms;
};
const millis = (seconds: unknown) => {
  const s = numberOf(seconds);
  return s === undefined ? undefined : s * 1000;
};

/** Each service once, from every endpoint's answer (a service may count in one probe only); the `shutdown` check is no service. */
function servicesOf(answers: readonly Answer[]): Array<Record<string, unknown>> {
  const byName = new Map<string, Record<string, unknown>>();
  for (const { body } of answers) {
    for (const value of body.checks as unknown[]) {
      const check = objectOf(value);
      const name = stringOf(check?.name);
      if (check && name !== undefined && typeof check.state === 'string' && !byName.has(name)) byName.set(name, check);
    }
  }
  return [...byName.values()];
}

/** A drain or stop in progress, in words: the waterfall of a shutdown comes from the exit log. */
function shutdownNote(phase: string, shutdown: Record<string, unknown> | undefined): string[] {
  if (phase === 'running' || phase === 'starting') return [];
  const left = millis(shutdown?.drainLeftSeconds);
  const delay = millis(shutdown?.drainDelaySeconds);
  const where = phase === 'draining' && left !== undefined && delay !== undefined ? `, ${formatMs(left)} of the ${formatMs(delay)} drain delay left` : '';
  return [`phase ${phase}${where}: the shutdown's waterfall is in the exit log once podwarden has exited (kubectl logs POD -c podwarden --previous | podwarden timeline).`];
}

/**
 * The startup plan of a running podwarden, read from the JSON answers of its
 * health endpoints and made by the function that makes the traces. What is
 * still in progress ends at the answer's time, on the server's clock.
 */
export async function timelineFromHealth(base: URL, timeout: number): Promise<Timeline> {
  const answers = await Promise.all(healthEndpoints.map((endpoint) => getJson(base, endpoint, timeout)));
  const first = answers[0]!.body;
  const checks = servicesOf(answers);
  const answeredAt = epoch(first.answeredAt);
  if (answeredAt === undefined || checks.length === 0 || checks.some((c) => epoch(c.waitStartedAt) === undefined)) {
    throw new TimelineInputError(
      `the JSON answer of ${new URL(answers[0]!.endpoint, base).href} has no start times (checks[].waitStartedAt, answeredAt): it comes from a podwarden older than this command; upgrade it, or pipe its exit log into podwarden timeline`,
    );
  }
  const services = checks.map((c) =>
    snapshotOf({
      name: String(c.name),
      state: String(c.state),
      reason: stringOf(c.reason),
      dependencies: [],
      restarts: numberOf(c.restarts) ?? 0,
      waitStartedAt: epoch(c.waitStartedAt),
      startedAt: epoch(c.startedAt),
      readyAt: epoch(c.readyAt),
      stopRequestedAt: undefined,
      stoppedAt: undefined,
      dependencyWaitMs: millis(c.dependencyWaitSeconds),
      readyDurationMs: millis(c.readyDurationSeconds),
      stopDurationMs: undefined,
      overran: false,
    }),
  );
  const start = Math.min(...checks.map((c) => epoch(c.waitStartedAt)!));
  const unsettled = services.some((s) => !s.everReady && (s.state === 'pending' || s.state === 'starting'));
  const readyTimes = services.flatMap((s) => (s.readyAt ? [s.readyAt.wall] : []));
  // Settled: the startup ended when the last service became ready (a failure's moment is not in the answer).
  const end = unsettled || readyTimes.length === 0 ? answeredAt : Math.max(...readyTimes);
  const phase = stringOf(first.phase) ?? 'unknown';
  const withheld = services.some((s) => (s.state === 'failed' || s.state === 'blocked') && s.reason === undefined);
  const notes = [
    ...shutdownNote(phase, objectOf(first.shutdown)),
    ...(withheld ? ['why a service failed is withheld from the probes unless server.exposeDetails is on; the log says.'] : []),
  ];
  return {
    source: `podwarden at ${base.href}: phase ${phase} at ${new Date(answeredAt).toISOString()}`,
    startup: startupPlan(timestampAt(start), timestampAt(end), services, new Map()),
    shutdown: undefined,
    notes,
  };
}
