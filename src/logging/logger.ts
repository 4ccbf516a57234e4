import { type DestinationStream, type Logger, pino } from 'pino';
import { podwardenError } from '../errors.js';

/** pino's levels podwarden accepts, most severe first; `silent` logs nothing. */
export const logLevelNames = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level. */
export type LogLevelName = (typeof logLevelNames)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptionsInput {
  /** Default `info`. */
  readonly level?: LogLevelName;
  /** Where JSON lines go (default: stdout, written synchronously so nothing is lost at exit). */
  readonly destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line: `time` in ISO 8601, `level`
 * as its name, and `msg`. Lifecycle logs are rare, so stdout is written
 * synchronously: a line logged right before `process.exit` is never lost.
 */
export function createLogger(options: LoggerOptionsInput = {}): Logger {
  const level = options.level ?? 'info';
  if (!logLevelNames.includes(level)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'log.level', `${JSON.stringify(level)} is not one of ${logLevelNames.join(', ')}`);
  }
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
