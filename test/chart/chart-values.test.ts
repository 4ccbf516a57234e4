import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { chartDir, configMapOf, helm, loadRenderedConfig, render, renderError, testToken } from './support.js';

/** Bad values are refused by values.schema.json, before any template runs, with the path of the value. */
describe('values.schema.json refuses bad values with the path and what is allowed', () => {
  const cases: Array<[string, Record<string, string | number | boolean>, RegExp]> = [
    ['an unknown sidecar mode', { 'sidecar.mode': 'sidecar' }, /at '\/sidecar\/mode': value must be one of 'native', 'container'/],
    ['successThreshold other than 1 on a liveness probe', { 'app.probes.liveness.successThreshold': 2 }, /at '\/app\/probes\/liveness\/successThreshold': value must be 1/],
    ['successThreshold other than 1 on the sidecar startup probe', { 'sidecar.probes.startup.successThreshold': 3 }, /at '\/sidecar\/probes\/startup\/successThreshold': value must be 1/],
    ['terminationGracePeriodSeconds on the readiness probe', { 'app.probes.readiness.terminationGracePeriodSeconds': 5 }, /at '\/app\/probes\/readiness': additional properties 'terminationGracePeriodSeconds' not allowed/],
    ['a zero periodSeconds', { 'app.probes.readiness.periodSeconds': 0 }, /at '\/app\/probes\/readiness\/periodSeconds': minimum: got 0, want 1/],
    ['a misspelt top-level value', { replicacount: 2 }, /at '': additional properties 'replicacount' not allowed/],
    ['a drain delay that is not a duration', { 'config.shutdown.drainDelay': 'ten' }, /at '\/config\/shutdown\/drainDelay'.*\n.*'ten' does not match pattern '\^\(\[0-9\]\+\(\\\\\.\[0-9\]\+\)\?\(ms\|s\|m\|h\)\|0\)\$'\n.*value must be 0/],
    ['a duration with a unit podwarden does not take (1sec)', { 'config.shutdown.stopTimeout': '1sec' }, /at '\/config\/shutdown\/stopTimeout'.*\n.*'1sec' does not match pattern/],
    ['a duration with a space (5 s)', { 'config.server.eventLoop.maxLag': '5 s' }, /at '\/config\/server\/eventLoop\/maxLag'.*\n.*'5 s' does not match pattern/],
    ['a duration in weeks', { 'config.drain.maxHold': '2w' }, /at '\/config\/drain\/maxHold'.*\n.*'2w' does not match pattern/],
    ['a duration without a unit (not milliseconds: refused)', { 'config.shutdown.stopBudget': 15000 }, /at '\/config\/shutdown\/stopBudget': 'oneOf' failed, none matched\n.*got number, want string\n.*value must be 0/],
    ['a duration in days', { 'config.drain.maxHold': '1d' }, /at '\/config\/drain\/maxHold'.*\n.*'1d' does not match pattern/],
    ['a misspelt key in config.shutdown (podwarden would exit 2)', { 'config.shutdown.drainDelai': '10s' }, /at '\/config\/shutdown': additional properties 'drainDelai' not allowed/],
    ['a misspelt key in config.server', { 'config.server.prot': 1 }, /at '\/config\/server': additional properties 'prot' not allowed/],
    ['a misspelt key in config.drain', { 'config.drain.maxhold': '20s' }, /at '\/config\/drain': additional properties 'maxhold' not allowed/],
    ['a misspelt key in config.metrics', { 'config.metrics.prefx': 'a_' }, /at '\/config\/metrics': additional properties 'prefx' not allowed/],
    ['a misspelt key in config.log', { 'config.log.levle': 'debug' }, /at '\/config\/log': additional properties 'levle' not allowed/],
    ['an unknown log level', { 'config.log.level': 'loud' }, /at '\/config\/log\/level': value must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'/],
    ['an unknown key in config', { 'config.drian.x': 1 }, /at '\/config': additional properties 'drian' not allowed/],
    ['an unknown timing profile', { 'timing.profile': 'alb' }, /at '\/timing\/profile': value must be one of 'kube-proxy', 'ingress-nginx', 'aws-load-balancer-controller', 'gke-neg', 'custom'/],
    ['a drain.allowFrom entry that is no address', { 'config.drain.allowFrom[0]': 'node' }, /at '\/config\/drain\/allowFrom\/0': 'node' does not match pattern/],
    ['an unknown liveness target', { 'app.probes.liveness.target': 'sidecar' }, /at '\/app\/probes\/liveness'.*\n(.*\n)*.*value must be one of 'app', 'podwarden'/],
    ['a readiness gate without conditionType', { 'readinessGates[0].type': 'x' }, /at '\/readinessGates\/0'/],
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

  it('durations in podwarden\'s grammar pass, "0" written as a string included, and podwarden reads them alike', async () => {
    const { docs } = render({ set: { 'config.shutdown.stopBudget': '0', 'config.shutdown.stopTimeout': '1.5s', 'config.server.eventLoop.maxLag': '250ms' } });
    const text = configMapOf(docs).data?.['podwarden.yaml'] ?? '';
    expect(parseYaml(text)).toMatchObject({ shutdown: { stopBudget: '0', stopTimeout: '1.5s' } });
    const config = await loadRenderedConfig(text);
    expect(config.shutdown).toMatchObject({ stopBudget: 0, stopTimeout: 1500 });
    expect(config.server.eventLoop.maxLag).toBe(250);
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

  const reserved: Array<[string, string]> = [
    ['PODWARDEN_PORT', 'config.server.port'],
    ['PODWARDEN_METRICS_PORT', 'config.server.metricsPort'],
    ['PODWARDEN_HOST_IPS', 'config.drain.allowFrom (the chart fills PODWARDEN_HOST_IPS from the downward API when it lists hostIPs)'],
    ['PODWARDEN_DRAIN_TOKEN', 'drain.token'],
    ['PODWARDEN_DRAIN_TOKEN_FILE', 'drain.token'],
    ['PODWARDEN_DRAIN_DELAY', 'config.shutdown.drainDelay'],
    ['PODWARDEN_DRAIN_MAX_HOLD', 'config.drain.maxHold'],
    ['PODWARDEN_DRAIN_ALLOW_UNAUTHENTICATED', 'config.drain.allowUnauthenticated'],
    ['PODWARDEN_DRAIN_SOMETHING_NEW', 'config.drain'],
    ['PODWARDEN_STOP_BUDGET', 'config.shutdown.stopBudget'],
    ['PODWARDEN_STOP_TIMEOUT', 'config.shutdown.stopTimeout'],
  ];
  it.each(reserved)('%s in sidecar.env (it would bypass what the chart wires and checks)', (name, instead) => {
    expect(renderError({ set: { 'sidecar.env[0].name': 'PODWARDEN_LOG_LEVEL', 'sidecar.env[0].value': 'debug', 'sidecar.env[1].name': name, 'sidecar.env[1].value': '1' } })).toContain(
      `podwarden: sidecar.env sets ${name}, which would override what the chart wires and checks (probes, ports, the preStop hook and the timing rule follow the config file). Set ${instead} instead.`,
    );
  });

  it('keeps other podwarden variables in sidecar.env', () => {
    expect(render({ set: { 'sidecar.env[0].name': 'PODWARDEN_LOG_LEVEL', 'sidecar.env[0].value': 'debug', 'sidecar.env[1].name': 'PODWARDEN_HOST', 'sidecar.env[1].value': '0.0.0.0' } }).text).toContain('PODWARDEN_HOST');
  });

  it('a drain.appCheck that names no service', () => {
    expect(renderError({ set: { 'config.drain.appCheck': 'api' } })).toContain(
      'podwarden: config.drain.appCheck is "api", which is not a service in config.services (app). Name the app\'s own check, or set it to "" to turn off un-draining when the app container comes back.',
    );
  });
});

/** NOTES.txt as `helm install` prints it (client-side dry run: no cluster needed). */
function notes(set: Record<string, string | number | boolean> = {}): string {
  const args = ['install', 'web', chartDir, '--namespace', 'shop', '--dry-run=client', '--set', `drain.token=${testToken}`];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${String(v)}`);
  const result = helm(args);
  if (result.code !== 0) throw new Error(result.stderr);
  const at = result.stdout.indexOf('NOTES:');
  expect(at, 'helm install prints NOTES').toBeGreaterThanOrEqual(0);
  return result.stdout.slice(at);
}

describe('NOTES.txt', () => {
  it('shows the probe wiring and the resolved timing, without warnings for the defaults', () => {
    const text = notes();
    expect(text).toContain('health port 7654, /metrics on 9464');
    expect(text).toContain('app readinessProbe -> :7654/readyz');
    expect(text).toContain('app livenessProbe  -> :8080/ (the app\'s own)');
    expect(text).toContain('app preStop        -> :7654/drain (Bearer token), then SIGTERM after 14s');
    expect(text).toContain('Timing profile ingress-nginx: propagation 8s + readiness detection 4s + margin 2s -> drainDelay 14s;\nterminationGracePeriodSeconds 30 (at least 21), drain.maxHold 16s, minReadySeconds 8.');
    expect(text).not.toContain('WARNING');
  });

  it('says how to turn on the AWS Load Balancer Controller readiness gate with that profile', () => {
    expect(notes({ 'timing.profile': 'aws-load-balancer-controller' })).toContain('kubectl label namespace shop elbv2.k8s.aws/pod-readiness-gate-inject=enabled');
  });

  it('says what the regular container mode cannot guarantee', () => {
    expect(notes({ 'sidecar.mode': 'container' })).toContain('WARNING: sidecar.mode=container. podwarden gets SIGTERM together with the app');
  });

  it('warns without the preStop drain', () => {
    expect(notes({ 'app.preStop': false })).toContain('WARNING: app.preStop=false.');
  });
});
