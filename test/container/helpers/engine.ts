import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root: the scripts run from there. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The image the container tests build and run (never the `make image` tag). */
export const testImage = process.env.PODWARDEN_TEST_IMAGE ?? 'podwarden:test';

/**
 * Use a Docker engine for this test file: the one DOCKER_HOST (or the client's
 * default) reaches, else the private dockerd of scripts/docker-engine.sh,
 * started if needed. The last file to release an engine it started stops it.
 * Ryuk's image cannot be pulled, so the tests stop their containers themselves.
 */
export function acquireEngine(lease: string): void {
  const host = execFileSync('bash', ['scripts/docker-engine.sh', 'acquire', lease, String(process.pid)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (host !== '') process.env.DOCKER_HOST = host;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}

/** Done with the engine (see {@link acquireEngine}). */
export function releaseEngine(lease: string): void {
  execFileSync('bash', ['scripts/docker-engine.sh', 'release', lease], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Build {@link testImage} from the working tree with `scripts/build-image.sh`
 * (local base images, BuildKit layer cache: a few seconds when nothing changed).
 * Test files build one at a time and share the result.
 */
export async function buildImage(): Promise<string> {
  try {
    await run('bash', ['scripts/build-image.sh'], {
      cwd: repoRoot,
      env: { ...process.env, IMAGE: testImage },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`building ${testImage} failed:\n${(e.stderr ?? e.message).split('\n').slice(-40).join('\n')}`, { cause: err });
  }
  return testImage;
}
