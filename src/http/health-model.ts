import { now } from '../core/clock.js';
import type { Server } from '../core/server.js';
import { type ProbeKind, type ServerPhase, type ServiceState, isServing } from '../core/states.js';
import { type ProbeReport, type ReportCheck, reportShutdown, reportTimings } from './health-report.js';

/** The aggregate probe endpoints, by path. */
export const probeRoutes = ['livez', 'readyz', 'startupz'] as const;

/** An aggregate probe endpoint: `/livez`, `/readyz` or `/startupz`. */
export type ProbeRoute = (typeof probeRoutes)[number];

/** The membership each endpoint reads. */
export const probeKindOf: Readonly<Record<ProbeRoute, ProbeKind>> = { livez: 'liveness', readyz: 'readiness', startupz: 'startup' };

/** The name of the built-in check that fails `/readyz` once the server drains; it shows the phase on `/livez`. */
export const shutdownCheckName = 'shutdown';

/** What a probe endpoint answers. */
export interface ProbeAnswer {
  readonly status: 200 | 503 | 404;
  readonly body: string;
}

/** Options of a {@link HealthModel}. */
export interface HealthModelOptions {
  /** Show failure reasons in `?verbose` and JSON answers (default `false`: `reason withheld`). */
  readonly exposeDetails?: boolean;
}

interface Member {
  readonly name: string;
  readonly probes: ReadonlySet<ProbeKind>;
  state: ServiceState;
  reason: string | undefined;
  everReady: boolean;
}

interface Cached {
  version: number;
  answer: ProbeAnswer | undefined;
}

const OK: ProbeAnswer = { status: 200, body: 'ok' };
const NOT_FOUND: ProbeAnswer = { status: 404, body: 'not found\n' };
const shuttingDown: ReadonlySet<ServerPhase | undefined> = new Set<ServerPhase | undefined>(['draining', 'drained', 'stopping', 'terminated']);
const livenessFailing: ReadonlySet<ServiceState> = new Set<ServiceState>(['not-ready', 'failed', 'blocked']);

/**
 * The health state behind `/livez`, `/readyz` and `/startupz`, kept up to date
 * from the server's lifecycle events. Answers come from memory only: a probe
 * never runs a check. kube-apiserver semantics: `ok`, or 503 listing each
 * member as `[+]name ok` / `[-]name failed: reason withheld` and a closing line.
 *
 * - readiness: a member passes while it is `ready` or `completed`; the
 *   `shutdown` check fails once the server drains.
 * - liveness: a member fails while `not-ready`, `failed` or `blocked` (or as
 *   told by {@link HealthModel.setLiveness}); `shutdown` always passes and
 *   shows the phase and time left.
 * - startup: a member passes once it has been ready at least once.
 */
export class HealthModel {
  readonly #server: Server;
  readonly #exposeDetails: boolean;
  readonly #members = new Map<string, Member>();
  readonly #byKind: Record<ProbeKind, Member[]> = { readiness: [], liveness: [], startup: [] };
  readonly #liveness = new Map<string, string | undefined>();
  /** Cached answers without `exclude`: plain, then `?verbose`. */
  readonly #cache: Record<ProbeRoute, readonly [Cached, Cached]> = {
    livez: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
    readyz: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
    startupz: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
  };
  readonly #unsubscribe: Array<() => void>;
  #version = 0;

  constructor(server: Server, options: HealthModelOptions = {}) {
    this.#server = server;
    this.#exposeDetails = options.exposeDetails ?? false;
    this.#seed();
    this.#unsubscribe = [
      server.on('service-state', (event) => {
        const member = this.#members.get(event.name) ?? this.#add(event.name);
        if (!member) return;
        member.state = event.state;
        member.reason = event.reason;
        if (isServing(event.state)) member.everReady = true;
        this.#version++;
      }),
      server.on('phase', (event) => {
        if (event.phase === 'starting' && event.previous === undefined) this.#seed();
        this.#version++;
      }),
    ];
  }

  /** Whether failure reasons are shown. */
  get exposeDetails(): boolean {
    return this.#exposeDetails;
  }

  /**
   * Decide `name`'s liveness from outside its state: `failure` is the reason
   * it fails, `undefined` that it passes. Used by the `podwarden` service,
   * whose event-loop lag makes it not-ready at once but fails liveness only
   * when sustained.
   */
  setLiveness(name: string, failure: string | undefined): void {
    if (this.#liveness.has(name) && this.#liveness.get(name) === failure) return;
    this.#liveness.set(name, failure);
    this.#version++;
  }

  /** Whether `name` answers on `route` (a member, or the `shutdown` check on `/livez` and `/readyz`). */
  has(route: ProbeRoute, name: string): boolean {
    if (name === shutdownCheckName) return route !== 'startupz';
    return this.#members.get(name)?.probes.has(probeKindOf[route]) ?? false;
  }

  /**
   * The answer of an aggregate endpoint. `exclude` leaves checks out;
   * `verbose` lists every check. Answers without `exclude` are cached until
   * something changes (unless they show a time left), so a flood of them
   * costs what one costs.
   */
  answer(route: ProbeRoute, verbose: boolean, exclude: readonly string[] | undefined): ProbeAnswer {
    if (exclude !== undefined) return this.#render(route, verbose, exclude).answer;
    const cached = this.#cache[route][verbose ? 1 : 0];
    if (cached.version === this.#version && cached.answer) return cached.answer;
    const version = this.#version;
    const { answer, timed } = this.#render(route, verbose, undefined);
    cached.version = version;
    cached.answer = timed ? undefined : answer;
    return answer;
  }

  /** The answer of `/<route>/<name>`: one check; 404 when `name` is not a member of `route`. */
  answerOne(route: ProbeRoute, name: string, verbose: boolean): ProbeAnswer {
    if (!this.has(route, name)) return NOT_FOUND;
    const { failure, detail } = this.#check(route, name);
    if (failure !== undefined) return { status: 503, body: `${this.#failedLine(name, failure)}${route} check failed\n` };
    if (!verbose) return OK;
    return { status: 200, body: `${this.#okLine(name, detail)}${route} check passed\n` };
  }

  /**
   * The JSON answer (`Accept: application/json`): each check's state and
   * timings, and the phase with its deadlines. `name` narrows it to one check;
   * `undefined` when `name` is not a member of `route`.
   */
  report(route: ProbeRoute, exclude: readonly string[] | undefined, name?: string): { status: 200 | 503; body: ProbeReport } | undefined {
    if (name !== undefined && !this.has(route, name)) return undefined;
    const names = name !== undefined ? [name] : this.#namesOf(route).filter((n) => !exclude?.includes(n));
    let failed = false;
    const checks = names.map((checkName): ReportCheck => {
      const { failure, detail } = this.#check(route, checkName);
      if (failure !== undefined) failed = true;
      const reason = failure ?? detail;
      return {
        name: checkName,
        status: failure === undefined ? 'ok' : 'failed',
        ...(checkName === shutdownCheckName ? { phase: this.#server.phase ?? 'not-started' } : reportTimings(this.#members.get(checkName), this.#server)),
        ...(reason !== undefined && (this.#exposeDetails || checkName === shutdownCheckName) ? { reason } : {}),
      };
    });
    const body: ProbeReport = {
      probe: route,
      status: failed ? 'failed' : 'ok',
      phase: this.#server.phase ?? 'not-started',
      checks,
      shutdown: reportShutdown(this.#server),
    };
    return { status: failed ? 503 : 200, body };
  }

  /** Stop following the server's events. */
  close(): void {
    for (const off of this.#unsubscribe) off();
  }

  #render(route: ProbeRoute, verbose: boolean, exclude: readonly string[] | undefined): { answer: ProbeAnswer; timed: boolean } {
    const unmatched = exclude ? new Set(exclude) : undefined;
    let lines = '';
    let failed = false;
    let timed = false;
    for (const name of this.#namesOf(route)) {
      if (unmatched?.delete(name)) continue;
      const { failure, detail, time } = this.#check(route, name);
      if (failure === undefined) {
        lines += this.#okLine(name, detail);
      } else {
        failed = true;
        lines += this.#failedLine(name, failure);
      }
      timed ||= time && (failure === undefined || this.#exposeDetails);
    }
    if (unmatched && unmatched.size > 0) {
      lines += `warn: some health checks cannot be excluded: no matches for ${[...unmatched].map((n) => JSON.stringify(n)).join(',')}\n`;
    }
    if (failed) return { answer: { status: 503, body: `${lines}${route} check failed\n` }, timed };
    if (!verbose) return { answer: OK, timed: false };
    return { answer: { status: 200, body: `${lines}${route} check passed\n` }, timed };
  }

  #okLine(name: string, detail: string | undefined): string {
    return detail === undefined ? `[+]${name} ok\n` : `[+]${name} ok: ${detail}\n`;
  }

  #failedLine(name: string, failure: string): string {
    return `[-]${name} failed: ${this.#exposeDetails ? failure : 'reason withheld'}\n`;
  }

  /** Member names of `route` in registration order, then `shutdown`. */
  #namesOf(route: ProbeRoute): string[] {
    const names = this.#byKind[probeKindOf[route]].map((m) => m.name);
    if (route !== 'startupz') names.push(shutdownCheckName);
    return names;
  }

  /** One check's verdict: `failure` when it fails, `detail` to show when it passes, `time` when either reads the clock. */
  #check(route: ProbeRoute, name: string): { failure: string | undefined; detail: string | undefined; time: boolean } {
    if (name === shutdownCheckName) {
      const phase = this.#server.phase;
      if (!shuttingDown.has(phase)) return { failure: undefined, detail: undefined, time: false };
      const { text, time } = this.#shutdownText(phase);
      return route === 'readyz' ? { failure: text, detail: undefined, time } : { failure: undefined, detail: text, time };
    }
    const member = this.#members.get(name);
    if (!member) return { failure: 'unknown', detail: undefined, time: false };
    return { failure: this.#verdict(member, probeKindOf[route]), detail: undefined, time: false };
  }

  #verdict(member: Member, kind: ProbeKind): string | undefined {
    const described = member.reason === undefined ? member.state : `${member.state}: ${member.reason}`;
    switch (kind) {
      case 'readiness':
        return isServing(member.state) ? undefined : described;
      case 'startup':
        return member.everReady ? undefined : described;
      case 'liveness':
        if (this.#liveness.has(member.name)) return this.#liveness.get(member.name);
        return livenessFailing.has(member.state) ? described : undefined;
    }
  }

  /** `draining, 7s of 10s left`; `stopping, 12s to the deadline`. */
  #shutdownText(phase: ServerPhase | undefined): { text: string; time: boolean } {
    const at = now().mono;
    const endsAt = this.#server.drainEndsAt;
    if (phase === 'draining' && endsAt !== undefined) {
      const left = Math.max(0, Math.ceil((endsAt - at) / 1000));
      return { text: `draining, ${left}s of ${seconds(this.#server.config.drainDelay)} left`, time: true };
    }
    const deadline = this.#server.deadlineAt;
    if (deadline !== undefined && (phase === 'drained' || phase === 'stopping')) {
      return { text: `${phase}, ${Math.max(0, Math.ceil((deadline - at) / 1000))}s to the deadline`, time: true };
    }
    return { text: phase ?? 'not-started', time: false };
  }

  /** Learn every registered service (at construction and when `run()` begins). */
  #seed(): void {
    for (const snapshot of this.#server.services()) {
      const member = this.#members.get(snapshot.name) ?? this.#add(snapshot.name);
      if (!member) continue;
      member.state = snapshot.state;
      member.reason = snapshot.reason;
      member.everReady = snapshot.everReady;
    }
    this.#version++;
  }

  #add(name: string): Member | undefined {
    const snapshot = this.#server.service(name);
    if (!snapshot) return undefined;
    const member: Member = {
      name,
      probes: new Set(snapshot.probes),
      state: snapshot.state,
      reason: snapshot.reason,
      everReady: snapshot.everReady,
    };
    this.#members.set(name, member);
    for (const kind of member.probes) this.#byKind[kind].push(member);
    return member;
  }
}

/** `10s`, `1.5s`, `250ms`. */
function seconds(ms: number): string {
  return ms >= 1000 || ms === 0 ? `${Number((ms / 1000).toFixed(3))}s` : `${ms}ms`;
}
