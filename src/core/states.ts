/** Every state a service can be in. */
export const serviceStates = [
  'pending',
  'starting',
  'ready',
  'not-ready',
  'stopping',
  'stopped',
  'completed',
  'failed',
  'blocked',
] as const;

/**
 * A service's state: `pending` (waiting on dependencies) → `starting` →
 * `ready` ⇄ `not-ready` → `stopping` → `stopped`; or `completed` (returned
 * before shutdown), `failed` (threw, rejected, or missed its ready timeout),
 * `blocked` (a dependency failed).
 */
export type ServiceState = (typeof serviceStates)[number];

/** Every phase the server goes through, in order. */
export const serverPhases = ['starting', 'running', 'draining', 'drained', 'stopping', 'terminated'] as const;

/** The server's phase: `starting` → `running` → `draining` → `drained` → `stopping` → `terminated`. */
export type ServerPhase = (typeof serverPhases)[number];

/** The aggregate probe endpoints a service can count in. */
export const probeKinds = ['readiness', 'liveness', 'startup'] as const;

/** An aggregate probe endpoint: `readiness` (`/readyz`), `liveness` (`/livez`), `startup` (`/startupz`). */
export type ProbeKind = (typeof probeKinds)[number];

/** States in which a service counts as serving, for readiness and for its dependents. */
export function isServing(state: ServiceState): boolean {
  return state === 'ready' || state === 'completed';
}

/**
 * True from the moment a drain begins (SIGTERM or `/drain`) to the end:
 * `draining`, `drained`, `stopping`, `terminated`. Readiness fails in these
 * phases. A drain that is let go without a shutdown returns to `running`.
 */
export function isShuttingDown(phase: ServerPhase | undefined): boolean {
  return phase === 'draining' || phase === 'drained' || phase === 'stopping' || phase === 'terminated';
}
