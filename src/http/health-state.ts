import type { Server } from '../core/server.js';
import { shutdownCheckName } from '../core/service-names.js';
import { type ProbeKind, type ServiceState, isServing } from '../core/states.js';
import { type HealthEndpoint, probeKindOf } from './health-endpoints.js';

/** One service as the health endpoints see it. */
export interface Member {
  readonly name: string;
  readonly probes: ReadonlySet<ProbeKind>;
  state: ServiceState;
  reason: string | undefined;
  everReady: boolean;
}

/**
 * The services behind the health endpoints, kept up to date from the
 * server's lifecycle events, and a version that changes with anything an
 * answer shows (so answers can be cached until it changes).
 */
export class HealthState {
  readonly server: Server;
  readonly #members = new Map<string, Member>();
  readonly #byKind: Record<ProbeKind, Member[]> = { readiness: [], liveness: [], startup: [] };
  readonly #liveness = new Map<string, string | undefined>();
  readonly #unsubscribe: Array<() => void>;
  #version = 0;

  constructor(server: Server) {
    this.server = server;
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

  /** Changes whenever an answer could. */
  get version(): number {
    return this.#version;
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

  /** The liveness decided by {@link setLiveness}; `hasOverride` false when none was. */
  livenessOverride(name: string): { readonly hasOverride: boolean; readonly failure: string | undefined } {
    return { hasOverride: this.#liveness.has(name), failure: this.#liveness.get(name) };
  }

  member(name: string): Member | undefined {
    return this.#members.get(name);
  }

  /** Whether `name` answers on `endpoint` (a member, or the `shutdown` check on `/livez` and `/readyz`). */
  has(endpoint: HealthEndpoint, name: string): boolean {
    if (name === shutdownCheckName) return endpoint !== 'startupz';
    return this.#members.get(name)?.probes.has(probeKindOf[endpoint]) ?? false;
  }

  /** The check names of `endpoint` in registration order, then `shutdown`. */
  namesOf(endpoint: HealthEndpoint): string[] {
    const names = this.#byKind[probeKindOf[endpoint]].map((m) => m.name);
    if (endpoint !== 'startupz') names.push(shutdownCheckName);
    return names;
  }

  /** Stop following the server's events. */
  close(): void {
    for (const off of this.#unsubscribe) off();
  }

  /** Learn every registered service (at construction and when `run()` begins). */
  #seed(): void {
    for (const snapshot of this.server.services()) {
      const member = this.#members.get(snapshot.name) ?? this.#add(snapshot.name);
      if (!member) continue;
      member.state = snapshot.state;
      member.reason = snapshot.reason;
      member.everReady = snapshot.everReady;
    }
    this.#version++;
  }

  #add(name: string): Member | undefined {
    const snapshot = this.server.service(name);
    if (!snapshot) return undefined;
    const member: Member = { name, probes: new Set(snapshot.probes), state: snapshot.state, reason: snapshot.reason, everReady: snapshot.everReady };
    this.#members.set(name, member);
    for (const kind of member.probes) this.#byKind[kind].push(member);
    return member;
  }
}
