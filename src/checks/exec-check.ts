import { spawn } from 'node:child_process';
import type { BackgroundService } from '../core/background-service.js';
import type { ExecServiceSpec } from '../config/schema.js';
import { drainTokenEnv } from '../config/env-overrides.js';
import { redacted } from '../config/redact.js';
import type { CheckResults } from './check-result.js';
import { periodicCheck } from './periodic-check.js';

/** How much of the command's stderr a failure reason quotes. */
const stderrTail = 300;

/** Process groups of attempts in flight, killed if podwarden exits abruptly (e.g. at its hard deadline). */
const running = new Set<number>();
let exitHookInstalled = false;

function track(pgid: number | undefined): void {
  if (pgid === undefined) return;
  running.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of running) killGroup(group);
  });
}

/** SIGKILL the whole process group; a group already gone is fine. */
function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Values of `env` at least this long are withheld from failure reasons (shorter ones would blank out ordinary words). */
const minSecretLength = 4;

/** `text` with every occurrence of a secret replaced by `[redacted]`. */
function withhold(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(redacted);
  return out;
}

/**
 * An `exec` check: run `command` (no shell) in its own process group; success
 * on `expectExitCode`. When the attempt times out or the service stops, the
 * whole group is killed with SIGKILL; when the command exits, whatever it
 * left running in its group is killed too, so no process outlives an
 * attempt, nor podwarden itself. A process that leaves the group itself
 * (`setsid`) escapes this.
 * The command inherits podwarden's environment without the drain token,
 * plus `env`. Failure reasons quote the end of stderr, with the values of
 * `env` (secrets, like header values) replaced by `[redacted]`.
 */
export function execCheck(spec: ExecServiceSpec, results: CheckResults): BackgroundService {
  const [file, ...args] = spec.command as [string, ...string[]];
  return periodicCheck({
    ...spec,
    results,
    setup() {
      const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
      const secrets = Object.values(spec.env).filter((value) => value.length >= minSecretLength);
      delete env[drainTokenEnv];
      return {
        attempt: (signal) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(file, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env });
            const pgid = child.pid;
            track(pgid);
            let stderr = '';
            let spawnError: Error | undefined;
            const onAbort = () => killGroup(pgid);
            signal.addEventListener('abort', onAbort, { once: true });
            child.stderr?.setEncoding('utf8');
            child.stderr?.on('data', (chunk: string) => {
              stderr = (stderr + chunk).slice(-4 * stderrTail);
            });
            child.on('error', (err) => {
              spawnError = err;
            });
            // Kill leftovers as soon as the leader exits: they may hold stderr open.
            child.on('exit', () => killGroup(pgid));
            child.on('close', (code, sig) => {
              signal.removeEventListener('abort', onAbort);
              killGroup(pgid);
              if (pgid !== undefined) running.delete(pgid);
              if (spawnError) {
                const e = spawnError as NodeJS.ErrnoException;
                reject(new Error(`cannot run ${file}: ${e.code ?? e.message}`));
              } else if (code === spec.expectExitCode) {
                resolve();
              } else {
                const tail = withhold(stderr.trim().split('\n').slice(-3).join(' | '), secrets).slice(-stderrTail);
                const how = sig ? `killed by ${sig}` : `exit code ${String(code)}, expected ${spec.expectExitCode}`;
                reject(new Error(tail ? `${how}: ${tail}` : how));
              }
            });
          }),
      };
    },
  });
}
