import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';

const script = fileURLToPath(new URL('./fixtures/lag-server.mjs', import.meta.url));
let fixture: NodeProcess | undefined;
afterEach(async () => {
  fixture?.kill();
  await fixture?.exited;
  fixture = undefined;
});

async function status(base: string, path: string): Promise<number> {
  return (await fetch(`${base}${path}`)).status;
}

async function waitForStatus(base: string, path: string, expected: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await status(base, path)) === expected) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${path} did not answer ${expected} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('event-loop lag (a real blocked process)', () => {
  it('makes podwarden not ready at once, fails /livez only when sustained, and recovers', async () => {
    fixture = new NodeProcess([script], { env: { MAX_LAG_MS: '150', LIVENESS_AFTER_MS: '1500', BLOCK_MS: '300' } });
    const { port } = (await fixture.waitFor((l) => l.kind === 'listening')) as unknown as { port: number };
    const base = `http://127.0.0.1:${port}`;
    expect(await status(base, '/readyz')).toBe(200);
    expect(await status(base, '/livez')).toBe(200);
    expect(await status(base, '/readyz?verbose')).toBe(200); // the router is loaded before the loop is blocked

    fixture.signal('SIGUSR2');
    await waitForStatus(base, '/readyz', 503, 3000);
    expect(await (await fetch(`${base}/readyz?verbose`)).text()).toContain('[-]podwarden failed: reason withheld');
    expect(await status(base, '/livez')).toBe(200); // lag, but not yet for 1.5 s
    expect(await status(base, '/startupz')).toBe(200);
    const lag = /podwarden_event_loop_lag_seconds ([\d.e-]+)/.exec(await (await fetch(`${base}/metrics`)).text());
    expect(Number(lag?.[1])).toBeGreaterThan(0.15);

    await waitForStatus(base, '/livez', 503, 5000);
    expect(await (await fetch(`${base}/livez?verbose`)).text()).toContain('[-]podwarden failed: reason withheld');

    fixture.signal('SIGHUP');
    await waitForStatus(base, '/livez', 200, 3000);
    await waitForStatus(base, '/readyz', 200, 3000);
  });
});
