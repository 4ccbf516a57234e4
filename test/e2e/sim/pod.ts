import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NodeProcess } from '../../helpers/child.js';
import { blockPort } from '../../helpers/ports.js';
import type { Endpoints } from './endpoints.js';
import type { ContainerSpec, PodTemplate, PortOwner } from './pod-template.js';
import { type ProbeKind, type ProbeResult, ProbeWorker } from './prober.js';
import { type ContainerStop, killContainer } from './termination.js';
import type { Timeline } from './timeline.js';

/** What every pod of a run shares. */
export interface PodContext {
  readonly timeline: Timeline;
  readonly endpoints: Endpoints;
  /** node arguments that start the app (examples/app/server.mjs). */
  readonly appArgs: readonly string[];
  /** node arguments that start podwarden, before `--config FILE` (dist/cli/main.js serve). */
  readonly podwardenArgs: readonly string[];
  /** Extra env for the app (WORK_MS, …). */
  readonly appEnv: Readonly<Record<string, string>>;
  /** Where each pod's folder (podwarden.yaml, the drain state emptyDir) is made. */
  readonly workDir: string;
  /** The clock scale the template was scaled with (time-scale.ts); kubelet's own constants scale with it. */
  readonly timeScale: number;
}

/** A container restart kubelet made after a failed liveness (or startup) probe. */
export interface ContainerRestart {
  readonly pod: string;
  readonly container: string;
  readonly reason: string;
  /** When the probe failed (harness ms). */
  readonly at: number;
  /** How the old container was stopped (preStop, SIGTERM, exit). */
  stop?: ContainerStop;
  /** When the new container started. */
  restartedAt?: number;
}

/** The node's address as the downward API gives it: every simulated pod and node is this host. */
const hostAddress = '127.0.0.1';

/** One container of a pod: its process, its probe workers, its kubelet-side status. */
export class Container {
  process: NodeProcess | undefined;
  startedAt: number | undefined;
  /** kubelet is killing it to restart it. */
  restarting = false;
  readonly workers = new Map<ProbeKind, ProbeWorker>();

  constructor(
    readonly role: PortOwner,
    readonly spec: ContainerSpec,
  ) {}

  get running(): boolean {
    return this.process?.alive ?? false;
  }

  /** Started: the startup probe has succeeded, or the container has none and runs. */
  get started(): boolean {
    const startup = this.workers.get('startup');
    return this.startedAt !== undefined && (startup ? startup.result === 'success' : true);
  }

  /** Ready: started, running, and the readiness probe succeeds (or there is none). */
  get ready(): boolean {
    const readiness = this.workers.get('readiness');
    return this.running && this.started && (readiness ? readiness.result === 'success' : true);
  }
}

const probeKinds: ReadonlyArray<[ProbeKind, 'startupProbe' | 'readinessProbe' | 'livenessProbe']> = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

/**
 * A pod: the app process and (unless the mode is `none` or `in-process`) a
 * podwarden process, each on its own loopback ports (an in-process app gets
 * a health port too), started in the order the mode gives (a
 * native sidecar first, the app once the sidecar's startup probe passed;
 * regular containers together), probed like kubelet does, its Ready condition
 * published to the endpoints. A failed liveness probe (or a startup probe at
 * its threshold) restarts the container as kubelet does: its preStop hook,
 * SIGTERM, SIGKILL at the probe's grace period, then a new process.
 */
export class Pod {
  readonly app: Container;
  readonly sidecar: Container | undefined;
  /** `health`: an in-process app's own health port. */
  readonly ports = { app: 0, podwarden: 0, metrics: 0, health: 0 };
  /** The node it runs on: one node per pod (node-local.ts). */
  readonly node: string;
  /** Containers kubelet restarted. */
  readonly restarts: ContainerRestart[] = [];
  /** Deleted through the API (a deletion timestamp): endpoints mark it terminating. */
  terminating = false;
  /** kubelet is stopping every container (termination, eviction, node shutdown): no restarts. */
  killing = false;
  /** When the Ready condition last turned true (harness ms); undefined while not ready. */
  readySince: number | undefined;
  #ready = false;
  #readyWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly template: PodTemplate,
    private readonly ctx: PodContext,
  ) {
    this.app = new Container('app', template.app);
    this.sidecar = template.mode === 'none' || !template.sidecar ? undefined : new Container('podwarden', template.sidecar);
    this.node = `node-${name}`;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get timeScale(): number {
    return this.ctx.timeScale;
  }

  get timeline(): Timeline {
    return this.ctx.timeline;
  }

  /** The pod's folder: podwarden.yaml and the drain state (an emptyDir lives as long as the pod). */
  get dir(): string {
    return join(this.ctx.workDir, this.name);
  }

  get containers(): Container[] {
    return this.sidecar ? [this.sidecar, this.app] : [this.app];
  }

  /** Allocate ports, write podwarden's config, create the probe workers and start the containers. */
  async create(): Promise<void> {
    this.ports.app = await blockPort();
    if (this.sidecar) this.ports.podwarden = await blockPort();
    if (this.template.inProcess) this.ports.health = await blockPort();
    if (this.sidecar && (this.template.podwardenConfig?.server as Record<string, unknown> | undefined)?.metricsPort) this.ports.metrics = await blockPort();
    mkdirSync(this.dir, { recursive: true });
    this.ctx.timeline.mark('pod-created', { pod: this.name, appPort: this.ports.app, podwardenPort: this.ports.podwarden || undefined });
    for (const container of this.containers) this.#addWorkers(container);
    for (const container of this.containers) for (const worker of container.workers.values()) worker.start();
    if (this.sidecar && this.template.mode === 'native') {
      this.#startPodwarden();
      if (this.sidecar.started) this.#startApp();
    } else {
      this.#startApp();
      if (this.sidecar) this.#startPodwarden();
    }
  }

  /** Call `wake` once the pod's Ready condition turns true (at once if it is). */
  onReady(wake: () => void): void {
    if (this.#ready) wake();
    else this.#readyWaiters.push(wake);
  }

  /** Resolves when the pod's Ready condition is true; rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${this.name} not ready within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
      this.#readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The loopback port a probe or hook of this pod reaches. */
  portOf(owner: PortOwner): number {
    return this.ports[owner];
  }

  /** kubelet stops liveness and startup probes once the pod is terminating; readiness goes on. */
  stopLivenessAndStartup(): void {
    for (const container of this.containers) {
      container.workers.get('liveness')?.stop();
      container.workers.get('startup')?.stop();
    }
  }

  stopProbes(): void {
    for (const container of this.containers) for (const worker of container.workers.values()) worker.stop();
  }

  /** Every container has exited: probes stop and the pod leaves the endpoints. */
  gone(): void {
    this.stopProbes();
    this.ctx.endpoints.remove(this.name);
  }

  /** Mark the pod deleted: endpoints become terminating at once. */
  markTerminating(): void {
    this.terminating = true;
    this.#publish();
  }

  /** Timeline and recent process output of this pod, for failure messages. */
  describe(): string {
    const output = this.containers.map((c) => `--- ${c.spec.name} output ---\n${c.process?.output.slice(-4000) ?? '(not started)'}`).join('\n');
    return `${this.ctx.timeline.describe(this.name)}\n${output}`;
  }

  #addWorkers(container: Container): void {
    for (const [kind, field] of probeKinds) {
      const spec = container.spec[field];
      if (!spec) continue;
      const target = {
        port: () => (container.running ? this.portOf(spec.port) : undefined),
        startedAt: () => container.startedAt,
        started: () => container.started,
      };
      const worker = new ProbeWorker(kind, spec, target, () => this.ctx.timeline.now(), (result, detail) => this.#onProbe(container, kind, result, detail));
      container.workers.set(kind, worker);
    }
  }

  #onProbe(container: Container, kind: ProbeKind, result: ProbeResult, detail: string): void {
    this.ctx.timeline.mark('probe', { pod: this.name, container: container.spec.name, probe: kind, result, detail });
    if (result === 'failure' && (kind === 'liveness' || (kind === 'startup' && !container.started))) {
      void this.#restart(container, kind, `${kind} probe failed: ${detail}`);
    }
    if (kind === 'startup' && result === 'success') {
      // kubelet runs the readiness probe at once when a container has started (prober_manager UpdatePodStatus).
      container.workers.get('readiness')?.trigger();
      if (container === this.sidecar && this.template.mode === 'native') this.#startApp();
    }
    this.#publish();
  }

  /**
   * kubelet restarts a container whose liveness probe failed (or whose
   * startup probe reached its threshold): killContainer with the probe's own
   * grace period (the pod's when unset), then a new container at once (the
   * first restart has no back-off); its probes start over. Not while the
   * pod is being killed.
   */
  async #restart(container: Container, kind: ProbeKind, reason: string): Promise<void> {
    if (this.killing || this.terminating || container.restarting) return;
    container.restarting = true;
    const restart: ContainerRestart = { pod: this.name, container: container.spec.name, reason, at: this.ctx.timeline.now() };
    this.restarts.push(restart);
    this.ctx.timeline.mark('container-restart', { pod: this.name, container: container.spec.name, reason });
    const probe = kind === 'liveness' ? container.spec.livenessProbe : container.spec.startupProbe;
    const graceSeconds = probe?.terminationGracePeriodSeconds ?? this.template.terminationGracePeriodSeconds;
    restart.stop = await killContainer(this, container, graceSeconds * 1000, this.ctx.timeline);
    container.restarting = false;
    if (this.killing || this.terminating) return;
    for (const worker of container.workers.values()) worker.reset();
    this.#publish();
    if (container === this.app) this.#startApp();
    else this.#startPodwarden();
    restart.restartedAt = container.startedAt;
  }

  #publish(): void {
    const podReady = this.containers.every((c) => c.ready && !c.restarting);
    const ready = !this.terminating && podReady;
    if (ready && !this.#ready) {
      this.readySince = this.ctx.timeline.now();
      this.ctx.timeline.mark('pod-ready', { pod: this.name });
      for (const wake of this.#readyWaiters.splice(0)) wake();
    } else if (!ready && this.#ready) {
      this.readySince = undefined;
      if (!this.terminating) this.ctx.timeline.mark('pod-not-ready', { pod: this.name });
    }
    this.#ready = ready;
    if (podReady || this.terminating || this.ctx.endpoints.list().some((e) => e.pod === this.name)) {
      const address = { appPort: this.ports.app, healthPort: this.sidecar ? this.ports.podwarden : this.ports.health || undefined, node: this.node };
      this.ctx.endpoints.update(this.name, address, podReady, this.terminating);
    }
  }

  #startApp(): void {
    if (this.app.process?.alive || this.killing || this.terminating) return;
    const env: Record<string, string> = { ...this.ctx.appEnv, PORT: String(this.ports.app), HOST: '127.0.0.1', POD_NAME: this.name };
    const timing = this.template.inProcess;
    if (timing) {
      Object.assign(env, {
        HEALTH_PORT: String(this.ports.health),
        DRAIN_DELAY_MS: String(Math.round(timing.drainDelayMs)),
        STOP_TIMEOUT_MS: String(Math.round(timing.stopTimeoutMs)),
        STOP_BUDGET_MS: String(Math.round(timing.stopBudgetMs)),
      });
    }
    this.app.process = new NodeProcess(this.ctx.appArgs, { env, ownGroup: true, clock: () => this.ctx.timeline.now() });
    this.app.startedAt = this.ctx.timeline.now();
    this.ctx.timeline.mark('container-started', { pod: this.name, container: this.app.spec.name });
    void this.app.process.exited.then((exit) => {
      this.ctx.timeline.mark('container-exited', { pod: this.name, container: this.app.spec.name, code: exit.code, signal: exit.signal });
      this.#publish();
    });
  }

  #startPodwarden(): void {
    const sidecar = this.sidecar!;
    const file = join(this.dir, 'podwarden.yaml');
    writeFileSync(file, stringify(this.#podwardenConfig()));
    const env = { ...this.template.sidecarEnv, ...this.#fieldEnv() };
    sidecar.process = new NodeProcess([...this.ctx.podwardenArgs, '--config', file], { env, ownGroup: true, clock: () => this.ctx.timeline.now() });
    sidecar.startedAt = this.ctx.timeline.now();
    this.ctx.timeline.mark('container-started', { pod: this.name, container: sidecar.spec.name });
    void sidecar.process.exited.then((exit) => {
      this.ctx.timeline.mark('container-exited', { pod: this.name, container: sidecar.spec.name, code: exit.code, signal: exit.signal });
      this.#publish();
    });
  }

  /** The downward API's values for the podwarden container's `valueFrom.fieldRef` env. */
  #fieldEnv(): Record<string, string> {
    const values: Record<string, string> = {
      'status.hostIP': hostAddress,
      'status.hostIPs': hostAddress,
      'status.podIP': hostAddress,
      'status.podIPs': hostAddress,
      'metadata.name': this.name,
      'metadata.namespace': 'e2e',
      'spec.nodeName': this.node,
    };
    return Object.fromEntries(
      Object.entries(this.template.sidecarFieldEnv ?? {}).map(([name, path]) => {
        const value = values[path];
        if (value === undefined) throw new Error(`rendered chart: env ${name} from fieldRef ${path}, which the simulation does not provide`);
        return [name, value];
      }),
    );
  }

  /**
   * The rendered config with the pod's own ports and files (every simulated
   * pod shares the host's network namespace and file system): podwarden's
   * port and metrics port, loopback instead of `::`, the drain state file in
   * the pod's folder, and service URLs aimed at the app's port moved to this
   * pod's app port.
   */
  #podwardenConfig(): Record<string, unknown> {
    const rendered = structuredClone(this.template.podwardenConfig ?? {});
    const server = (rendered.server ?? {}) as Record<string, unknown>;
    rendered.server = { ...server, port: this.ports.podwarden, host: '127.0.0.1', metricsPort: this.ports.metrics || null };
    const drain = rendered.drain as Record<string, unknown> | undefined;
    if (typeof drain?.stateFile === 'string' && drain.stateFile !== '') rendered.drain = { ...drain, stateFile: join(this.dir, 'drain-state') };
    const appAddress = new RegExp(`^(https?://)(127\\.0\\.0\\.1|localhost):${this.template.appPort}(?=/|$)`);
    const services = Array.isArray(rendered.services) ? (rendered.services as Array<Record<string, unknown>>) : [];
    rendered.services = services.map((service) => {
      const copy = { ...service };
      if (typeof copy.url === 'string') copy.url = copy.url.replace(appAddress, `$1127.0.0.1:${this.ports.app}`);
      if (copy.type === 'tcp' && Number(copy.port) === this.template.appPort) copy.port = this.ports.app;
      return copy;
    });
    return rendered;
  }
}
