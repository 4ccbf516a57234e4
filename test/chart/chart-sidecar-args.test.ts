/**
 * sidecar.args: more arguments for `podwarden serve`, passed on after --config and taken by
 * the real CLI; the flags that would bypass what the chart wires are refused, as in sidecar.env.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IConfigMap } from 'kubernetes-models/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { type Podwarden, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { one, podSpecOf, podwardenContainer, render, renderError, stopLocalServe, testToken } from './support.js';

let pw: Podwarden | undefined;
afterAll(() => stopLocalServe(pw, undefined));

describe('sidecar.args', () => {
  it('come after `serve --config <file>`', () => {
    const { docs } = render({ set: { 'sidecar.args[0]': '--log-level', 'sidecar.args[1]': 'debug' } });
    expect(podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container.args).toEqual(['serve', '--config', '/etc/podwarden/podwarden.yaml', '--log-level', 'debug']);
  });

  it('are taken by podwarden serve with the rendered config: --expose-details puts failure reasons into /readyz', async () => {
    const [port, metricsPort, closedPort] = [await freePort(), await freePort(), await freePort()];
    const dir = tempDir('podwarden-args-');
    const services = [{ name: 'app', type: 'tcp', host: '127.0.0.1', port: closedPort, interval: '200ms', timeout: '1s' }];
    const { docs } = render({
      set: { 'config.server.port': port, 'config.server.metricsPort': metricsPort, 'config.server.host': '127.0.0.1', 'config.drain.stateFile': path.join(dir, 'drain-state'), 'sidecar.args[0]': '--expose-details' },
      extraArgs: ['--set-json', `config.services=${JSON.stringify(services)}`],
    });
    const args = podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container.args ?? [];
    const configFile = path.join(dir, 'podwarden.yaml');
    writeFileSync(configFile, one<IConfigMap>(docs, 'ConfigMap', '-config').data?.['podwarden.yaml'] ?? '');
    pw = await startPodwarden({ configFile, port, args: args.slice(3), env: { PODWARDEN_DRAIN_TOKEN: testToken } });
    await pw.waitFor((line) => line.event === 'check-failed');
    const { status, body } = await pw.get('/readyz?verbose');
    expect(status).toBe(503);
    expect(body).toContain(`[-]app failed: starting: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
  });

  const reserved: Array<[string, string]> = [
    ['--port', 'config.server.port'],
    ['--port=7000', 'config.server.port'],
    ['--metrics-port', 'config.server.metricsPort'],
    ['--metrics-prefix', 'config.metrics.prefix (the alerts, the dashboard and the helm test read it)'],
    ['--drain-delay', 'config.shutdown.drainDelay'],
    ['--drain-max-hold', 'config.drain.maxHold'],
    ['--drain-allow-unauthenticated', 'config.drain.allowUnauthenticated'],
    ['--drain-token-file', 'drain.token'],
    ['--drain-app-check', 'config.drain'],
    ['--stop-budget', 'config.shutdown.stopBudget'],
    ['--stop-timeout', 'config.shutdown.stopTimeout'],
  ];
  it.each(reserved)('refuses %s (it would bypass what the chart wires and checks)', (arg, instead) => {
    const flag = arg.split('=')[0];
    expect(renderError({ set: { 'sidecar.args[0]': '--log-level', 'sidecar.args[1]': 'debug', 'sidecar.args[2]': arg } })).toContain(
      `podwarden: sidecar.args[2] is ${flag}, which would override what the chart wires and checks (probes, ports, the preStop hook and the timing rule follow the config file). Set ${instead} instead.`,
    );
  });

  it.each(['--config', '-c', '--config=/tmp/x.yaml'])('refuses %s: the chart passes the config it renders', (arg) => {
    expect(renderError({ set: { 'sidecar.args[0]': arg } })).toContain(`podwarden: sidecar.args[0] is ${arg.split('=')[0]}: the chart runs \`serve --config /etc/podwarden/podwarden.yaml\`, the file it renders from config (and checks).`);
  });

  it('refuses PODWARDEN_METRICS_PREFIX in sidecar.env, like --metrics-prefix', () => {
    expect(renderError({ set: { 'sidecar.env[0].name': 'PODWARDEN_METRICS_PREFIX', 'sidecar.env[0].value': 'x_' } })).toContain(
      'podwarden: sidecar.env sets PODWARDEN_METRICS_PREFIX, which would override what the chart wires and checks (probes, ports, the preStop hook and the timing rule follow the config file). Set config.metrics.prefix (the alerts, the dashboard and the helm test read it) instead.',
    );
  });
});
