import type { RolloutSpec } from './pod-template.js';
import type { Pod } from './pod.js';
import { type TerminationReport, shutDownPod, terminatePod } from './termination.js';
import type { Timeline } from './timeline.js';

/** Makes (and starts) a pod of a revision. */
export type PodFactory = (revision: number, name: string) => Promise<Pod>;

interface Entry {
  readonly pod: Pod;
  readonly revision: number;
}

/**
 * A Deployment and its ReplicaSets, as the controllers do it:
 * - a pod is *available* once it has been Ready for minReadySeconds;
 * - RollingUpdate creates new pods while the pods not being deleted stay
 *   within replicas + maxSurge, and deletes old pods (not-ready ones first)
 *   while the available pods stay at least replicas − maxUnavailable;
 *   terminating pods count for neither (Kubernetes' default);
 * - scaling down deletes the surplus at once, not-ready and newest first
 *   (the ReplicaSet controller's order);
 * - a pod that kubelet shut down (node shutdown, eviction) stays counted
 *   until its containers have stopped (it has no deletion timestamp), then
 *   the ReplicaSet replaces it.
 * Deleted pods terminate in the background.
 */
export class Deployment {
  readonly pods: Entry[] = [];
  readonly terminations: Array<Promise<TerminationReport>> = [];
  readonly all: Pod[] = [];
  #serial = 0;
  #revision = 0;
  #replicas: number;

  constructor(
    readonly spec: RolloutSpec,
    private readonly makePod: PodFactory,
    private readonly timeline: Timeline,
    private readonly readyTimeoutMs: number,
  ) {
    this.#replicas = spec.replicas;
  }

  get replicas(): number {
    return this.#replicas;
  }

  /** Ready for minReadySeconds. */
  available(pod: Pod): boolean {
    return pod.readySince !== undefined && this.timeline.now() - pod.readySince >= this.spec.minReadySeconds * 1000;
  }

  /** Create the first revision's pods and wait until every one is available. */
  async scaleUp(revision: number): Promise<void> {
    this.#revision = revision;
    const created = await Promise.all(Array.from({ length: this.#replicas }, () => this.#create(revision)));
    await Promise.all(created.map((pod) => pod.whenReady(this.readyTimeoutMs)));
    await this.#until('every pod available', () => created.every((pod) => this.available(pod)));
  }

  /**
   * Roll every pod to `revision`; resolves when the last old pod has been
   * deleted (not terminated) and every new pod is available: the rollout is
   * complete (`kubectl rollout status`), so the next one starts from there.
   */
  async rollout(revision: number): Promise<void> {
    this.#revision = revision;
    this.timeline.mark('rollout-start', { revision });
    const { maxSurge, maxUnavailable } = this.spec;
    const replicas = this.#replicas;
    const deadline = this.timeline.now() + this.readyTimeoutMs * (replicas + 1);
    for (;;) {
      const current = this.pods.filter((p) => p.revision === revision);
      const old = this.pods.filter((p) => p.revision !== revision);
      if (old.length === 0 && current.length >= replicas) break;
      if (this.timeline.now() > deadline) throw new Error(`rollout to revision ${revision} did not finish in time`);
      const toCreate = Math.min(replicas - current.length, replicas + maxSurge - this.pods.length);
      for (let i = 0; i < toCreate; i += 1) await this.#create(revision);
      // Not-ready old pods go first: deleting them costs no availability.
      const deletable = [...old].sort((a, b) => Number(a.pod.ready) - Number(b.pod.ready));
      let canLose = this.pods.filter((p) => this.available(p.pod)).length - (replicas - maxUnavailable);
      let deleted = 0;
      for (const entry of deletable) {
        if (this.available(entry.pod)) {
          if (canLose <= 0) break;
          canLose -= 1;
        }
        this.#delete(entry);
        deleted += 1;
      }
      if (deleted === 0 && toCreate <= 0) await this.#someoneAvailable();
    }
    await this.#until(`every pod of revision ${revision} available`, () => this.pods.every((p) => this.available(p.pod)));
    this.timeline.mark('rollout-done', { revision });
  }

  /** Scale to `replicas`: the surplus is deleted at once; missing pods are created and waited for. */
  async scaleTo(replicas: number): Promise<void> {
    this.timeline.mark('scale', { from: this.#replicas, to: replicas });
    this.#replicas = replicas;
    const surplus = [...this.pods].sort((a, b) => Number(a.pod.ready) - Number(b.pod.ready) || this.all.indexOf(b.pod) - this.all.indexOf(a.pod));
    for (const entry of surplus.slice(0, Math.max(0, this.pods.length - replicas))) this.#delete(entry);
    await this.#replenish();
  }

  /**
   * kubelet stops `pod` without a deletion timestamp (graceful node shutdown,
   * eviction); once it is gone the ReplicaSet creates its replacement, and this
   * resolves when that one is available.
   */
  async shutDown(pod: Pod): Promise<TerminationReport> {
    const entry = this.pods.find((p) => p.pod === pod);
    if (!entry) throw new Error(`${pod.name} is not a pod of this deployment`);
    const report = shutDownPod(pod, this.timeline);
    this.terminations.push(report);
    await report;
    this.pods.splice(this.pods.indexOf(entry), 1);
    await this.#replenish();
    return report;
  }

  /** Wait for every termination started so far. */
  async settled(): Promise<TerminationReport[]> {
    return Promise.all(this.terminations);
  }

  /** SIGKILL every process of every pod this deployment made, and wait for them (cleanup). */
  async killAll(): Promise<void> {
    for (const pod of this.all) pod.stopProbes();
    const procs = this.all.flatMap((pod) => pod.containers.flatMap((c) => (c.process ? [c.process] : [])));
    for (const proc of procs) proc.kill();
    await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  }

  /** Create pods of the current revision up to replicas and wait until they are available. */
  async #replenish(): Promise<void> {
    const created: Pod[] = [];
    while (this.pods.length < this.#replicas) created.push(await this.#create(this.#revision));
    await Promise.all(created.map((pod) => pod.whenReady(this.readyTimeoutMs)));
    await this.#until('the new pods available', () => created.every((pod) => this.available(pod)));
  }

  async #create(revision: number): Promise<Pod> {
    this.#serial += 1;
    const pod = await this.makePod(revision, `pod-r${revision}-${this.#serial}`);
    this.pods.push({ pod, revision });
    this.all.push(pod);
    return pod;
  }

  #delete(entry: Entry): void {
    this.pods.splice(this.pods.indexOf(entry), 1);
    this.terminations.push(terminatePod(entry.pod, this.timeline));
  }

  async #until(what: string, done: () => boolean): Promise<void> {
    const until = this.timeline.now() + this.readyTimeoutMs;
    while (!done()) {
      if (this.timeline.now() > until) throw new Error(`timed out waiting for ${what}\n${this.pods.map((p) => p.pod.describe()).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Wait until the set of available pods grows (a new pod became available), or a moment passes. */
  async #someoneAvailable(): Promise<void> {
    const before = this.pods.filter((p) => this.available(p.pod)).length;
    const waiting = this.pods.filter((p) => !this.available(p.pod));
    if (waiting.length === 0) return new Promise((resolve) => setTimeout(resolve, 20));
    await this.#until(`a pod of revision ${this.#revision} to become available`, () => this.pods.filter((p) => this.available(p.pod)).length > before || this.pods.every((p) => this.available(p.pod)));
  }
}
