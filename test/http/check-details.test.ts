import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/http/health-report.js';
import { cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

afterEach(cleanupPodwardens);

const json = { headers: { accept: 'application/json' } };

async function report(pw: Awaited<ReturnType<typeof startPodwarden>>, path: string): Promise<HealthReport> {
  return JSON.parse((await pw.get(path, json)).body) as HealthReport;
}

// A check's recent results in the JSON answer of the real CLI, as a Spring Boot Actuator user looks for them.
describe('check details in JSON probe answers', () => {
  it('with exposeDetails: the last error, consecutive failures, the thresholds in force; then the last success', async () => {
    const appPort = await freePort();
    const pw = await startPodwarden({
      config: {
        server: { exposeDetails: true },
        services: [{ name: 'app', type: 'http', url: `http://127.0.0.1:${appPort}/healthz`, interval: '200ms', timeout: '150ms', failureThreshold: 3, successThreshold: 2 }],
      },
    });
    await pw.waitFor((l) => l.event === 'check-failed' && l.service === 'app');
    await expect.poll(async () => (await report(pw, '/readyz/app')).checks[0]?.details?.consecutiveFailures ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const failing = (await report(pw, '/readyz/app')).checks[0]!;
    expect(failing).toMatchObject({ name: 'app', status: 'failed', state: 'starting' });
    expect(failing.details).toMatchObject({
      type: 'http',
      consecutiveSuccesses: 0,
      lastError: `connect ECONNREFUSED 127.0.0.1:${appPort}`,
      thresholds: { successThreshold: 2, failureThreshold: 3, intervalSeconds: 0.2, timeoutSeconds: 0.15 },
    });
    expect(failing.details?.lastSuccessAt).toBeUndefined();
    expect(Date.parse(failing.details!.lastFailureAt!)).toBeLessThanOrEqual(Date.now());

    const app = createServer((_request, response) => response.end('ok')).listen(appPort, '127.0.0.1');
    try {
      await pw.waitState('app', 'ready');
      const passing = (await report(pw, '/readyz')).checks.find((check) => check.name === 'app')!;
      expect(passing.status).toBe('ok');
      expect(passing.details).toMatchObject({ consecutiveFailures: 0, lastError: `connect ECONNREFUSED 127.0.0.1:${appPort}` });
      expect(passing.details!.consecutiveSuccesses).toBeGreaterThanOrEqual(2);
      expect(Date.parse(passing.details!.lastSuccessAt!)).toBeGreaterThan(Date.parse(failing.details!.lastFailureAt!));
      // podwarden's own service is not a built-in check: no details for it.
      expect((await report(pw, '/readyz')).checks.find((check) => check.name === 'podwarden')?.details).toBeUndefined();
    } finally {
      app.close();
    }
  });

  it('without exposeDetails the answer carries no details and no reason', async () => {
    const appPort = await freePort();
    const pw = await startPodwarden({ config: { services: [{ name: 'app', type: 'tcp', host: '127.0.0.1', port: appPort, interval: '200ms', timeout: '150ms' }] } });
    await pw.waitFor((l) => l.event === 'check-failed' && l.service === 'app');
    const check = (await report(pw, '/readyz/app')).checks[0]!;
    expect(check).toMatchObject({ name: 'app', status: 'failed' });
    expect(check.details).toBeUndefined();
    expect(check.reason).toBeUndefined();
  });
});
