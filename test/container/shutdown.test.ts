import { describe, expect, it } from 'vitest';
import { get, inspect, logs, setUpPodwardenContainer } from './helpers/podwarden-container.js';

// drain 2s + stop budget 5s + the 1s hard-deadline margin = 8s, well inside
// the 30s `docker stop -t` budget (Docker's default 10s is too short for the
// default 10s drain + 15s stop budget; the README says -t 30).
const drainMs = 2_000;
const stopBudgetSeconds = 30;
const config = `
shutdown: { drainDelay: 2s, stopBudget: 5s, stopTimeout: 2s }
services:
  - name: config-file
    type: file
    path: /etc/podwarden/podwarden.yaml
    interval: 500ms
`;

const started = setUpPodwardenContainer(`container-shutdown-${process.pid}`, () => config);

describe(`docker stop -t ${stopBudgetSeconds} (above drain + stop budget)`, () => {
  it('fails /readyz first while /livez stays up, then exits 0 on its own', async () => {
    const t0 = Date.now();
    let exitedAt = 0;
    const stopping = started.container.stop({ timeout: stopBudgetSeconds * 1_000, remove: false }).then(() => (exitedAt = Date.now()));

    let readyzFailedAt = 0;
    let readyzFailure = '';
    let livezWhileDraining = 0;
    while (exitedAt === 0 && Date.now() - t0 < stopBudgetSeconds * 1_000) {
      try {
        const readyz = await get(started.port, '/readyz');
        if (readyz.status !== 200 && readyzFailedAt === 0) {
          readyzFailedAt = Date.now();
          readyzFailure = `${readyz.status} ${readyz.body.trim()}`;
          livezWhileDraining = (await get(started.port, '/livez')).status;
        }
      } catch {
        // Connection refused: the listener has closed, the process is on its way out.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stopping;

    expect(readyzFailedAt, 'readyz failed while the container was still up').toBeGreaterThan(0);
    expect(readyzFailure).toMatch(/^503/);
    expect(readyzFailedAt - t0, 'readyz fails at once on SIGTERM').toBeLessThan(1_000);
    expect(livezWhileDraining, 'livez stays 200 while draining').toBe(200);
    expect(exitedAt - t0, 'it held through the drain delay').toBeGreaterThanOrEqual(drainMs - 100);
    expect(exitedAt - t0, 'it stopped long before the SIGKILL').toBeLessThan(drainMs + 5_000);

    const state = (await inspect(started.container)).State;
    expect(state.Running).toBe(false);
    expect(state.OOMKilled).toBe(false);
    expect(state.ExitCode).toBe(0);
    const lines = (await logs(started.container)).split('\n').filter((l) => l.startsWith('{'));
    const exit = lines.map((l) => JSON.parse(l) as { event?: string; exitCode?: number; reason?: string }).find((l) => l.event === 'exit');
    expect(exit).toMatchObject({ exitCode: 0, reason: 'SIGTERM' });
  });
});
