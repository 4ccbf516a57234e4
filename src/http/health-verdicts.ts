import { now } from '../core/clock.js';
import { type ServerPhase, type ServiceState, isServing, isShuttingDown } from '../core/states.js';
import { formatDuration } from '../core/duration.js';
import { shutdownCheckName } from '../core/service-names.js';
import { type HealthEndpoint, probeKindOf } from './health-endpoints.js';
import type { HealthState, Member } from './health-state.js';

/** One check's verdict on one endpoint. */
export interface Verdict {
  /** Why it fails; `undefined` when it passes. */
  readonly failure: string | undefined;
  /** What to show when it passes (the `shutdown` check's phase on `/livez`). */
  readonly detail: string | undefined;
  /** Whether the text reads the clock (a time left), so it must not be cached. */
  readonly time: boolean;
}

const passing: Verdict = { failure: undefined, detail: undefined, time: false };
const livenessFailing: ReadonlySet<ServiceState> = new Set<ServiceState>(['not-ready', 'failed', 'blocked']);

/**
 * The verdict of check `name` on `endpoint`:
 * - readiness: a member passes while it is `ready` or `completed`; the
 *   `shutdown` check fails once the server drains.
 * - liveness: a member fails while `not-ready`, `failed` or `blocked` (or as
 *   decided by {@link HealthState.setLiveness}); `shutdown` always passes and
 *   shows the phase and time left.
 * - startup: a member passes once it has been ready at least once.
 */
export function verdictOf(state: HealthState, endpoint: HealthEndpoint, name: string): Verdict {
  if (name === shutdownCheckName) {
    const phase = state.server.phase;
    if (!isShuttingDown(phase)) return passing;
    const { text, time } = shutdownText(state, phase);
    return endpoint === 'readyz' ? { failure: text, detail: undefined, time } : { failure: undefined, detail: text, time };
  }
  const member = state.member(name);
  if (!member) return { failure: 'unknown', detail: undefined, time: false };
  const failure = memberFailure(state, member, endpoint);
  return failure === undefined ? passing : { failure, detail: undefined, time: false };
}

function memberFailure(state: HealthState, member: Member, endpoint: HealthEndpoint): string | undefined {
  // `starting: connect ECONNREFUSED …`; a failed service's reason alone (the answer's line already says `failed`).
  const described = member.reason === undefined ? member.state : member.state === 'failed' ? member.reason : `${member.state}: ${member.reason}`;
  switch (probeKindOf[endpoint]) {
    case 'readiness':
      return isServing(member.state) ? undefined : described;
    case 'startup':
      return member.everReady ? undefined : described;
    case 'liveness': {
      const decided = state.livenessOverride(member.name);
      if (decided.hasOverride) return decided.failure;
      return livenessFailing.has(member.state) ? described : undefined;
    }
  }
}

/** `draining, 7s of 10s left`; `stopping, 12s to the deadline`. */
function shutdownText(state: HealthState, phase: ServerPhase | undefined): { text: string; time: boolean } {
  const { server } = state;
  const at = now().mono;
  const endsAt = server.drainEndsAt;
  if (phase === 'draining' && endsAt !== undefined) {
    const left = Math.max(0, Math.ceil((endsAt - at) / 1000));
    return { text: `draining, ${left}s of ${formatDuration(server.config.drainDelay)} left`, time: true };
  }
  const deadline = server.deadlineAt;
  if (deadline !== undefined && (phase === 'drained' || phase === 'stopping')) {
    return { text: `${phase}, ${Math.max(0, Math.ceil((deadline - at) / 1000))}s to the deadline`, time: true };
  }
  return { text: phase ?? 'not-started', time: false };
}
