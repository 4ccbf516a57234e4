import { describe, expect, it } from 'vitest';
import { chartDir, helm, render, renderError } from './support.js';

/** Bad values are refused by values.schema.json, before any template runs, with the path of the value. */
describe('values.schema.json refuses bad values with the path and what is allowed', () => {
  const cases: Array<[string, Record<string, string | number | boolean>, RegExp]> = [
    ['an unknown sidecar mode', { 'sidecar.mode': 'sidecar' }, /at '\/sidecar\/mode': value must be one of 'native', 'container'/],
    ['successThreshold other than 1 on a liveness probe', { 'app.probes.liveness.successThreshold': 2 }, /at '\/app\/probes\/liveness\/successThreshold': value must be 1/],
    ['successThreshold other than 1 on the sidecar startup probe', { 'sidecar.probes.startup.successThreshold': 3 }, /at '\/sidecar\/probes\/startup\/successThreshold': value must be 1/],
    ['terminationGracePeriodSeconds on the readiness probe', { 'app.probes.readiness.terminationGracePeriodSeconds': 5 }, /at '\/app\/probes\/readiness': additional properties 'terminationGracePeriodSeconds' not allowed/],
    ['a zero periodSeconds', { 'app.probes.readiness.periodSeconds': 0 }, /at '\/app\/probes\/readiness\/periodSeconds': minimum: got 0, want 1/],
    ['a misspelt top-level value', { replicacount: 2 }, /at '': additional properties 'replicacount' not allowed/],
    ['a drain delay that is not a duration', { 'config.shutdown.drainDelay': 'ten' }, /at '\/config\/shutdown\/drainDelay'.*\n.*'ten' does not match pattern/],
    ['a port out of range', { 'config.server.port': 70000 }, /at '\/config\/server\/port': maximum: got 70,000, want 65,535/],
    ['a drain token with a space', { 'drain.token': 'a b' }, /at '\/drain\/token': 'a b' does not match pattern/],
    ['a zero grace period', { terminationGracePeriodSeconds: 0 }, /at '\/terminationGracePeriodSeconds': minimum: got 0, want 1/],
    ['a scrape interval without a unit', { 'metrics.serviceMonitor.interval': 30 }, /at '\/metrics\/serviceMonitor\/interval': got number, want string/],
    ['an empty app image', { 'app.image.repository': '' }, /at '\/app\/image\/repository': minLength: got 0, want 1/],
    ['an unknown check type', { 'config.services[0].type': 'ping' }, /at '\/config\/services\/0\/type': value must be one of 'http', 'tcp', 'grpc', 'exec', 'file', 'dns', 'module'/],
    ['a PDB budget that is not a number or percentage', { 'pdb.maxUnavailable': 'many' }, /at '\/pdb\/maxUnavailable': 'many' does not match pattern/],
  ];
  it.each(cases)('%s', (_what, set, message) => {
    const stderr = renderError({ set });
    expect(stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(stderr).toMatch(message);
  });

  it('an image tag written as a number (1.10 would become 1.1)', () => {
    expect(renderError({ extraArgs: ['--set-json', 'app.image.tag=1.10'] })).toMatch(/at '\/app\/image\/tag': got number, want string/);
  });

  it('helm lint reports the same problem', () => {
    const result = helm(['lint', chartDir, '--set', 'sidecar.mode=sidecar']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/at '\/sidecar\/mode': value must be one of 'native', 'container'/);
  });
});

/** The timing rules, checked at render time. */
describe('timing rules fail the render with a message that names the values to change', () => {
  it('terminationGracePeriodSeconds < drainDelay + stopBudget + 5 s', () => {
    expect(renderError({ set: { terminationGracePeriodSeconds: 20 } })).toContain(
      'podwarden: terminationGracePeriodSeconds (20) is shorter than config.shutdown.drainDelay (10s) + config.shutdown.stopBudget (15s) + 5s = 30s: the kubelet would kill the pod before it drains and stops. Raise terminationGracePeriodSeconds to at least 30, or lower config.shutdown.drainDelay or config.shutdown.stopBudget.',
    );
  });

  it('counts a longer stopBudget in minutes', () => {
    expect(renderError({ set: { 'config.shutdown.stopBudget': '1m' } })).toContain('config.shutdown.stopBudget (60s) + 5s = 75s');
  });

  it('drainDelay < endpointPropagationSeconds + margin', () => {
    expect(renderError({ set: { 'config.shutdown.drainDelay': '3s' } })).toContain(
      'podwarden: config.shutdown.drainDelay (3s) is shorter than timing.endpointPropagationSeconds (5) + timing.drainMarginSeconds (2) = 7s: load balancers would still send requests to a pod that has begun to stop. Raise config.shutdown.drainDelay to at least 7s, or lower timing.endpointPropagationSeconds if your endpoints propagate faster.',
    );
  });

  it('reads milliseconds too', () => {
    expect(renderError({ set: { 'config.shutdown.drainDelay': '6500ms' } })).toContain('config.shutdown.drainDelay (6.5s) is shorter than');
    expect(render({ set: { 'config.shutdown.drainDelay': '7000ms' } }).docs.length).toBeGreaterThan(0);
  });

  it('follows a slower endpoint propagation', () => {
    expect(renderError({ set: { 'timing.endpointPropagationSeconds': 9 } })).toContain('= 11s');
    expect(render({ set: { 'timing.endpointPropagationSeconds': 9, 'config.shutdown.drainDelay': '11s', terminationGracePeriodSeconds: 31 } }).docs.length).toBeGreaterThan(0);
  });

  it('applies around an existing workload too (the ConfigMap checks it)', () => {
    expect(renderError({ set: { 'app.enabled': false, 'podSelector.app': 'shop', 'config.shutdown.drainDelay': '2s' } })).toContain('podwarden: config.shutdown.drainDelay (2s) is shorter than');
  });

  it('passes at the boundary', () => {
    expect(render({ set: { terminationGracePeriodSeconds: 30, 'config.shutdown.drainDelay': '10s', 'config.shutdown.stopBudget': '15s' } }).docs.length).toBeGreaterThan(0);
  });
});

describe('other render-time refusals', () => {
  it('a ServiceMonitor and a PodMonitor together', () => {
    expect(renderError({ set: { 'metrics.serviceMonitor.enabled': true, 'metrics.podMonitor.enabled': true } })).toContain(
      'metrics.serviceMonitor.enabled and metrics.podMonitor.enabled are both true, which scrapes every pod twice',
    );
  });

  it('a ServiceMonitor without the metrics Service', () => {
    expect(renderError({ set: { 'metrics.serviceMonitor.enabled': true, 'metrics.service.enabled': false } })).toContain(
      'metrics.serviceMonitor.enabled needs metrics.service.enabled=true',
    );
  });

  it('an existing workload without podSelector', () => {
    expect(renderError({ set: { 'app.enabled': false } })).toContain(
      "podwarden: app.enabled=false needs podSelector (the labels of your workload's pods) so the metrics Service, PodMonitor and NetworkPolicy find podwarden",
    );
  });

  it('PODWARDEN_DRAIN_TOKEN in sidecar.env', () => {
    expect(renderError({ set: { 'sidecar.env[0].name': 'PODWARDEN_DRAIN_TOKEN', 'sidecar.env[0].value': 'x' } })).toContain(
      'sidecar.env sets PODWARDEN_DRAIN_TOKEN, which the chart sets to the token of the app\'s preStop hook; set drain.token (or drain.tokenSalt) instead',
    );
  });
});

/** NOTES.txt as `helm install` prints it (client-side dry run: no cluster needed). */
function notes(set: Record<string, string | number | boolean> = {}): string {
  const args = ['install', 'web', chartDir, '--namespace', 'shop', '--dry-run=client'];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${String(v)}`);
  const result = helm(args);
  if (result.code !== 0) throw new Error(result.stderr);
  const at = result.stdout.indexOf('NOTES:');
  expect(at, 'helm install prints NOTES').toBeGreaterThanOrEqual(0);
  return result.stdout.slice(at);
}

describe('NOTES.txt', () => {
  it('shows the probe wiring and the timing, without warnings for the defaults', () => {
    const text = notes();
    expect(text).toContain('app readinessProbe -> :7654/readyz');
    expect(text).toContain('podwarden startupProbe -> :7654/startupz/podwarden');
    expect(text).toContain('app preStop        -> :7654/drain (Bearer token), then SIGTERM after 10s');
    expect(text).toContain('Timing: drainDelay 10s, stopBudget 15s, terminationGracePeriodSeconds 30 (at least 30).');
    expect(text).not.toContain('WARNING');
  });

  it('warns when the readiness probe needs longer than the drain delay to see a drain', () => {
    const text = notes({ 'app.probes.readiness.periodSeconds': 5, 'app.probes.readiness.failureThreshold': 3 });
    expect(text).toContain('WARNING: the app\'s readinessProbe needs up to periodSeconds x failureThreshold + timeoutSeconds\n= 5 x 3 + 2 = 17s to see a drain, longer than\nconfig.shutdown.drainDelay (10s).');
    expect(text).toContain('Lower app.probes.readiness.periodSeconds or failureThreshold, or raise config.shutdown.drainDelay.');
  });

  it('says what the regular container mode cannot guarantee', () => {
    expect(notes({ 'sidecar.mode': 'container' })).toContain('WARNING: sidecar.mode=container. podwarden gets SIGTERM together with the app');
  });

  it('warns without the preStop drain', () => {
    expect(notes({ 'app.preStop': false })).toContain('WARNING: app.preStop=false.');
  });
});
