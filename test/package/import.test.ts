import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { BackgroundService, ExitReport, ServiceReadyNotifier, ShutdownWatch } from '../../src/index.js';
import type { Server } from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
let app: string;

beforeAll(() => {
  // A user's project with podwarden in node_modules, resolved through package.json "exports".
  app = mkdtempSync(join(tmpdir(), 'podwarden-user-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'podwarden'), 'dir');
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

const run = (file: string, source: string) => {
  writeFileSync(join(app, file), source);
  return execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
};

const program = (importLine: string) => `${importLine}
const server = new Server({ handleSignals: false, shutdown: { drainDelay: 0 } });
server.addService({ name: 'job', start: async () => {} });
server.run().then((report) => console.log(JSON.stringify({ exitCode: report.exitCode, state: report.services[0].state })));
setTimeout(() => server.shutdown(), 50);
`;

describe('the built package, imported as a user would', () => {
  it('works with ESM import', () => {
    const out = run('esm.mjs', program("import { Server } from 'podwarden';"));
    expect(JSON.parse(out)).toEqual({ exitCode: 0, state: 'completed' });
  });

  it('works with require() from CommonJS (Node ≥ 20.19)', () => {
    const out = run('cjs.cjs', program("const { Server } = require('podwarden');"));
    expect(JSON.parse(out)).toEqual({ exitCode: 0, state: 'completed' });
  });

  it('podwarden/core is the runner alone: ESM and CommonJS, without the HTTP, metrics and logging dependencies', () => {
    const loaded = `
const { Module } = require('node:module');
const heavy = Object.keys(Module._cache).filter((f) => /node_modules[\\/](fastify|prom-client|pino)[\\/]/.test(f));
console.error(JSON.stringify(heavy));`;
    const esm = run('core.mjs', program("import { Server } from 'podwarden/core';"));
    expect(JSON.parse(esm)).toEqual({ exitCode: 0, state: 'completed' });
    const cjs = run('core.cjs', program("const { Server } = require('podwarden/core');"));
    expect(JSON.parse(cjs)).toEqual({ exitCode: 0, state: 'completed' });
    const heavyOf = (importLine: string) => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', `${importLine}\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);${loaded}`], { cwd: app, encoding: 'utf8' });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stderr.trim().split('\n').at(-1)!) as string[];
    };
    expect(heavyOf("import 'podwarden/core';")).toEqual([]);
    // The full entry loads prom-client and pino, but fastify only when a router is needed.
    const full = heavyOf("import 'podwarden';");
    expect(full.some((f) => f.includes('prom-client'))).toBe(true);
    expect(full.some((f) => /[\\/]fastify[\\/]/.test(f))).toBe(false);
  });

  it('ships type declarations that a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(app, 'user.ts'),
      `import { Server, type BackgroundService, type ExitReport } from 'podwarden';
const svc: BackgroundService = { name: 'x', start: async (shutdown) => { await shutdown.wait(); } };
const server = new Server({ shutdown: { drainDelay: '1s' } });
server.addService(svc, { readyTimeout: '5s', probes: ['readiness'] });
const code: Promise<ExitReport['exitCode']> = server.run().then((r) => r.exitCode);
void code;
// @ts-expect-error unknown probe kinds are rejected by the types
server.addService(svc, { probes: ['sometimes'] });
`,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
    const typeRoots = ['--typeRoots', join(root, 'node_modules/@types'), '--types', 'node'];
    expect(() => execFileSync(process.execPath, [tsc, ...args, ...typeRoots, 'user.ts'], { cwd: app, encoding: 'utf8' })).not.toThrow();
    // tsc checks ~380 declaration files: about 10 s of CPU, several times that on a busy machine.
  }, 180_000);

  it('packs only what runs, and what a user reads: dist, README, CHANGELOG, LICENSE, package.json', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{
      files: Array<{ path: string }>;
    }>;
    const paths = packed[0]!.files.map((f) => f.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('dist/cli/main.js');
    const outside = paths.filter((p) => !p.startsWith('dist/') && !['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json'].includes(p));
    expect(outside).toEqual([]);
    expect(paths.some((p) => p.startsWith('dist/') && p.endsWith('.test.js'))).toBe(false);
  });
});

describe('public types', () => {
  it('BackgroundService needs only a name and one start method', () => {
    const plain: BackgroundService = { name: 'a', start: async (shutdown: ShutdownWatch) => shutdown.wait() };
    const notifying: BackgroundService = {
      name: 'b',
      startWithReadyNotifier: (_shutdown: ShutdownWatch, ready: ServiceReadyNotifier) => ready.notifyReady(),
    };
    expectTypeOf(plain).toMatchTypeOf<BackgroundService>();
    expectTypeOf(notifying).toMatchTypeOf<BackgroundService>();
    expectTypeOf<ShutdownWatch['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Server['run']>().returns.toEqualTypeOf<Promise<ExitReport>>();
    expectTypeOf<ExitReport['exitCode']>().toEqualTypeOf<0 | 1 | 130>();
  });
});
