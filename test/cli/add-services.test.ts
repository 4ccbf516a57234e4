import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CheckResults } from '../../src/checks/check-result.js';
import { addConfiguredServices } from '../../src/cli/add-services.js';
import { parseConfig } from '../../src/config/load-config.js';
import { recordingServer, until } from '../helpers/core.js';
import { testTcpListener } from '../checks/servers.js';

async function serverFor(yaml: string, file?: string) {
  const config = await parseConfig(yaml, { env: {}, file });
  const results = new CheckResults();
  const seen: string[] = [];
  results.on((r) => seen.push(`${r.name}:${r.ok ? 'ok' : 'fail'}`));
  const rec = recordingServer({ handleSignals: false, shutdown: { drainDelay: 0, stopBudget: '5s' } });
  addConfiguredServices(rec.server, config, results);
  const running = rec.server.run();
  onTestFinished(async () => {
    await rec.server.shutdown('api').catch(() => undefined);
    await running;
  });
  return { ...rec, results: seen, config };
}

describe('addConfiguredServices', () => {
  it('starts a service only once the ones it dependsOn are ready', async () => {
    const db = await testTcpListener();
    await db.down();
    const { server, statesOf } = await serverFor(`
services:
  - { name: db, type: tcp, host: 127.0.0.1, port: ${db.port}, interval: 50ms }
  - { name: app, type: tcp, host: 127.0.0.1, port: ${db.port}, interval: 50ms, dependsOn: [db] }
`);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.service('db')?.state).toBe('starting');
    expect(server.service('app')?.state).toBe('pending');
    await db.up();
    await until(() => server.service('app')?.state === 'ready', 3000);
    expect(statesOf('app')).toEqual(['starting', 'ready']);
    expect(server.service('app')?.dependencies).toEqual(['db']);
  });

  it('registers probes, and reports each attempt to the results', async () => {
    const db = await testTcpListener();
    const { server, results } = await serverFor(`
services:
  - { name: live, type: tcp, host: 127.0.0.1, port: ${db.port}, interval: 50ms, probes: [liveness] }
  - { name: plain, type: tcp, host: 127.0.0.1, port: ${db.port}, interval: 50ms }
`);
    await until(() => server.service('live')?.state === 'ready' && server.service('plain')?.state === 'ready');
    expect(server.service('live')?.probes).toEqual(['liveness']);
    expect(server.service('plain')?.probes).toEqual(['readiness', 'startup']);
    expect(results).toContain('live:ok');
    expect(results).toContain('plain:ok');
  });

  it('honours readyTimeout and restart: on-failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwarden-add-'));
    writeFileSync(join(dir, 'flaky.mjs'), `let n = 0;\nexport default () => ({ name: 'f', async start(shutdown) { if (++n < 3) throw new Error('attempt ' + n); await shutdown.wait(); } });`);
    const { server } = await serverFor(
      `
services:
  - { name: never, type: tcp, host: 127.0.0.1, port: 1, interval: 50ms, readyTimeout: 300ms }
  - { name: flaky, type: module, module: ./flaky.mjs, restart: on-failure }
`,
      join(dir, 'podwarden.yaml'),
    );
    await until(() => server.service('never')?.state === 'failed', 3000);
    expect(server.service('never')?.reason).toBe('ready timeout');
    await until(() => server.service('flaky')?.state === 'ready', 5000);
    expect(server.service('flaky')?.restarts).toBe(2);
  });

  it('gives each service its stopTimeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwarden-add-'));
    writeFileSync(join(dir, 'stubborn.mjs'), `export default { name: 's', async start() { await new Promise((r) => setTimeout(r, 2000)); } };`);
    const { server } = await serverFor(`services:\n  - { name: stubborn, type: module, module: ./stubborn.mjs, stopTimeout: 200ms }\n`, join(dir, 'podwarden.yaml'));
    await until(() => server.service('stubborn')?.state === 'ready');
    const report = await server.shutdown('api');
    expect(report.overran).toEqual(['stubborn']);
    expect(report.stopPhaseMs).toBeLessThan(1000);
  });
});
