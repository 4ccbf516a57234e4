/** pino's levels podwarden accepts, most severe first; `silent` logs nothing. The logger and the config schema read this list. */
export const logLevelNames = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level. */
export type LogLevelName = (typeof logLevelNames)[number];
