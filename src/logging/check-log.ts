import type { Logger } from 'pino';
import type { CheckResult, CheckResults } from '../checks/check-result.js';
import { formatDuration } from '../core/duration.js';
import { logDefaults } from '../defaults.js';

interface Failing {
  /** Failed attempts since the check last passed. */
  total: number;
  /** Failed attempts since the last line about them. */
  unlogged: number;
  lastLineAt: number;
}

/**
 * Say why a check fails, at the default level: its first failure at `warn`
 * with the error (`check app failed: connect ECONNREFUSED 127.0.0.1:8080`),
 * then at most one line per `repeatInterval` while it keeps failing, and
 * `info` once it passes again. A check failing every second costs a counter,
 * not a line per attempt. Returns the function that unsubscribes.
 */
export function logCheckFailures(results: CheckResults, logger: Logger, repeatInterval: number = logDefaults.repeatInterval): () => void {
  const failing = new Map<string, Failing>();
  const fields = (result: CheckResult, extra: object) => ({ event: 'check-failed', service: result.name, type: result.type, durationMs: Math.round(result.durationMs), error: result.error, ...extra });
  return results.on((result) => {
    const entry = failing.get(result.name);
    const at = result.at.mono;
    if (result.ok) {
      if (entry === undefined) return;
      failing.delete(result.name);
      logger.info(
        { event: 'check-recovered', service: result.name, type: result.type, failedAttempts: entry.total },
        `check ${result.name} passes again after ${entry.total} failed ${entry.total === 1 ? 'attempt' : 'attempts'}`,
      );
      return;
    }
    if (entry === undefined) {
      failing.set(result.name, { total: 1, unlogged: 0, lastLineAt: at });
      logger.warn(fields(result, { failedAttempts: 1 }), `check ${result.name} failed: ${result.error ?? 'no reason given'}`);
      return;
    }
    entry.total++;
    entry.unlogged++;
    if (at - entry.lastLineAt < repeatInterval) return;
    logger.warn(
      fields(result, { failedAttempts: entry.total }),
      `check ${result.name} still failing: ${entry.unlogged} more failed ${entry.unlogged === 1 ? 'attempt' : 'attempts'} in ${formatDuration(Math.round(at - entry.lastLineAt))}, the latest: ${result.error ?? 'no reason given'}`,
    );
    entry.unlogged = 0;
    entry.lastLineAt = at;
  });
}
