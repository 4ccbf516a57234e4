import { now } from './clock.js';
import { DrainStateFile, readDrainRecord } from './drain-state-file.js';
import type { LifecycleEmitter, ServiceStateEvent } from './events.js';
import type { ServerConfig } from './options.js';
import type { PhaseRecord } from './phase-record.js';
import type { ServerPhase } from './states.js';

/** What the drain needs from the server. */
export interface DrainHost {
  readonly events: LifecycleEmitter;
  /** The server's phase: `draining` and `drained` are the drain's state; the coordinator keeps none of its own. */
  readonly phase: PhaseRecord;
  /** The phase to return to when a drain is let go (`starting` or `running`). */
  resumePhase(): ServerPhase;
  /** A shutdown has been requested (a signal or `shutdown()`), as opposed to a drain alone. */
  shutdownRequested(): boolean;
}

/** Why a completed drain is let go without a shutdown. */
type LetGo = 'maxHold' | 'app-restarted';

const letGoReasons: Readonly<Record<LetGo, string>> = {
  maxHold: 'no shutdown within drain.maxHold',
  'app-restarted': 'the app container was restarted (drain.appCheck failed, then ready again)',
};

/**
 * The one drain. SIGTERM and `/drain` both join it; it is idempotent and the
 * order does not matter. When a drain completes and no shutdown follows within
 * `maxHold`, it is let go so a stray call cannot hold a pod out of service.
 *
 * With `appCheck`, a completed drain is also let go when that service goes
 * `ready` after having been `not-ready` or `failed` at some moment since the
 * drain completed, before any shutdown began: the kubelet restarted the app
 * container after its preStop (a liveness restart), and a terminating pod's
 * containers are not restarted. A failure that recovers while still draining
 * does not count; a service that never failed (a restart faster than its
 * `failureThreshold`) leaves the drain to `maxHold`.
 *
 * With `stateFile`, drains begun before any shutdown are recorded there and
 * the record is removed when they are let go; {@link DrainCoordinator.restore}
 * picks a recorded drain up after a restart.
 *
 * Whether it is draining or drained is the server's phase, read from the
 * host's {@link PhaseRecord}; the coordinator holds the timers, the promise
 * `/drain` waits on and the state file.
 */
export class DrainCoordinator {
  #endsAt: number | undefined;
  #completed: Promise<void> | undefined;
  #complete: (() => void) | undefined;
  #delayTimer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #source = '';
  #startedAt = 0;
  /** This drain is kept in the state file (it began before any shutdown). */
  #recorded = false;
  /** `appCheck` has been `not-ready` or `failed` since it was last ready. */
  #appDown = false;
  /** Drained, and `appCheck` has been down at some moment since the drain completed. */
  #appFailedSinceDrained = false;
  readonly #file: DrainStateFile | undefined;

  constructor(
    private readonly config: Pick<ServerConfig, 'drainDelay' | 'maxHold' | 'appCheck' | 'stateFile'>,
    private readonly host: DrainHost,
  ) {
    if (config.appCheck !== undefined) host.events.on('service-state', (event) => this.#onServiceState(event));
    if (config.stateFile !== undefined) this.#file = new DrainStateFile(config.stateFile, (detail) => this.#emitState('write-failed', detail, undefined));
  }

  /** When the drain delay ends (monotonic ms), while draining. */
  get endsAt(): number | undefined {
    return this.host.phase.current === 'draining' ? this.#endsAt : undefined;
  }

  /** Milliseconds of drain still to come if a shutdown began now. */
  remaining(): number {
    const phase = this.host.phase.current;
    if (phase === 'drained') return 0;
    if (phase === 'draining' && this.#endsAt !== undefined) return Math.max(0, this.#endsAt - now().mono);
    return this.config.drainDelay;
  }

  /** Start the drain or join the one in progress; resolves when the drain delay has passed. */
  join(source: string): Promise<void> {
    const phase = this.host.phase.current;
    if (phase === 'drained') {
      if (this.host.shutdownRequested()) this.#clearHold();
      return Promise.resolve();
    }
    if (phase === 'draining' && this.#completed) return this.#completed;
    const at = now();
    // A drain a shutdown began ends with the process; recording it would make a restarted podwarden unready for nothing.
    this.#recorded = !this.host.shutdownRequested();
    this.#begin(source, at.wall, this.config.drainDelay);
    this.host.events.emit('drain', { kind: 'started', source, at, drainEndsAt: this.#endsAt });
    return this.#completed as Promise<void>;
  }

  /**
   * Start from the drain recorded in the state file, when it is still within
   * `maxHold` by the wall clock: draining for what is left of the drain delay,
   * or drained for what is left of the hold. A stale or unreadable record is
   * ignored (and a stale one removed). Called once, before anything can be probed.
   */
  restore(): void {
    const file = this.#file;
    if (!file) return;
    const read = readDrainRecord(file.file);
    if (read.kind === 'none') return;
    if (read.kind === 'unreadable') {
      this.#emitState('ignored', `${read.reason}; starting undrained`, undefined);
      return;
    }
    const { record } = read;
    const wall = Date.now();
    const delayEnd = record.completedAt ?? record.startedAt + this.config.drainDelay;
    const holdEnd = delayEnd + this.config.maxHold;
    const iso = (t: number) => new Date(t).toISOString();
    if (wall >= holdEnd) {
      this.#emitState('ignored', `stale: the drain started at ${iso(record.startedAt)} was held until ${iso(holdEnd)}; starting undrained`, undefined);
      file.remove();
      return;
    }
    this.#recorded = true;
    // Clamped, so a wall clock that stepped back cannot stretch the drain past its configured length.
    const delayLeft = Math.min(delayEnd - wall, this.config.drainDelay);
    const reason = `restored from ${file.file}`;
    if (delayLeft > 0) {
      this.#begin(record.source, record.startedAt, delayLeft, reason);
    } else {
      this.#source = record.source;
      this.#startedAt = record.startedAt;
      this.host.phase.enter('drained', reason);
      this.#appFailedSinceDrained = this.#appDown;
      this.#holdTimer = setTimeout(() => this.#letGo('maxHold'), Math.min(holdEnd - wall, this.config.maxHold));
    }
    this.#emitState('restored', `${delayLeft > 0 ? 'draining' : 'drained'} by ${record.source} since ${iso(record.startedAt)}; held until ${iso(holdEnd)} unless a shutdown or drain.appCheck comes first`, holdEnd);
  }

  /** End the drain delay now (a fast shutdown while draining). */
  finishNow(): void {
    if (this.host.phase.current === 'draining') this.#finish('fast shutdown');
  }

  /** The stop phase has begun: cancel pending timers and let whoever waits on the drain return. */
  clear(): void {
    clearTimeout(this.#delayTimer);
    this.#clearHold();
    this.#complete?.();
  }

  #begin(source: string, startedAt: number, delay: number, reason: string = source): void {
    this.#source = source;
    this.#startedAt = startedAt;
    this.#endsAt = now().mono + delay;
    this.#completed = new Promise((resolve) => (this.#complete = resolve));
    this.host.phase.enter('draining', reason);
    this.#record(undefined);
    this.#delayTimer = setTimeout(() => this.#finish(source), delay);
  }

  #finish(source: string): void {
    clearTimeout(this.#delayTimer);
    const at = now();
    this.host.phase.enter('drained', source);
    this.#record(at.wall);
    this.host.events.emit('drain', { kind: 'completed', source, at, drainEndsAt: undefined });
    this.#complete?.();
    if (!this.host.shutdownRequested()) {
      // A check already down when the drain completes counts: the app that failed liveness is usually failing its check too.
      this.#appFailedSinceDrained = this.#appDown;
      this.#holdTimer = setTimeout(() => this.#letGo('maxHold'), this.config.maxHold);
    }
  }

  #letGo(why: LetGo): void {
    if (this.host.shutdownRequested() || this.host.phase.current !== 'drained') return;
    this.#clearHold();
    this.#completed = undefined;
    this.#appFailedSinceDrained = false;
    this.host.phase.enter(this.host.resumePhase(), letGoReasons[why]);
    this.host.events.emit('drain', { kind: 'undrained', source: why, at: now(), drainEndsAt: undefined });
    this.#file?.remove();
  }

  /** Follow `appCheck`: down (`not-ready`, `failed`) or up (`ready`); other states (a restarted instance `starting`) change nothing. */
  #onServiceState(event: ServiceStateEvent): void {
    if (event.name !== this.config.appCheck) return;
    if (event.state === 'not-ready' || event.state === 'failed') {
      this.#appDown = true;
      if (this.host.phase.current === 'drained') this.#appFailedSinceDrained = true;
    } else if (event.state === 'ready' || event.state === 'completed') {
      const cameBack = event.state === 'ready' && this.#appFailedSinceDrained;
      this.#appDown = false;
      this.#appFailedSinceDrained = false;
      if (cameBack) this.#letGo('app-restarted');
    }
  }

  /** Keep the state file in step with a recorded drain; `completedAt` once the delay has passed. */
  #record(completedAt: number | undefined): void {
    if (!this.#file || !this.#recorded) return;
    this.#file.save({ state: completedAt === undefined ? 'draining' : 'drained', source: this.#source, startedAt: this.#startedAt, completedAt });
  }

  #emitState(kind: 'restored' | 'ignored' | 'write-failed', detail: string, holdEndsAt: number | undefined): void {
    this.host.events.emit('drain-state', { kind, file: this.config.stateFile ?? '', detail, holdEndsAt, at: now() });
  }

  #clearHold(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }
}
