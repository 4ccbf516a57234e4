import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'podwarden-module-'));
const configFile = join(dir, 'podwarden.yaml');

function moduleFile(name: string, source: string): string {
  writeFileSync(join(dir, name), source);
  return `./${name}`;
}

describe('module service', () => {
  it('runs a default-exported BackgroundService under the configured name, ready when it says so', async () => {
    const module = moduleFile(
      'worker.mjs',
      `export default {
        name: 'ignored',
        async startWithReadyNotifier(shutdown, ready) {
          await new Promise((r) => setTimeout(r, 100));
          ready.notifyReady();
          await shutdown.wait();
        },
      };`,
    );
    const run = await runCheck({ type: 'module', name: 'worker', module }, configFile);
    expect(run.state()).toBe('starting');
    await run.waitFor('ready');
    const report = await run.stop();
    expect(report.services[0]).toMatchObject({ name: 'worker', state: 'stopped' });
  });

  it('calls an exported factory named service with the options', async () => {
    const module = moduleFile(
      'factory.mjs',
      `export function service(options) {
        return {
          name: 'x',
          async startWithReadyNotifier(shutdown, ready) {
            if (options.mode === 'go') ready.notifyReady();
            else ready.notifyNotReady('mode is ' + options.mode);
            await shutdown.wait();
          },
        };
      }`,
    );
    const go = await runCheck({ type: 'module', name: 'go', module, options: { mode: 'go' } }, configFile);
    await go.waitFor('ready');
    const wait = await runCheck({ type: 'module', name: 'wait', module, options: { mode: 'wait' } }, configFile);
    await new Promise((r) => setTimeout(r, 50));
    expect(wait.state()).toBe('starting');
    expect(wait.snapshot().reason).toBe('mode is wait');
  });

  it('accepts a service with plain start(): ready as soon as it starts', async () => {
    const module = moduleFile('plain.mjs', `export default { name: 'p', start: (shutdown) => shutdown.wait() };`);
    const run = await runCheck({ type: 'module', name: 'plain', module }, configFile);
    await run.waitFor('ready');
  });

  it('fails with a clear reason when the module throws on import', async () => {
    const module = moduleFile('throws.mjs', `throw new Error('missing DATABASE_URL');`);
    const run = await runCheck({ type: 'module', name: 'throws', module }, configFile);
    await run.waitFor('failed');
    expect(run.snapshot().reason).toBe(`cannot load module ${join(dir, 'throws.mjs')}: Error: missing DATABASE_URL`);
  });

  it('fails with a clear reason when the file does not exist or does not parse', async () => {
    const missing = await runCheck({ type: 'module', name: 'missing', module: './nope.mjs' }, configFile);
    await missing.waitFor('failed');
    expect(missing.snapshot().reason).toBe(`cannot load module ${join(dir, 'nope.mjs')}: no such file`);

    const broken = await runCheck({ type: 'module', name: 'broken', module: moduleFile('broken.mjs', 'export default {') }, configFile);
    await broken.waitFor('failed');
    expect(broken.snapshot().reason).toMatch(/^cannot load module .*broken\.mjs: .*syntax/i);
  });

  it('fails when the export is not a service', async () => {
    const none = await runCheck({ type: 'module', name: 'none', module: moduleFile('none.mjs', 'export const other = 1;') }, configFile);
    await none.waitFor('failed');
    expect(none.snapshot().reason).toMatch(/neither a default export nor an export named "service"$/);

    const notService = await runCheck({ type: 'module', name: 'nots', module: moduleFile('nots.mjs', 'export default { name: "x" };') }, configFile);
    await notService.waitFor('failed');
    expect(notService.snapshot().reason).toMatch(/is not a BackgroundService/);

    const both = await runCheck({ type: 'module', name: 'both', module: moduleFile('both.mjs', 'export default { start() {}, startWithReadyNotifier() {} };') }, configFile);
    await both.waitFor('failed');
    expect(both.snapshot().reason).toMatch(/implements both start\(\) and startWithReadyNotifier\(\); implement one$/);
  });

  it('fails when the service itself throws, like any service', async () => {
    const module = moduleFile('crash.mjs', `export default { name: 'c', async start() { throw new Error('lost connection'); } };`);
    const run = await runCheck({ type: 'module', name: 'crash', module }, configFile);
    await run.waitFor('failed');
    expect(run.snapshot().reason).toBe('lost connection');
  });
});
