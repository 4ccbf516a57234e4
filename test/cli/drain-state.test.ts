import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/core.js';
import { AppServer } from './app-server.js';
import { type Podwarden, cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

/**
 * Issue 14, part 3: a podwarden restarted during a drain (OOM, its own
 * liveness) comes back drained, from `drain.stateFile`, for what is left of
 * `maxHold`; a stale or unreadable record is ignored with a warning.
 */

let dir: string;
let stateFile: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'podwarden-drain-state-'));
  stateFile = path.join(dir, 'drain-state');
});
afterEach(async () => {
  await cleanupPodwardens();
  await rm(dir, { recursive: true, force: true });
});

function serve(args: string[]): Promise<Podwarden> {
  return startPodwarden({ args: ['--drain-allow-unauthenticated', '--drain-state-file', stateFile, '--stop-budget', '2s', ...args] });
}

async function killHard(child: Podwarden): Promise<void> {
  child.process.kill();
  await child.process.exited;
}

const recorded = () => JSON.parse(readFileSync(stateFile, 'utf8')) as { state: string; startedAt: number; completedAt: number | null };

describe('drain.stateFile across a podwarden restart (real processes, kill -9)', () => {
  it('killed after a completed /drain, restarted with the same file: drained from the first answer, /livez 200; SIGTERM then exits at once', async () => {
    const first = await serve(['--drain-delay', '2s']);
    expect((await first.get('/drain')).status).toBe(200);
    await until(() => existsSync(stateFile) && recorded().state === 'drained', 2000, 'the drained record');
    await killHard(first);

    const second = await serve(['--drain-delay', '2s']);
    const answer = await second.get('/readyz', { headers: { accept: 'application/json' } });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ phase: 'drained', checks: expect.arrayContaining([{ name: 'shutdown', status: 'failed', phase: 'drained', reason: 'drained' }]) });
    expect((await second.get('/livez')).status).toBe(200);
    expect(second.events('drain-state')).toEqual([expect.objectContaining({ kind: 'restored', level: 'warn', file: stateFile })]);
    // The drain is done: /drain answers at once, and SIGTERM needs no second drain delay.
    expect((await second.get('/drain')).ms).toBeLessThan(500);
    const t0 = performance.now();
    second.signal('SIGTERM');
    expect((await second.process.exited).code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(second.events('exit')[0]).toMatchObject({ exitCode: 0, reason: 'SIGTERM' });
  });

  it('killed while draining: the restarted process drains for what is left of the delay only', async () => {
    const first = await serve(['--drain-delay', '2500ms']);
    const pending = first.get('/drain').catch(() => undefined);
    await until(() => existsSync(stateFile), 2000, 'the draining record');
    const startedAt = recorded().startedAt;
    await sleep(300);
    await killHard(first);
    await pending;

    const second = await serve(['--drain-delay', '2500ms']);
    expect((await second.get('/readyz')).status).toBe(503);
    expect((await second.get('/livez?verbose')).body).toMatch(/\[\+\]shutdown ok: draining, [12]s of 2\.5s left/);
    const drain = await second.get('/drain');
    expect(drain.status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2400);
    expect(Date.now() - startedAt).toBeLessThan(3500);
    await until(() => recorded().state === 'drained', 2000, 'the drained record');
  });

  it('holds only what is left of maxHold by the wall clock, then un-drains and removes the record', async () => {
    const first = await serve(['--drain-delay', '100ms', '--drain-max-hold', '2500ms']);
    expect((await first.get('/drain')).status).toBe(200);
    await until(() => existsSync(stateFile) && recorded().state === 'drained', 2000, 'the drained record');
    const completedAt = recorded().completedAt!;
    await sleep(800);
    await killHard(first);

    const second = await serve(['--drain-delay', '100ms', '--drain-max-hold', '2500ms']);
    expect((await second.get('/readyz')).status).toBe(503);
    await second.waitFor((l) => l.event === 'drain' && l.kind === 'undrained', 5000);
    expect(Date.now() - completedAt).toBeGreaterThanOrEqual(2400);
    expect(Date.now() - completedAt).toBeLessThan(3300); // not a whole maxHold after the restart
    expect((await second.get('/readyz')).status).toBe(200);
    await until(() => !existsSync(stateFile), 2000, 'the record removed');
  });

  it('a restored drain is not let go by the app check starting up, only by a later failure and recovery', async () => {
    const app = new AppServer();
    await app.up();
    try {
      const config = path.join(dir, 'podwarden.yaml');
      await writeFile(
        config,
        `drain: { appCheck: app, maxHold: 60s }
services:
  - { name: app, type: http, url: "http://127.0.0.1:${app.port}/", interval: 100ms, timeout: 200ms, failureThreshold: 2 }
`,
      );
      const first = await serve(['--config', config, '--drain-delay', '100ms']);
      expect((await first.get('/drain')).status).toBe(200);
      await until(() => existsSync(stateFile) && recorded().state === 'drained', 2000, 'the drained record');
      await killHard(first);

      const second = await serve(['--config', config, '--drain-delay', '100ms']);
      await second.waitFor((l) => l.event === 'service-state' && l.service === 'app' && l.state === 'ready');
      await sleep(300);
      expect((await second.get('/readyz')).status).toBe(503);
      await app.down();
      await second.waitFor((l) => l.event === 'service-state' && l.service === 'app' && l.state === 'not-ready', 3000);
      await app.up();
      await second.waitFor((l) => l.event === 'drain' && l.kind === 'undrained' && l.source === 'app-restarted', 3000);
      expect((await second.get('/readyz')).status).toBe(200);
      await until(() => !existsSync(stateFile), 2000, 'the record removed');
    } finally {
      await app.down();
    }
  });

  it('a stale record, or one that is not a record, is ignored with a warning; the process starts ready', async () => {
    await writeFile(stateFile, JSON.stringify({ version: 1, state: 'drained', source: 'http', startedAt: Date.now() - 600_000, completedAt: Date.now() - 590_000 }));
    const stale = await serve(['--drain-max-hold', '120s']);
    await stale.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    expect((await stale.get('/readyz')).status).toBe(200);
    expect(stale.events('drain-state')).toEqual([expect.objectContaining({ kind: 'ignored', level: 'warn', detail: expect.stringMatching(/^stale: /) })]);
    await killHard(stale);

    await writeFile(stateFile, '{"version":1,"state":"dra');
    const torn = await serve([]);
    await torn.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    expect((await torn.get('/readyz')).status).toBe(200);
    expect(torn.events('drain-state')).toEqual([expect.objectContaining({ kind: 'ignored', detail: 'it is not JSON; starting undrained' })]);
  });

  it('an unwritable path: a warning, and the drain works as without a state file', async () => {
    stateFile = path.join(dir, 'missing', 'drain-state');
    const child = await serve(['--drain-delay', '100ms']);
    expect((await child.get('/drain')).status).toBe(200);
    expect((await child.get('/readyz')).status).toBe(503);
    await child.waitFor((l) => l.event === 'drain-state' && l.kind === 'write-failed');
    expect(child.events('drain-state')[0]).toMatchObject({ level: 'warn', detail: expect.stringContaining('ENOENT') });
    child.signal('SIGTERM');
    expect((await child.process.exited).code).toBe(0);
  });
});
