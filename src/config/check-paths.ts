import { drainDefaults } from '../defaults.js';
import type { ConfigProblem } from './format-issues.js';
import type { PodwardenConfig } from './schema.js';
import { access, constants, stat } from '../runtime/files.js';

/** What {@link checkPaths} found on this machine's filesystem. */
export interface PathFindings {
  /** Files `serve` needs and cannot use: the service (or `/drain`) would fail. */
  readonly problems: ConfigProblem[];
  /** Files that may legitimately appear later (a `file` check's `path`). */
  readonly warnings: ConfigProblem[];
  /** Every config key whose file was looked for, in config order. */
  readonly checked: string[];
}

/** One file to look for: where it is named, what it is for, and what happens without it. */
interface PathCheck {
  readonly key: string;
  readonly file: string;
  /** A regular file that podwarden reads, or any entry that need only exist (a `file` check). */
  readonly kind: 'read' | 'exists';
  readonly consequence: string;
  readonly warning?: boolean;
}

const relativeHint = 'relative paths are resolved against the config file\'s folder';

/**
 * The files `serve` will need, from a resolved config (paths already
 * absolute): each `module`, each file check's `path`, each `tls.ca` that is a
 * path, and `drain.tokenFile` when it is not the default and no token was
 * found. A missing default token file is not looked for: `serve` then runs
 * without a token, which is the documented default.
 */
function pathsOf(config: PodwardenConfig): PathCheck[] {
  const checks: PathCheck[] = [];
  config.services.forEach((spec, i) => {
    const at = `services[${i}]`;
    if (spec.type === 'module') {
      checks.push({ key: `${at}.module`, file: spec.module, kind: 'read', consequence: `serve would fail service "${spec.name}"` });
    } else if (spec.type === 'file') {
      checks.push({ key: `${at}.path`, file: spec.path, kind: 'exists', consequence: `check "${spec.name}" stays not ready until it appears`, warning: true });
    } else if (spec.type === 'http' || spec.type === 'grpc') {
      const ca = typeof spec.tls === 'object' ? spec.tls.ca : undefined;
      if (ca !== undefined && !ca.includes('-----BEGIN')) {
        checks.push({ key: `${at}.tls.ca`, file: ca, kind: 'read', consequence: `serve would fail check "${spec.name}"` });
      }
    }
  });
  if (config.drain.token === undefined && config.drain.tokenFile !== drainDefaults.tokenFile) {
    const consequence = config.drain.allowUnauthenticated ? 'serve would run without a token and accept /drain from anyone' : 'serve would run without a token and refuse every /drain call (403)';
    checks.push({ key: 'drain.tokenFile', file: config.drain.tokenFile, kind: 'read', consequence });
  }
  return checks;
}

/** Why `file` cannot be used, or undefined when it can. */
async function whyUnusable(check: PathCheck): Promise<string | undefined> {
  try {
    const stats = await stat(check.file);
    if (check.kind === 'exists') return undefined;
    if (stats.isDirectory()) return 'is a directory';
    await access(check.file, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'is not readable by this user';
    return `cannot be read (${code ?? 'error'})`;
  }
}

/**
 * Look for the files a config names, on this machine's filesystem (which may
 * not be the pod's). Used by `podwarden validate`; `serve` finds these out
 * when the service starts.
 */
export async function checkPaths(config: PodwardenConfig): Promise<PathFindings> {
  const checks = pathsOf(config);
  const findings: PathFindings = { problems: [], warnings: [], checked: checks.map((c) => c.key) };
  const reasons = await Promise.all(checks.map(whyUnusable));
  checks.forEach((check, i) => {
    const why = reasons[i];
    if (why === undefined) return;
    const fix = why !== 'does not exist' ? 'make it a file readable by the user podwarden runs as' : `${check.warning ? 'fix the path if nothing else creates the file' : 'fix the path or add the file'} (${relativeHint})`;
    const problem = { path: check.key, message: `${check.file} ${why} on this machine: ${check.consequence}; ${fix}` };
    (check.warning ? findings.warnings : findings.problems).push(problem);
  });
  return findings;
}
