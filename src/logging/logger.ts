import { type DestinationStream, type Logger, pino } from 'pino';
import { logDefaults } from '../defaults.js';
import { podwardenError } from '../errors.js';
import { type LogLevelName, logLevelNames } from './log-levels.js';

export { type LogLevelName, logLevelNames };

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
  const level = options.level ?? logDefaults.level;
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
