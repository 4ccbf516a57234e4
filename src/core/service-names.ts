/**
 * What a service may be called. Names appear in probe URLs
 * (`/readyz/<name>`), metric labels and logs, so they are kept to a safe
 * alphabet; the runner, the config schema and `podwarden probe` all check
 * them against {@link serviceNamePattern}.
 */
export const serviceNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** {@link serviceNamePattern} in words, for messages. */
export const serviceNameRule = '1–63 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** The name of the HTTP layer's own service: the health server itself (its listener and event loop). */
export const selfServiceName = 'podwarden';

/** The name of the built-in check that fails `/readyz` once the server drains; it shows the phase on `/livez`. */
export const shutdownCheckName = 'shutdown';

/** Names podwarden uses for its own services and checks; a configured service may not take them. */
export const reservedServiceNames: readonly string[] = [selfServiceName, shutdownCheckName];
