import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Endpoints } from './endpoints.js';
import type { ContainerSpec, PodTemplate, PortOwner } from './pod-template.js';
import { ManagedProcess, freePort } from './processes.js';
import { type ProbeKind, type ProbeResult, ProbeWorker } from './prober.js';
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
  /** Where each pod's podwarden.yaml is written. */
  readonly workDir: string;
}

/** One container of a pod: its process, its probe workers, its kubelet-side status. */
export class Container {
  process: ManagedProcess | undefined;
  startedAt: number | undefined;
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
 * A pod: the app process and (unless the mode is `none`) a podwarden process,
 * each on its own loopback port, started in the order the mode gives (a
 * native sidecar first, the app once the sidecar's startup probe passed;
 * regular containers together), probed like kubelet does, its Ready condition
 * published to the endpoints.
 */
export class Pod {
  readonly app: Container;
  readonly sidecar: Container | undefined;
  readonly ports = { app: 0, podwarden: 0 };
  /** Probe failures that would have made kubelet restart a container (liveness, or startup past its threshold). */
  readonly restartsWanted: string[] = [];
  terminating = false;
  #ready = false;
  #readyWaiters: Array<() => void> = [];
  #appStarting = false;

  constructor(
    readonly name: string,
    readonly template: PodTemplate,
    private readonly ctx: PodContext,
  ) {
    this.app = new Container('app', template.app);
    this.sidecar = template.mode === 'none' || !template.sidecar ? undefined : new Container('podwarden', template.sidecar);
  }

  get ready(): boolean {
    return this.#ready;
  }

  get containers(): Container[] {
    return this.sidecar ? [this.sidecar, this.app] : [this.app];
  }

  /** Allocate ports, write podwarden's config, create the probe workers and start the containers. */
  async create(): Promise<void> {
    this.ports.app = await freePort();
    if (this.sidecar) this.ports.podwarden = await freePort();
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
    return owner === 'app' ? this.ports.app : this.ports.podwarden;
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
      this.restartsWanted.push(`${container.spec.name} ${kind} ${detail}`);
    }
    if (kind === 'startup' && result === 'success') {
      // kubelet runs the readiness probe at once when a container has started (prober_manager UpdatePodStatus).
      container.workers.get('readiness')?.trigger();
      if (container === this.sidecar && this.template.mode === 'native') this.#startApp();
    }
    this.#publish();
  }

  #publish(): void {
    const ready = !this.terminating && this.containers.every((c) => c.ready);
    const podReady = this.containers.every((c) => c.ready);
    if (ready && !this.#ready) {
      this.ctx.timeline.mark('pod-ready', { pod: this.name });
      for (const wake of this.#readyWaiters.splice(0)) wake();
    }
    this.#ready = ready;
    if (podReady || this.terminating || this.ctx.endpoints.list().some((e) => e.pod === this.name)) {
      this.ctx.endpoints.update(this.name, { appPort: this.ports.app, healthPort: this.sidecar ? this.ports.podwarden : undefined }, podReady, this.terminating);
    }
  }

  #startApp(): void {
    if (this.#appStarting) return;
    this.#appStarting = true;
    const env = { ...this.ctx.appEnv, PORT: String(this.ports.app), HOST: '127.0.0.1', POD_NAME: this.name };
    this.app.process = new ManagedProcess(`${this.name}/app`, this.ctx.appArgs, env, () => this.ctx.timeline.now());
    this.app.startedAt = this.ctx.timeline.now();
    this.ctx.timeline.mark('container-started', { pod: this.name, container: this.app.spec.name });
    void this.app.process.exited.then((exit) => {
      this.ctx.timeline.mark('container-exited', { pod: this.name, container: this.app.spec.name, code: exit.code, signal: exit.signal });
      this.#publish();
    });
  }

  #startPodwarden(): void {
    const sidecar = this.sidecar!;
    const config = this.#podwardenConfig();
    const dir = join(this.ctx.workDir, this.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'podwarden.yaml');
    writeFileSync(file, stringify(config));
    sidecar.process = new ManagedProcess(`${this.name}/podwarden`, [...this.ctx.podwardenArgs, '--config', file], { ...this.template.sidecarEnv }, () => this.ctx.timeline.now());
    sidecar.startedAt = this.ctx.timeline.now();
    this.ctx.timeline.mark('container-started', { pod: this.name, container: sidecar.spec.name });
    void sidecar.process.exited.then((exit) => {
      this.ctx.timeline.mark('container-exited', { pod: this.name, container: sidecar.spec.name, code: exit.code, signal: exit.signal });
      this.#publish();
    });
  }

  /**
   * The rendered config with the pod's ports: podwarden's port, loopback
   * instead of `::`, and service URLs aimed at the app's port moved to this
   * pod's app port (each simulated pod shares the host's network namespace).
   */
  #podwardenConfig(): Record<string, unknown> {
    const rendered = structuredClone(this.template.podwardenConfig ?? {});
    const server = (rendered.server ?? {}) as Record<string, unknown>;
    rendered.server = { ...server, port: this.ports.podwarden, host: '127.0.0.1', metricsPort: null };
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
