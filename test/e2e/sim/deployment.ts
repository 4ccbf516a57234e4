import type { RolloutSpec } from './pod-template.js';
import type { Pod } from './pod.js';
import { killAll } from './processes.js';
import { type TerminationReport, terminatePod } from './termination.js';
import type { Timeline } from './timeline.js';

/** Makes (and starts) a pod of a revision. */
export type PodFactory = (revision: number, name: string) => Promise<Pod>;

/**
 * A Deployment's RollingUpdate, as the deployment controller does it: new
 * pods are created while the pods not being deleted stay within replicas +
 * maxSurge; old pods are deleted while the ready pods stay at least replicas −
 * maxUnavailable (terminating pods count for neither, as in Kubernetes'
 * default). Deleted pods terminate in the background.
 */
export class Deployment {
  readonly pods: Array<{ pod: Pod; revision: number }> = [];
  readonly terminations: Array<Promise<TerminationReport>> = [];
  readonly all: Pod[] = [];
  #serial = 0;

  constructor(
    readonly spec: RolloutSpec,
    private readonly makePod: PodFactory,
    private readonly timeline: Timeline,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Create the first revision's pods and wait until every one is ready. */
  async scaleUp(revision: number): Promise<void> {
    const created = await Promise.all(Array.from({ length: this.spec.replicas }, () => this.#create(revision)));
    await Promise.all(created.map((pod) => pod.whenReady(this.readyTimeoutMs)));
  }

  /** Roll every pod to `revision`; resolves when the last old pod has been deleted (not terminated). */
  async rollout(revision: number): Promise<void> {
    this.timeline.mark('rollout-start', { revision });
    const { replicas, maxSurge, maxUnavailable } = this.spec;
    const minAvailable = replicas - maxUnavailable;
    const deadline = this.timeline.now() + this.readyTimeoutMs * (replicas + 1);
    for (let step = 0; step < 100_000; step += 1) {
      const current = this.pods.filter((p) => p.revision === revision);
      const old = this.pods.filter((p) => p.revision !== revision);
      if (old.length === 0 && current.length >= replicas) break;
      if (this.timeline.now() > deadline) throw new Error(`rollout to revision ${revision} did not finish in time`);
      const toCreate = Math.min(replicas - current.length, replicas + maxSurge - this.pods.length);
      for (let i = 0; i < toCreate; i += 1) await this.#create(revision);
      const ready = this.pods.filter((p) => p.pod.ready).length;
      // Not-ready old pods go first: deleting them costs no availability.
      const deletable = [...old].sort((a, b) => Number(a.pod.ready) - Number(b.pod.ready));
      let canLose = ready - minAvailable;
      for (const entry of deletable) {
        if (entry.pod.ready) {
          if (canLose <= 0) break;
          canLose -= 1;
        }
        this.#delete(entry);
      }
      if (this.pods.filter((p) => p.revision !== revision).length === old.length) {
        await this.#someNewPodReady(revision);
      }
    }
    if (this.pods.some((p) => p.revision !== revision)) throw new Error(`rollout to revision ${revision} stopped with old pods left`);
    this.timeline.mark('rollout-done', { revision });
  }

  /** Wait for every termination started so far. */
  async settled(): Promise<TerminationReport[]> {
    return Promise.all(this.terminations);
  }

  /** SIGKILL every process of every pod this deployment made, and wait for them (cleanup). */
  async killAll(): Promise<void> {
    for (const pod of this.all) pod.stopProbes();
    await killAll(this.all.flatMap((pod) => pod.containers.flatMap((c) => (c.process ? [c.process] : []))));
  }

  async #create(revision: number): Promise<Pod> {
    this.#serial += 1;
    const pod = await this.makePod(revision, `pod-r${revision}-${this.#serial}`);
    this.pods.push({ pod, revision });
    this.all.push(pod);
    return pod;
  }

  #delete(entry: { pod: Pod; revision: number }): void {
    this.pods.splice(this.pods.indexOf(entry), 1);
    this.terminations.push(terminatePod(entry.pod, this.timeline));
  }

  /** Wait until one of the revision's pods becomes ready (or, when none is pending, a moment). */
  #someNewPodReady(revision: number): Promise<void> {
    const waiting = this.pods.filter((p) => p.revision === revision && !p.pod.ready).map((p) => p.pod);
    if (waiting.length === 0) return new Promise((resolve) => setTimeout(resolve, 100));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pod of revision ${revision} became ready within ${this.readyTimeoutMs} ms\n${waiting.map((p) => p.describe()).join('\n')}`)), this.readyTimeoutMs);
      for (const pod of waiting)
        pod.onReady(() => {
          clearTimeout(timer);
          resolve();
        });
    });
  }
}
