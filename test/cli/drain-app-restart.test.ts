import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { AppServer } from './app-server.js';
import { type Podwarden, cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

/**
 * Issue 14, part 3: a liveness restart of the app container un-drains as soon
 * as podwarden's check of the app is ready again; a real termination (pod
 * deletion), a kubelet eviction and a graceful node shutdown never do, however
 * many probes arrive, forged `kube-probe` ones included.
 */

let serve: Podwarden | undefined;
let app: AppServer;
let dir: string;
beforeEach(async () => {
  app = new AppServer();
  await app.up();
  dir = await mkdtemp(path.join(tmpdir(), 'podwarden-app-restart-'));
});
afterEach(async () => {
  await cleanupPodwardens();
  serve = undefined;
  await app.down();
  await rm(dir, { recursive: true, force: true });
});

/** `podwarden serve` checking the app every 100 ms (not-ready after 2 failures), with `drain.appCheck: app` and a 30 s maxHold. */
async function startWithApp(drainDelay = '300ms'): Promise<Podwarden> {
  const config = path.join(dir, 'podwarden.yaml');
  await writeFile(
    config,
    `shutdown: { drainDelay: ${drainDelay}, stopBudget: 2s }
drain: { tokenFile: ${path.join(dir, 'no-token')}, allowUnauthenticated: true, maxHold: 30s, appCheck: app, stateFile: ${path.join(dir, 'drain-state')} }
services:
  - { name: app, type: http, url: "http://127.0.0.1:${app.port}/health", interval: 100ms, timeout: 200ms, failureThreshold: 2 }
`,
  );
  const started = await startPodwarden({ configFile: config });
  await started.waitFor((l) => l.event === 'service-state' && l.service === 'app' && l.state === 'ready');
  return started;
}

const appState = (state: string) => (l: Record<string, unknown>) => l.event === 'service-state' && l.service === 'app' && l.state === state;
const kubeProbe = { headers: { 'user-agent': 'kube-probe/1.31' } };

/** The kubelet (or anyone forging its User-Agent) probing every 50 ms until stopped; answers are collected. */
function probing(s: Podwarden) {
  const answers: Array<{ path: string; status: number }> = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const p = ['/readyz', '/livez', '/startupz', '/readyz?verbose', '/livez/app'][i % 5]!;
      try {
        answers.push({ path: p, status: (await s.get(p, kubeProbe)).status });
      } catch {
        break; // the process has exited
      }
      await sleep(50);
    }
  })();
  return {
    answers,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('drain.appCheck in a real podwarden serve process', () => {
  it('a liveness restart (drain, the app goes away, the app comes back) un-drains with /readyz 200 long before maxHold', async () => {
    serve = await startWithApp();
    const t0 = performance.now();
    expect(await serve.get('/drain')).toMatchObject({ status: 200, body: 'drained\n' });
    expect((await serve.get('/readyz')).status).toBe(503);
    // The kubelet kills the app container after its preStop returned…
    await app.down();
    await serve.waitFor(appState('not-ready'), 3000);
    expect((await serve.get('/readyz')).status).toBe(503);
    // …and starts it again.
    await sleep(200);
    await app.up();
    await serve.waitFor((l) => l.event === 'drain' && l.kind === 'undrained', 3000);
    expect(await serve.get('/readyz?verbose')).toMatchObject({ status: 200, body: '[+]podwarden ok\n[+]app ok\n[+]shutdown ok\nreadyz check passed\n' });
    expect(performance.now() - t0).toBeLessThan(5000); // maxHold is 30 s
    expect(serve.events('drain').at(-1)).toMatchObject({ kind: 'undrained', source: 'app-restarted', level: 'warn' });
    expect(serve.events('phase').at(-1)).toMatchObject({ phase: 'running', reason: expect.stringMatching(/app container was restarted/) });
    // The next termination drains in full.
    serve.signal('SIGTERM');
    await serve.waitFor((l) => l.event === 'phase' && l.phase === 'draining');
    expect((await serve.process.exited).code).toBe(0);
  });

  it('a normal termination (drain, the app goes away, SIGTERM; readiness probes go on) never un-drains', async () => {
    serve = await startWithApp();
    expect((await serve.get('/drain')).status).toBe(200);
    const probes = probing(serve);
    await app.down();
    await serve.waitFor(appState('not-ready'), 3000);
    await sleep(300);
    serve.signal('SIGTERM');
    expect((await serve.process.exited).code).toBe(0);
    await probes.stop();
    expect(serve.events('drain').filter((e) => e.kind === 'undrained')).toEqual([]);
    expect(probes.answers.filter((a) => a.path.startsWith('/readyz') && a.status !== 503)).toEqual([]);
  });

  it('an eviction (no deletion timestamp: every probe goes on, forged kube-probe ones too, while the app is down) never un-drains', async () => {
    serve = await startWithApp();
    expect((await serve.get('/drain')).status).toBe(200);
    const probes = probing(serve);
    await app.down();
    await serve.waitFor(appState('not-ready'), 3000);
    await sleep(800);
    expect(probes.answers.filter((a) => a.path === '/livez').every((a) => a.status === 200)).toBe(true);
    serve.signal('SIGTERM');
    expect((await serve.process.exited).code).toBe(0);
    await probes.stop();
    expect(serve.events('drain').filter((e) => e.kind === 'undrained')).toEqual([]);
    expect(probes.answers.filter((a) => a.path.startsWith('/readyz') && a.status !== 503)).toEqual([]);
    expect(probes.answers.length).toBeGreaterThan(10);
  });

  it('a graceful node shutdown (SIGTERM first, /drain joins, probes go on, the app goes and its port answers again) never un-drains', async () => {
    serve = await startWithApp('1500ms');
    serve.signal('SIGTERM');
    await serve.waitFor((l) => l.event === 'phase' && l.phase === 'draining');
    // From the drain on: a probe sent before the signal may rightly have been answered 200.
    const probes = probing(serve);
    const drain = serve.get('/drain');
    await app.down();
    await serve.waitFor(appState('not-ready'), 3000);
    await app.up();
    await serve.waitFor((l) => appState('ready')(l) && serve!.process.lines.indexOf(l) > serve!.process.lines.findIndex(appState('not-ready')), 3000);
    expect((await drain).status).toBe(200);
    expect((await serve.process.exited).code).toBe(0);
    await probes.stop();
    expect(serve.events('drain').filter((e) => e.kind === 'undrained')).toEqual([]);
    expect(probes.answers.filter((a) => a.path.startsWith('/readyz') && a.status !== 503)).toEqual([]);
  });
});
