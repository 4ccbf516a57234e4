import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { type InProcessProbe, type InProcessTiming, type PodTemplate, durationMs, inProcess, shutdownTiming } from './sim/pod-template.js';
import { type Install, expectNoRequestDropped, install, missingPieces, profileBalancers, rollouts, rounds, runInstalled, scenarioTimeout } from './rolling-update.js';

const root = resolve(import.meta.dirname, '../..');
const apps = join(root, 'test/e2e/apps');

// Missing pieces (helm, the chart, the built CLI and library) fail the suite: it never skips.
const missing = missingPieces() ?? (existsSync(join(root, 'dist/index.js')) ? undefined : 'the podwarden library (dist/index.js; npm run build)');
if (missing) throw new Error(`rolling-update needs ${missing}: run make test, which installs and builds them`);

// lightship 7.3.0 is published without its compiled dist/: compile it once, as the bench does.
execFileSync(process.execPath, ['--input-type=module', '-e', "const { ensureLightshipDist } = await import('./bench/lib/lightship-dist.mjs'); const r = await ensureLightshipDist(process.cwd()); if (!r.ok) throw new Error(r.reason);"], {
  cwd: root,
  stdio: 'inherit',
});

// The default profile's balancers, and in-cluster clients that keep their connections: kube-proxy picks a pod per
// connection, so what an app does with keep-alive connections while it drains shows here.
const balancers = [...profileBalancers['ingress-nginx'], { model: 'kube-proxy-keepalive' as const }];

/** Each library's probe paths, and the port they are on: the app's own, or the library's health port. */
const probes: Record<'podwarden' | 'terminus' | 'lightship', { startup: InProcessProbe; readiness: InProcessProbe; liveness: InProcessProbe }> = {
  podwarden: { startup: { path: '/startupz', port: 'health' }, readiness: { path: '/readyz', port: 'health' }, liveness: { path: '/livez', port: 'health' } },
  terminus: { startup: { path: '/readyz', port: 'app' }, readiness: { path: '/readyz', port: 'app' }, liveness: { path: '/livez', port: 'app' } },
  lightship: { startup: { path: '/ready', port: 'health' }, readiness: { path: '/ready', port: 'health' }, liveness: { path: '/live', port: 'health' } },
};

/** The rendered shutdown timing (the chart's drain delay for its profile, podwarden's stop timeout and budget), or another drain delay. */
function timingOf(template: PodTemplate, drainDelayMs?: number): InProcessTiming {
  const { drainDelayMs: rendered, stopBudgetMs } = shutdownTiming(template);
  const shutdown = (template.podwardenConfig?.shutdown ?? {}) as Record<string, unknown>;
  return { drainDelayMs: drainDelayMs ?? rendered, stopTimeoutMs: durationMs(shutdown.stopTimeout ?? '5s'), stopBudgetMs };
}

/** Roll the Deployment of an in-process app: the chart's render, the app container alone with `library` inside. */
function rollInProcess(name: string, { template, rollout }: Install, library: keyof typeof probes, drainDelayMs?: number) {
  const inside = inProcess(template, probes[library], timingOf(template, drainDelayMs));
  return runInstalled(name, { template: inside, rollout }, balancers, rollouts(rounds.other), { appArgs: [join(apps, `${library}-app.mjs`)] });
}

// docs/rolling-update.md, "In-process apps": the app without a sidecar, with podwarden's httpServerService, terminus or
// lightship inside it, rolled under the chart's Deployment (profile ingress-nginx, its balancers). SIGTERM comes at
// deletion (no preStop hook): each library fails readiness and keeps serving for the drain delay it is given. The
// anchors' failed requests are measured and recorded, not judged. Independent runs, side by side.
describe.concurrent('rolling update with the library inside the app', () => {
  it('drops no request with podwarden inside the app (httpServerService, the chart’s drain delay)', { timeout: scenarioTimeout }, async ({ expect }) => {
    const installed = await install();
    const result = await rollInProcess('in-process-podwarden', installed, 'podwarden');
    expect(result.mode).toBe('in-process');
    expectNoRequestDropped(expect, result, 3 * rounds.other);
    for (const t of result.terminations) {
      expect(t.app.exit?.code, `${t.pod}\n${result.describe(t.pod)}`).toBe(0);
      expect(t.app.killed, t.pod).toBe(false);
    }
  });

  for (const library of ['terminus', 'lightship'] as const) {
    it(`measures ${library} inside the app with the same drain delay`, { timeout: scenarioTimeout }, async ({ expect }) => {
      const result = await rollInProcess(`in-process-${library}`, await install(), library);
      expect(result.podsStopped).toBe(3 * rounds.other);
      expect(result.traffic.requests).toBeGreaterThan(0);
    });
  }

  // As each is installed: terminus without beforeShutdown closes its server at SIGTERM; lightship waits its 5 s default.
  for (const [library, drainDelayMs] of [
    ['terminus', 0],
    ['lightship', 5000],
  ] as const) {
    it(`measures ${library} inside the app with its default delay (${drainDelayMs / 1000} s)`, { timeout: scenarioTimeout }, async ({ expect }) => {
      const result = await rollInProcess(`in-process-${library}-default`, await install(), library, drainDelayMs);
      expect(result.podsStopped).toBe(3 * rounds.other);
      expect(result.traffic.requests).toBeGreaterThan(0);
    });
  }
});
