import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { runCheck } from './harness.js';

describe('file check', () => {
  it('waits for the file to exist, and fails after it is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwarden-file-'));
    const file = join(dir, 'ready');
    const run = await runCheck({ type: 'file', name: 'marker', path: file, interval: '50ms', failureThreshold: 2 });
    await until(() => run.results.length >= 1);
    expect(run.state()).toBe('starting');
    expect(run.results[0]!.error).toBe(`${file} does not exist`);
    writeFileSync(file, 'x');
    await run.waitFor('ready');
    rmSync(file);
    await run.waitFor('not-ready');
  });

  it('with maxAge, fails when the file is stale and recovers when it is touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwarden-file-'));
    const file = join(dir, 'heartbeat');
    writeFileSync(file, 'x');
    const run = await runCheck({ type: 'file', name: 'heartbeat', path: file, maxAge: '10s', interval: '50ms', failureThreshold: 1 });
    await run.waitFor('ready');
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    await run.waitFor('not-ready');
    expect(run.snapshot().reason).toMatch(/is stale: modified 60s ago, maxAge 10s$/);
    const now = new Date();
    utimesSync(file, now, now);
    await run.waitFor('ready');
  });

  it('resolves a relative path against the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwarden-file-'));
    writeFileSync(join(dir, 'here.txt'), 'x');
    const run = await runCheck({ type: 'file', name: 'relative', path: 'here.txt', interval: '50ms' }, join(dir, 'podwarden.yaml'));
    expect(run.spec.path).toBe(join(dir, 'here.txt'));
    await run.waitFor('ready');
  });
});
