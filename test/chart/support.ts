/**
 * Shared by the chart tests: the real helm, kubectl and promtool binaries, a
 * throwaway helm home, rendering, and validation of rendered objects against
 * the Kubernetes schemas (kubernetes-models) plus an unknown-field check; and
 * the real CLI run, outside a cluster, with the config the chart renders.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodSpec, IProbe } from 'kubernetes-models/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { type Podwarden, cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = path.join(repoRoot, 'charts/podwarden');
export const ciValuesDir = path.join(chartDir, 'ci');

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Where a tool is: .cache/tools/bin first (what scripts/tools/*.sh install), then PATH. */
export function findTool(name: string): string | undefined {
  const dirs = [path.join(repoRoot, '.cache/tools/bin'), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A tool that must be there; the message says how to get it. */
export function requireTool(name: string, howToInstall: string): string {
  const found = findTool(name);
  if (!found) throw new Error(`${name} not found in .cache/tools/bin or PATH: ${howToInstall}`);
  return found;
}

const helmHowTo = 'run `bash scripts/tools/helm.sh` (make test does)';

let helmHome: string | undefined;
/** helm's cache, config and data homes in a temp dir, so nothing outside is read or written. */
export function helmEnv(): NodeJS.ProcessEnv {
  helmHome ??= mkdtempSync(path.join(tmpdir(), 'podwarden-helm-'));
  return {
    ...process.env,
    HELM_CACHE_HOME: path.join(helmHome, 'cache'),
    HELM_CONFIG_HOME: path.join(helmHome, 'config'),
    HELM_DATA_HOME: path.join(helmHome, 'data'),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const result = spawnSync(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, input: options.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The helm binary the tests run. */
export function helmBinary(): string {
  return requireTool('helm', helmHowTo);
}

export function helm(args: readonly string[], cwd?: string): RunResult {
  return run(helmBinary(), args, { cwd, env: helmEnv() });
}

export function kubectl(args: readonly string[], cwd?: string): RunResult {
  return run(requireTool('kubectl', helmHowTo), args, { cwd });
}

export function promtool(args: readonly string[], cwd?: string): RunResult {
  return run(requireTool('promtool', 'install Debian\'s "prometheus" package (scripts/tools/prometheus.sh does; make test runs it)'), args, { cwd });
}

/** The drain token of the render tests (the ci/ values files carry the same); a real install makes its own. */
export const testToken = 'ci-test-token-0123456789abcdef0123456789abcdef';

let tokenFile: string | undefined;
/** A values file with `drain.token: testToken`, given first so later files and --set win. */
function tokenValuesFile(): string {
  if (!tokenFile) {
    tokenFile = path.join(mkdtempSync(path.join(tmpdir(), 'podwarden-token-')), 'token-values.yaml');
    writeFileSync(tokenFile, `drain:\n  token: ${testToken}\n`);
  }
  return tokenFile;
}

/** What a render is made from: values files (absolute or under ci/) and --set pairs. */
export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: readonly string[];
  set?: Readonly<Record<string, string | number | boolean>>;
  extraArgs?: readonly string[];
  chart?: string;
  /** Give the chart's required drain.token (testToken) first; false: render without one. Default true for this chart. */
  withToken?: boolean;
}

export function templateArgs(options: RenderOptions = {}): string[] {
  const args = ['template', options.release ?? 'web', options.chart ?? chartDir, '--namespace', options.namespace ?? 'shop'];
  if (options.withToken ?? options.chart === undefined) args.push('--values', tokenValuesFile());
  for (const file of options.valuesFiles ?? []) args.push('--values', path.isAbsolute(file) ? file : path.join(ciValuesDir, file));
  for (const [key, value] of Object.entries(options.set ?? {})) args.push(typeof value === 'string' ? '--set-string' : '--set', `${key}=${String(value)}`);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** `helm template`; throws with helm's stderr when it fails. */
export function render(options: RenderOptions = {}): { text: string; docs: K8sObject[] } {
  const result = helm(templateArgs(options));
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}):\n${result.stderr}`);
  return { text: result.stdout, docs: parseDocs(result.stdout) };
}

/** `helm template` that is expected to fail: returns helm's stderr. */
export function renderError(options: RenderOptions = {}): string {
  const result = helm(templateArgs(options));
  if (result.code === 0) throw new Error('helm template succeeded but was expected to fail');
  return result.stderr;
}

export function parseDocs(text: string): K8sObject[] {
  const docs: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value as K8sObject);
  }
  return docs;
}

/** The values files of the test matrix (charts/podwarden/ci/*-values.yaml). */
export function ciValuesFiles(): string[] {
  return readdirSync(ciValuesDir)
    .filter((f) => f.endsWith('-values.yaml'))
    .sort();
}

type ModelCtor = new (data: object) => { validate(): void };
const models: Record<string, ModelCtor> = {
  'v1/ConfigMap': ConfigMap as unknown as ModelCtor,
  'v1/Service': Service as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'v1/Secret': Secret as unknown as ModelCtor,
  'v1/Pod': Pod as unknown as ModelCtor,
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelCtor,
  'apps/v1/DaemonSet': DaemonSet as unknown as ModelCtor,
  'batch/v1/Job': Job as unknown as ModelCtor,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelCtor,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelCtor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelCtor,
};

/** Custom resources kubernetes-models does not know; their fields are checked by hand in the tests. */
export const customResourceKinds = new Set(['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule']);

/**
 * Field paths the schema does not know. The compiled validator reads every
 * property its schema defines, so a property it never reads is unknown to
 * Kubernetes (the API server would drop it, e.g. a misspelt restartPolicy).
 * Objects the validator iterates (labels, annotations, resources) are maps.
 */
function unknownFields(doc: object, validate: (this: unknown) => void): string[] {
  interface Seen {
    target: Record<string, unknown>;
    path: string;
    read: Set<string>;
    iterated: boolean;
  }
  const seen = new Map<object, { proxy: object; info: Seen | undefined }>();
  const wrap = (value: unknown, where: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = seen.get(value);
    if (known) return known.proxy;
    const info: Seen | undefined = Array.isArray(value) ? undefined : { target: value as Record<string, unknown>, path: where, read: new Set(), iterated: false };
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return v;
        info?.read.add(key);
        return wrap(v, Array.isArray(target) ? `${where}[${key}]` : `${where}.${key}`);
      },
      ownKeys(target) {
        if (info) info.iterated = true;
        return Reflect.ownKeys(target);
      },
    });
    seen.set(value, { proxy, info });
    return proxy;
  };
  validate.call(wrap(structuredClone(doc), ''));
  const unknown: string[] = [];
  for (const { info } of seen.values()) {
    if (!info || info.iterated) continue;
    for (const key of Object.keys(info.target)) if (!info.read.has(key)) unknown.push(`${info.path}.${key}`);
  }
  return unknown.sort();
}

/**
 * Validate one rendered object against the Kubernetes schema of its kind and
 * reject unknown fields. Custom resources are left to the caller. Throws with
 * the object's kind/name and what is wrong.
 */
export function validateObject(doc: K8sObject): void {
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (customResourceKinds.has(key)) return;
  const Model = models[key];
  if (!Model) throw new Error(`${key} ${doc.metadata?.name}: no schema in the test's list; add the kubernetes-models class`);
  const model = new Model(doc);
  try {
    model.validate();
  } catch (err) {
    throw new Error(`${key} ${doc.metadata.name} is invalid: ${(err as Error).message}`, { cause: err });
  }
  const validate = (Object.getPrototypeOf(model) as { validate: (this: unknown) => void }).validate;
  const unknown = unknownFields(doc, validate);
  if (unknown.length > 0) throw new Error(`${key} ${doc.metadata.name} has fields Kubernetes does not know: ${unknown.join(', ')}`);
}

export function objectsOfKind<T = K8sObject>(docs: readonly K8sObject[], kind: string): T[] {
  return docs.filter((d) => d.kind === kind) as unknown as T[];
}

/** The one object of a kind (optionally whose name ends with a suffix). */
export function one<T = K8sObject>(docs: readonly K8sObject[], kind: string, nameSuffix = ''): T {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind}${nameSuffix ? ` named *${nameSuffix}` : ''}, found ${found.length}`);
  return found[0] as unknown as T;
}

export function podSpecOf(deployment: IDeployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (!spec) throw new Error(`Deployment ${deployment.metadata?.name} has no pod spec`);
  return spec;
}

/** The podwarden container, wherever it is, and where it was found. */
export function podwardenContainer(spec: IPodSpec, name = 'podwarden'): { container: IContainer; place: 'initContainers' | 'containers' } {
  const init = spec.initContainers?.find((c) => c.name === name);
  const regular = spec.containers.find((c) => c.name === name);
  if (init && regular) throw new Error('podwarden is both an init container and a container');
  if (init) return { container: init, place: 'initContainers' };
  if (regular) return { container: regular, place: 'containers' };
  throw new Error(`no container named ${name}`);
}

export function httpGetOf(probe: IProbe | undefined, what: string): { path: string; port: number } {
  const get = probe?.httpGet;
  if (!get) throw new Error(`${what} has no httpGet`);
  if (typeof get.port !== 'number') throw new Error(`${what} port is ${String(get.port)}, not a number`);
  return { path: get.path ?? '/', port: get.port };
}

/** Downward-API fields as the kubelet fills them, for a dual-stack node. */
const downwardFields: Readonly<Record<string, string>> = { 'status.hostIPs': '10.0.3.7,fd00::3:7', 'status.hostIP': '10.0.3.7' };

/** The environment `container` runs with: its values, and its downward-API fields as a node would fill them. */
export function containerEnv(container: IContainer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of container.env ?? []) {
    const value = e.value ?? downwardFields[e.valueFrom?.fieldRef?.fieldPath ?? ''];
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

export function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** podwarden's own loader on a rendered config, with the env the chart gives its container: what podwarden will run with. */
export async function loadRenderedConfig(configText: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(configText, { env, file: '/etc/podwarden/podwarden.yaml' });
}

/** Every label in `selector` is on the pod with the same value. */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** An HTTP server on 127.0.0.1 (a port of its own) answering every request 200 `ok`: the app a rendered config checks. */
export async function startOkApp(): Promise<{ app: HttpServer; appPort: number }> {
  const app = createHttpServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  return { app, appPort: (app.address() as AddressInfo).port };
}

/** Close `app` (when there is one); resolves once it has closed. */
export function closeApp(app: HttpServer | undefined): Promise<void> {
  return new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
}

/** A render for `podwarden serve` outside a cluster: the release, the services to check, the ports at 127.0.0.1, and a folder for podwarden's files. */
export interface LocalServeOptions {
  readonly release: string;
  readonly services: readonly object[];
  readonly port: number;
  readonly metricsPort: number;
  readonly dir: string;
}

/** `helm template` with podwarden's server at 127.0.0.1 on `port` and `metricsPort`, its drain state in `dir` and `services` as its checks. */
export function renderForLocalServe(options: LocalServeOptions): K8sObject[] {
  return render({
    release: options.release,
    set: { 'config.server.port': options.port, 'config.server.metricsPort': options.metricsPort, 'config.server.host': '127.0.0.1', 'config.drain.stateFile': path.join(options.dir, 'drain-state') },
    extraArgs: ['--set-json', `config.services=${JSON.stringify(options.services)}`],
  }).docs;
}

/** `podwarden serve` (the built CLI) on `port` with the rendered ConfigMap's podwarden.yaml, written into `dir`, and `drainToken` in its environment. */
export function serveRenderedConfig(docs: readonly K8sObject[], options: { readonly dir: string; readonly port: number; readonly drainToken: string }): Promise<Podwarden> {
  const configFile = path.join(options.dir, 'podwarden.yaml');
  writeFileSync(configFile, one<IConfigMap>(docs, 'ConfigMap', '-config').data?.['podwarden.yaml'] ?? '');
  return startPodwarden({ configFile, port: options.port, env: { PODWARDEN_DRAIN_TOKEN: options.drainToken } });
}

/** After the tests: stop podwarden with SIGINT and wait for it to exit, clean up every podwarden and test folder, and close the app. */
export async function stopLocalServe(pw: Podwarden | undefined, app: HttpServer | undefined): Promise<void> {
  pw?.signal('SIGINT');
  await pw?.process.exited;
  await cleanupPodwardens();
  await closeApp(app);
}
