import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { type ContainerSpec, type HttpHookSpec, type PodTemplate, type PortOwner, type ProbeSpec, type RolloutSpec, defaultGracePeriodSeconds, probeDefaults } from './pod-template.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

/** The chart under test and the helm binary scripts/tools/helm.sh installs. */
export const chartDir = join(root, 'charts/podwarden');
export const helmBin = join(root, '.cache/tools/bin/helm');

/** Run helm with its cache, config and data in a fresh temporary directory, removed afterwards. */
async function helm(args: readonly string[]): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'podwarden-e2e-helm-'));
  try {
    const env = { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home };
    const { stdout } = await run(helmBin, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
    return stdout;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

type Manifest = Record<string, unknown>;
type Obj = Record<string, unknown>;

/** What `helm template` made of a set of values: the manifests, or the error it stopped with. */
export type Render = { readonly ok: true; readonly manifests: Manifest[] } | { readonly ok: false; readonly error: string };

/** Whether the chart and helm are there to render. */
export function chartAvailable(): boolean {
  return existsSync(helmBin) && existsSync(join(chartDir, 'templates/deployment.yaml'));
}

/** Values for `helm template`: each `set` entry is one `--set`, each `setJson` entry one `--set-json`. */
export interface RenderValues {
  readonly set?: readonly string[];
  readonly setJson?: readonly string[];
}

/** `helm template e2e charts/podwarden --namespace e2e --set … --set-json …`. */
export async function renderChart(values: RenderValues = {}): Promise<Render> {
  const args = [
    'template',
    'e2e',
    chartDir,
    '--namespace',
    'e2e',
    ...(values.set ?? []).flatMap((s) => ['--set', s]),
    ...(values.setJson ?? []).flatMap((s) => ['--set-json', s]),
  ];
  try {
    const manifests = parseAllDocuments(await helm(args))
      .map((doc) => doc.toJSON() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object');
    return { ok: true, manifests };
  } catch (error) {
    return { ok: false, error: String((error as { stderr?: string }).stderr || (error as Error).message).trim() };
  }
}

function obj(value: unknown, what: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`rendered chart: ${what} is missing`);
  return value as Obj;
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? (value as Obj[]) : [];
}

function containerPorts(container: Obj): Array<{ name?: string; containerPort: number }> {
  return list(container.ports).map((p) => ({ name: p.name as string | undefined, containerPort: Number(p.containerPort) }));
}

function headersOf(httpGet: Obj): Record<string, string> {
  return Object.fromEntries(list(httpGet.httpHeaders).map((h) => [String(h.name), String(h.value)]));
}

/** A probe or hook port (number or the name of a port of `own`) as the process that listens on it. */
function ownerOf(port: unknown, own: Obj, ports: { app: number; podwarden?: number }): PortOwner {
  const number = typeof port === 'number' ? port : (containerPorts(own).find((p) => p.name === port)?.containerPort ?? Number(port));
  if (number === ports.podwarden) return 'podwarden';
  if (number === ports.app) return 'app';
  throw new Error(`rendered chart: port ${String(port)} of container ${String(own.name)} is neither the app's nor podwarden's`);
}

function probeOf(value: unknown, own: Obj, ports: { app: number; podwarden?: number }): ProbeSpec | undefined {
  if (value === undefined || value === null) return undefined;
  const probe = obj(value, 'probe');
  const httpGet = obj(probe.httpGet, `httpGet of a probe of ${String(own.name)} (only httpGet probes are simulated)`);
  return {
    path: String(httpGet.path ?? '/'),
    port: ownerOf(httpGet.port, own, ports),
    headers: headersOf(httpGet),
    initialDelaySeconds: Number(probe.initialDelaySeconds ?? probeDefaults.initialDelaySeconds),
    periodSeconds: Number(probe.periodSeconds ?? probeDefaults.periodSeconds),
    timeoutSeconds: Number(probe.timeoutSeconds ?? probeDefaults.timeoutSeconds),
    successThreshold: Number(probe.successThreshold ?? probeDefaults.successThreshold),
    failureThreshold: Number(probe.failureThreshold ?? probeDefaults.failureThreshold),
    ...(typeof probe.terminationGracePeriodSeconds === 'number' && { terminationGracePeriodSeconds: probe.terminationGracePeriodSeconds }),
  };
}

function preStopOf(container: Obj, ports: { app: number; podwarden?: number }): HttpHookSpec | undefined {
  const preStop = (container.lifecycle as Obj | undefined)?.preStop as Obj | undefined;
  if (!preStop) return undefined;
  const httpGet = obj(preStop.httpGet, `httpGet of the preStop hook of ${String(container.name)} (only httpGet hooks are simulated)`);
  return { path: String(httpGet.path ?? '/'), port: ownerOf(httpGet.port, container, ports), headers: headersOf(httpGet) };
}

function containerOf(container: Obj, ports: { app: number; podwarden?: number }): ContainerSpec {
  const spec: ContainerSpec = { name: String(container.name) };
  const startupProbe = probeOf(container.startupProbe, container, ports);
  const readinessProbe = probeOf(container.readinessProbe, container, ports);
  const livenessProbe = probeOf(container.livenessProbe, container, ports);
  const preStop = preStopOf(container, ports);
  return { ...spec, ...(startupProbe && { startupProbe }), ...(readinessProbe && { readinessProbe }), ...(livenessProbe && { livenessProbe }), ...(preStop && { preStop }) };
}

/**
 * The pod template of the rendered Deployment: the app container (`appName`),
 * the podwarden container (`sidecarName`) as a native sidecar (init container
 * with restartPolicy Always) or a regular container, their probes and hooks,
 * the grace period, and podwarden's config from the ConfigMap it mounts.
 */
export function podTemplateOf(manifests: readonly Manifest[], names = { app: 'app', sidecar: 'podwarden' }): PodTemplate {
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  if (!deployment) throw new Error('rendered chart: no Deployment');
  const spec = obj(obj(obj(deployment.spec, 'Deployment spec').template, 'pod template').spec, 'pod spec');
  const containers = list(spec.containers);
  const initContainers = list(spec.initContainers);
  const app = containers.find((c) => c.name === names.app);
  if (!app) throw new Error(`rendered chart: no container named ${names.app}`);
  const nativeSidecar = initContainers.find((c) => c.name === names.sidecar && c.restartPolicy === 'Always');
  const regularSidecar = containers.find((c) => c.name === names.sidecar);
  const sidecar = nativeSidecar ?? regularSidecar;
  if (!sidecar) throw new Error(`rendered chart: no container named ${names.sidecar}`);

  const appPort = containerPorts(app)[0]?.containerPort;
  const podwardenPort = containerPorts(sidecar)[0]?.containerPort;
  if (appPort === undefined || podwardenPort === undefined) throw new Error('rendered chart: the app or podwarden container declares no port');
  const ports = { app: appPort, podwarden: podwardenPort };

  const appSpec = containerOf(app, ports);
  const sidecarSpec = containerOf(sidecar, ports);
  const configMaps = manifests.filter((m) => m.kind === 'ConfigMap');
  const rendered = configMaps.map((m) => (m.data as Obj | undefined)?.['podwarden.yaml']).find((v) => typeof v === 'string');
  if (typeof rendered !== 'string') throw new Error('rendered chart: no ConfigMap with podwarden.yaml');
  const auth = appSpec.preStop?.headers.Authorization ?? appSpec.preStop?.headers.authorization;
  const drainToken = auth?.replace(/^Bearer\s+/i, '');

  return {
    mode: nativeSidecar ? 'native' : 'container',
    terminationGracePeriodSeconds: Number(spec.terminationGracePeriodSeconds ?? defaultGracePeriodSeconds),
    app: appSpec,
    sidecar: sidecarSpec,
    podwardenConfig: parse(rendered) as Record<string, unknown>,
    appPort,
    podwardenPort,
    ...(drainToken !== undefined && { drainToken }),
    sidecarEnv: Object.fromEntries(list(sidecar.env).filter((e) => typeof e.value === 'string').map((e) => [String(e.name), String(e.value)])),
    sidecarFieldEnv: Object.fromEntries(
      list(sidecar.env)
        .map((e) => [String(e.name), ((e.valueFrom as Obj | undefined)?.fieldRef as Obj | undefined)?.fieldPath] as const)
        .filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string'),
    ),
  };
}

/**
 * The figures the chart derived for its timing rule, from the rendered
 * ConfigMap's `podwarden/timing` annotation (seconds): propagation of the
 * chosen profile, readiness detection, margin, drain delay, grace period,
 * maxHold, minReadySeconds.
 */
export interface ChartTiming {
  readonly profile: string;
  readonly propagationSeconds: number;
  readonly readinessDetectionSeconds: number;
  readonly drainMarginSeconds: number;
  readonly drainDelaySeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly maxHoldSeconds: number;
  readonly minReadySeconds: number;
  readonly appShutdownSeconds: number;
}

/** The `podwarden/timing` annotation of the rendered ConfigMap. */
export function timingOf(manifests: readonly Manifest[]): ChartTiming {
  for (const m of manifests) {
    if (m.kind !== 'ConfigMap') continue;
    const raw = ((m.metadata as Obj | undefined)?.annotations as Obj | undefined)?.['podwarden/timing'];
    if (typeof raw === 'string') return JSON.parse(raw) as ChartTiming;
  }
  throw new Error('rendered chart: no ConfigMap with the podwarden/timing annotation');
}

/** maxSurge / maxUnavailable as a pod count: an integer, or a percentage of replicas (surge rounds up, unavailable down). */
function podCount(value: unknown, replicas: number, roundUp: boolean, fallback: string): number {
  const raw = String(value ?? fallback);
  if (!raw.endsWith('%')) return Number(raw);
  const exact = (Number(raw.slice(0, -1)) / 100) * replicas;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The rendered Deployment's replicas and RollingUpdate strategy (Kubernetes' defaults: 25 % / 25 %). */
export function rolloutOf(manifests: readonly Manifest[]): RolloutSpec {
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  if (!deployment) throw new Error('rendered chart: no Deployment');
  const spec = obj(deployment.spec, 'Deployment spec');
  const replicas = Number(spec.replicas ?? 1);
  const rolling = ((spec.strategy as Obj | undefined)?.rollingUpdate ?? {}) as Obj;
  return {
    replicas,
    maxSurge: podCount(rolling.maxSurge, replicas, true, '25%'),
    maxUnavailable: podCount(rolling.maxUnavailable, replicas, false, '25%'),
    minReadySeconds: Number(spec.minReadySeconds ?? 0),
  };
}
