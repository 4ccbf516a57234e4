import type { ProbeKind } from '../core/states.js';

/** The aggregate health endpoints, by path. */
export const healthEndpoints = ['livez', 'readyz', 'startupz'] as const;

/** An aggregate health endpoint: `/livez`, `/readyz` or `/startupz`. */
export type HealthEndpoint = (typeof healthEndpoints)[number];

/** The probe kind each endpoint reads. */
export const probeKindOf: Readonly<Record<HealthEndpoint, ProbeKind>> = { livez: 'liveness', readyz: 'readiness', startupz: 'startup' };
