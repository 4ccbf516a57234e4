import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPodwardens, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { testHttpServer } from './servers.js';

afterEach(cleanupPodwardens);

const nodeMajor = Number(process.versions.node.split('.')[0]);

/**
 * The Node built-ins `podwarden serve` loaded, read from `process.moduleLoadList` as the process exits.
 * What is loaded but never used is startup time every pod pays: on Node 24, an ESM import of node:http
 * evaluates its lazy exports and loads undici (~60 ms of CPU), one of node:fs loads fs/promises and readline;
 * node:crypto is needed only for a drain token; pino's dependencies require node:assert (2-6 ms).
 */
async function builtinsLoaded(config: Record<string, unknown>): Promise<string[]> {
  const dir = tempDir();
  const hook = path.join(dir, 'record-builtins.cjs');
  const out = path.join(dir, 'builtins.json');
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`);
  const pw = await startPodwarden({ config: { shutdown: { drainDelay: '0s' }, ...config }, env: { NODE_OPTIONS: `--require ${hook}` } });
  await pw.waitState('api', 'ready');
  expect((await pw.get('/readyz')).status).toBe(200);
  pw.signal('SIGTERM');
  expect((await pw.exited()).code).toBe(0);
  return (JSON.parse(readFileSync(out, 'utf8')) as string[]).map((m) => m.replace(/^NativeModule /, ''));
}

describe('built-ins serve loads', () => {
  it('an http check runs without undici, and without node:crypto when no drain token is set', async () => {
    const target = await testHttpServer();
    const loaded = await builtinsLoaded({ services: [{ name: 'api', type: 'http', url: target.url(), interval: '100ms' }] });
    expect(loaded).toContain('http');
    expect(loaded.filter((m) => m.includes('undici'))).toEqual([]);
    expect(loaded).not.toContain('crypto');
  });

  it('reads its config file and logs without node:assert or fs/promises', async () => {
    const target = await testHttpServer();
    const loaded = await builtinsLoaded({ services: [{ name: 'api', type: 'http', url: target.url(), interval: '100ms' }] });
    // The config came from a file and the startup lines were written: both done without them.
    expect(loaded).toContain('http');
    expect(loaded.filter((m) => m === 'assert' || m.startsWith('internal/assert/'))).toEqual([]);
    expect(loaded).not.toContain('fs/promises');
  });

  it('loads node:crypto when a drain token is set', async () => {
    const target = await testHttpServer();
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'a-drain-token-of-enough-length\n');
    const loaded = await builtinsLoaded({ drain: { tokenFile }, services: [{ name: 'api', type: 'http', url: target.url(), interval: '100ms' }] });
    expect(loaded).toContain('crypto');
  });

  // Four threads (stacks, malloc arenas) in every pod, for two small reads before the port opens. Node 20's
  // module loader reads files on the pool itself and leaves threads unnamed: the image's Node 24 is what counts
  // (make test runs this file on it too).
  it.skipIf(nodeMajor < 24)('reads its config and drain token files without starting libuv\'s thread pool (Node 24)', async () => {
    const target = await testHttpServer();
    const tokenFile = path.join(tempDir(), 'token');
    writeFileSync(tokenFile, 'a-drain-token-of-enough-length\n');
    const pw = await startPodwarden({ config: { drain: { tokenFile }, services: [{ name: 'api', type: 'http', url: target.url(), interval: '100ms' }] } });
    await pw.waitState('api', 'ready');
    expect((await pw.get('/readyz')).status).toBe(200);
    const threads = readdirSync(`/proc/${pw.pid}/task`).map((task) => readFileSync(`/proc/${pw.pid}/task/${task}/comm`, 'utf8').trim());
    expect(threads.some((name) => name.endsWith('MainThread'))).toBe(true);
    expect(threads.filter((name) => name.startsWith('libuv-worker'))).toEqual([]);
  });
});
