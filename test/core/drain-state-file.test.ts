import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrainStateFile, readDrainRecord } from '../../src/core/drain-state-file.js';
import type { DrainStateEvent } from '../../src/core/events.js';
import { recordingServer, sleep, until } from '../helpers/core.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'podwarden-drain-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (fields: Record<string, unknown>) => `${JSON.stringify({ version: 1, source: 'http', completedAt: null, ...fields })}\n`;

describe('the drain record file', () => {
  it('reads none, a record, or unreadable (with why)', () => {
    const file = path.join(dir, 'drain-state');
    expect(readDrainRecord(file)).toEqual({ kind: 'none' });
    writeFileSync(file, record({ state: 'drained', startedAt: 1000, completedAt: 2000 }));
    expect(readDrainRecord(file)).toEqual({ kind: 'found', record: { state: 'drained', source: 'http', startedAt: 1000, completedAt: 2000 } });
    for (const [text, why] of [
      ['{"version":1', 'it is not JSON'],
      ['null', 'not a drain record'],
      [record({ version: 2, state: 'drained', startedAt: 1, completedAt: 2 }), 'not a drain record'],
      [record({ state: 'drained', startedAt: 1 }), 'not a drain record'],
      [record({ state: 'stopping', startedAt: 1 }), 'not a drain record'],
      [record({ state: 'draining', startedAt: 'yesterday' }), 'not a drain record'],
    ] as const) {
      writeFileSync(file, text);
      expect(readDrainRecord(file)).toEqual({ kind: 'unreadable', reason: expect.stringContaining(why) });
    }
    expect(readDrainRecord(dir)).toEqual({ kind: 'unreadable', reason: 'cannot read it (EISDIR)' });
  });

  it('writes atomically and in call order, leaves no temporary file, and reports failures without throwing', async () => {
    const file = path.join(dir, 'drain-state');
    const errors: string[] = [];
    const state = new DrainStateFile(file, (e) => errors.push(e));
    state.save({ state: 'draining', source: 'http', startedAt: 1000, completedAt: undefined });
    state.save({ state: 'drained', source: 'http', startedAt: 1000, completedAt: 2000 });
    await state.settled();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, state: 'drained', source: 'http', startedAt: 1000, completedAt: 2000 });
    expect(readdirSync(dir)).toEqual(['drain-state']);
    state.remove();
    state.remove();
    await state.settled();
    expect(existsSync(file)).toBe(false);
    expect(errors).toEqual([]);

    const nowhere = new DrainStateFile(path.join(dir, 'missing-dir', 'drain-state'), (e) => errors.push(e));
    nowhere.save({ state: 'draining', source: 'http', startedAt: 1000, completedAt: undefined });
    await nowhere.settled();
    expect(errors).toEqual([expect.stringMatching(/^cannot write .*missing-dir\/drain-state: ENOENT$/)]);
  });
});

/** A server with one ready service and a state file; its drain-state events recorded. */
async function serverWith(file: string, options: { drainDelay?: number; maxHold?: number } = {}) {
  const rec = recordingServer({ shutdown: { drainDelay: options.drainDelay ?? 40, stopBudget: 1000 }, drain: { maxHold: options.maxHold ?? 60_000, stateFile: file } });
  const states: DrainStateEvent[] = [];
  rec.server.on('drain-state', (e) => states.push(e));
  rec.server.addService({ name: 'a', startWithReadyNotifier: (s, ready) => (ready.notifyReady(), s.wait()) });
  const run = rec.server.run();
  return { ...rec, states, run, stop: () => rec.server.shutdown('api', { fast: true }) };
}

describe('drain.stateFile in the runner', () => {
  it('records a drain when it starts and completes, and removes it when the drain is let go', async () => {
    const file = path.join(dir, 'drain-state');
    const t = await serverWith(file, { drainDelay: 80, maxHold: 150 });
    await until(() => t.server.phase === 'running');
    const drained = t.server.drain('http');
    await until(() => existsSync(file));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: 'draining', source: 'http', completedAt: null });
    await drained;
    await until(() => JSON.parse(readFileSync(file, 'utf8')).state === 'drained');
    await until(() => t.server.phase === 'running', 1000);
    await until(() => !existsSync(file));
    expect(t.states).toEqual([]);
    await t.stop();
  });

  it('starts drained from a record within maxHold, for what is left of the hold; SIGTERM then stops without a second drain delay', async () => {
    const file = path.join(dir, 'drain-state');
    const completedAt = Date.now() - 1000;
    writeFileSync(file, record({ state: 'drained', startedAt: completedAt - 10_000, completedAt }));
    const t = await serverWith(file, { drainDelay: 10_000, maxHold: 1400 });
    expect(t.server.phase).toBe('drained');
    expect(t.phases.map((p) => p.phase)).toEqual(['starting', 'drained']);
    expect(t.states).toEqual([expect.objectContaining({ kind: 'restored', file, holdEndsAt: completedAt + 1400 })]);
    await sleep(100);
    expect(t.server.phase).toBe('drained'); // services settled: still drained
    await until(() => t.server.phase === 'running', 1000);
    expect(Date.now()).toBeGreaterThanOrEqual(completedAt + 1400 - 20);
    await until(() => !existsSync(file));
    await t.stop();

    writeFileSync(file, record({ state: 'drained', startedAt: Date.now() - 20_000, completedAt: Date.now() - 10_000 }));
    const again = await serverWith(file, { drainDelay: 10_000, maxHold: 60_000 });
    expect(again.server.phase).toBe('drained');
    const t0 = performance.now();
    again.signals.send('SIGTERM');
    expect((await again.run).exitCode).toBe(0);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('resumes a drain recorded while draining for the rest of its delay', async () => {
    const file = path.join(dir, 'drain-state');
    writeFileSync(file, record({ state: 'draining', startedAt: Date.now() - 200 }));
    const t = await serverWith(file, { drainDelay: 500 });
    expect(t.server.phase).toBe('draining');
    const t0 = performance.now();
    await t.server.drain('http');
    expect(performance.now() - t0).toBeLessThan(450);
    expect(performance.now() - t0).toBeGreaterThan(200);
    expect(t.server.phase).toBe('drained');
    await until(() => JSON.parse(readFileSync(file, 'utf8')).state === 'drained');
    await t.stop();
  });

  it('ignores a stale record (and removes it) or an unreadable one, with a drain-state event; starts undrained', async () => {
    const file = path.join(dir, 'drain-state');
    writeFileSync(file, record({ state: 'drained', startedAt: Date.now() - 200_000, completedAt: Date.now() - 190_000 }));
    const stale = await serverWith(file, { maxHold: 60_000 });
    await until(() => stale.server.phase === 'running');
    expect(stale.states).toEqual([expect.objectContaining({ kind: 'ignored', detail: expect.stringMatching(/^stale: /) })]);
    await until(() => !existsSync(file));
    await stale.stop();

    writeFileSync(file, 'garbage');
    const garbage = await serverWith(file);
    await until(() => garbage.server.phase === 'running');
    expect(garbage.states).toEqual([expect.objectContaining({ kind: 'ignored', detail: 'it is not JSON; starting undrained' })]);
    await garbage.stop();
  });

  it('an unwritable path: the drain works, a write-failed event says why', async () => {
    const t = await serverWith(path.join(dir, 'no-such-dir', 'drain-state'), { drainDelay: 20 });
    await until(() => t.server.phase === 'running');
    await t.server.drain('http');
    expect(t.server.phase).toBe('drained');
    await until(() => t.states.length >= 2);
    expect(t.states.map((s) => s.kind)).toEqual(['write-failed', 'write-failed']);
    expect(t.states[0]?.detail).toMatch(/cannot write .*no-such-dir\/drain-state: ENOENT/);
    await t.stop();
  });

  it('does not record a drain a shutdown began: it ends with the process', async () => {
    const file = path.join(dir, 'drain-state');
    const t = await serverWith(file, { drainDelay: 40 });
    await until(() => t.server.phase === 'running');
    t.signals.send('SIGTERM');
    await t.run;
    await sleep(20);
    expect(existsSync(file)).toBe(false);
  });
});
