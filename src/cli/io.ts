import { isPodwardenError } from '../errors.js';

/** What a CLI command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

/**
 * An error as the CLI prints it: the message, then, for podwarden's own
 * errors, a `code:` line with the `PODWARDEN_ERR_*` code docs/errors.md lists
 * (what scripts and alerts match on).
 */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return isPodwardenError(err) ? `${message}\ncode: ${err.code}\n` : `${message}\n`;
}

/** Exit codes of the `podwarden` CLI. */
export const exitCodes = {
  /** Clean exit; probe passed. */
  ok: 0,
  /** A service failed or overran, the hard deadline passed, the listener could not bind; probe failed. */
  failure: 1,
  /** Bad config or usage. */
  usage: 2,
  /** Stopped by SIGINT. */
  sigint: 130,
} as const;
