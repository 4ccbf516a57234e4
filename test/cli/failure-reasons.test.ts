import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPodwardens, runCli, startPodwarden, tempDir, writeConfig } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

afterEach(cleanupPodwardens);

// What a new user sees of a failure at the default log level and in the probes, from the real CLI.
describe('podwarden serve says why things fail', () => {
  it('a check that never succeeds: its error at warn, `starting: <error>` with exposeDetails, and its recovery at info', async () => {
    const appPort = await freePort();
    const pw = await startPodwarden({
      config: { server: { exposeDetails: true }, services: [{ name: 'app', type: 'http', url: `http://127.0.0.1:${appPort}/healthz`, interval: '200ms', timeout: '100ms' }] },
    });
    const first = await pw.waitFor((l) => l.event === 'check-failed' && l.service === 'app');
    expect(first).toMatchObject({ level: 'warn', failedAttempts: 1, type: 'http' });
    expect(first.msg).toBe(`check app failed: connect ECONNREFUSED 127.0.0.1:${appPort}`);
    const readyz = await pw.get('/readyz?verbose');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toContain(`[-]app failed: starting: connect ECONNREFUSED 127.0.0.1:${appPort}\n`);
    // One line for the first failure, not one per attempt (five attempts a second here).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pw.events('check-failed')).toHaveLength(1);

    const app = createServer((_request, response) => response.end('ok')).listen(appPort, '127.0.0.1');
    try {
      const recovered = await pw.waitFor((l) => l.event === 'check-recovered');
      expect(recovered).toMatchObject({ level: 'info', service: 'app' });
      expect(recovered.msg).toMatch(/^check app passes again after \d+ failed attempts$/);
      await pw.waitState('app', 'ready');
    } finally {
      app.close();
    }
  });

  it('a module that cannot load is `failed: <reason>`, with the word once', async () => {
    const pw = await startPodwarden({ config: { services: [{ name: 'plugin', type: 'module', module: './missing.mjs' }] }, args: ['--expose-details'] });
    await pw.waitState('plugin', 'failed');
    const answer = (await pw.get('/readyz/plugin')).body;
    expect(answer).toMatch(/^\[-\]plugin failed: cannot load module \S+missing\.mjs: /);
    expect(answer).not.toContain('failed: failed');
  });

  it('the drain shows on /readyz without exposeDetails: "draining" is no secret', async () => {
    const pw = await startPodwarden({ config: { shutdown: { drainDelay: '2s' }, drain: { allowUnauthenticated: true } } });
    const drain = pw.get('/drain');
    await expect.poll(async () => (await pw.get('/readyz?verbose')).status).toBe(503);
    expect((await pw.get('/readyz?verbose')).body).toMatch(/\[-\]shutdown failed: draining, \d+s of 2s left\n/);
    pw.signal('SIGTERM');
    await drain.catch(() => undefined);
  });

  it('"serving on" is said once the port is bound, never for a port that could not be', async () => {
    const pw = await startPodwarden();
    await pw.waitFor((l) => l.event === 'start');
    const listening = pw.process.lines.findIndex((l) => l.event === 'listening');
    const serving = pw.process.lines.findIndex((l) => l.event === 'start');
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(serving).toBeGreaterThan(listening);
    expect(pw.process.lines[serving]!.msg).toBe(`podwarden serving on 127.0.0.1:${pw.port}`);

    const taken = await startPodwarden({ port: pw.port, listening: false });
    expect((await taken.exited()).code).toBe(1);
    expect(taken.events('start')).toEqual([]);
  });

  it('errors print their PODWARDEN_ERR_* code', async () => {
    const bad = await runCli(['serve', '--drain-delay', '1sec']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\ncode: PODWARDEN_ERR_CONFIG\n$/);
    const usage = await runCli(['serve', '--no-such-flag']);
    expect(usage.stderr).toContain('\ncode: PODWARDEN_ERR_USAGE\n');
  });
});

describe('podwarden serve ends when a critical service fails for good', () => {
  it('a critical module that cannot load: a log line naming it, exit 1, no drain delay spent', async () => {
    const pw = await startPodwarden({
      config: { shutdown: { drainDelay: '2m' }, services: [{ name: 'worker', type: 'module', module: './missing.mjs', critical: true }] },
      listening: false,
    });
    const exit = await pw.exited();
    expect(exit.code).toBe(1);
    expect(pw.events('critical-failure')).toEqual([expect.objectContaining({ level: 'error', service: 'worker', restarts: 0 })]);
    expect(pw.events('critical-failure')[0]!.msg).toMatch(/^critical service worker failed for good \(cannot load module \S+missing\.mjs: .*\): shutting down, exit code 1$/);
  });

  it('maxRestarts without restart: on-failure is refused by validate and serve alike, naming the key', async () => {
    const file = writeConfig(tempDir(), { services: [{ name: 'worker', type: 'tcp', port: 1, maxRestarts: 3 }] });
    for (const command of [['validate', file], ['serve', '--config', file]]) {
      const result = await runCli(command);
      expect(result.code, command[0]).toBe(2);
      expect(result.stderr, command[0]).toContain('services[0].maxRestarts: limits restarts, so it needs restart: on-failure');
    }
  });
});
