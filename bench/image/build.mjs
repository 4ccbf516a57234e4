// Build the two images of the `image` figure on one runtime base: podwarden's
// with the repository's own script (scripts/build-image.sh, as `make image`),
// the bare node:http one from bench/image/Dockerfile with the same base
// images, then check that both really sit on that runtime base.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchLabel, docker, lastErrorLines, tags } from './docker.mjs';

const execFileAsync = promisify(execFile);

/** `ARG NAME=value` of a Dockerfile, or `--build-arg NAME=value` of a script. */
function argIn(file, name, pattern) {
  const m = pattern.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file} no longer names ${name} where the image figure looks for it (${pattern}); update bench/image/build.mjs`);
  return m[1];
}

/**
 * The base images build-image.sh passes for `BASE=local`, or the Dockerfile's
 * defaults for `BASE=upstream`.
 */
export function baseImages(root, base) {
  if (base === 'upstream') {
    const file = join(root, 'Dockerfile');
    return {
      build: argIn(file, 'BUILD_IMAGE', /^ARG BUILD_IMAGE=(\S+)/m),
      runtime: argIn(file, 'RUNTIME_IMAGE', /^ARG RUNTIME_IMAGE=(\S+)/m),
    };
  }
  const file = join(root, 'scripts', 'build-image.sh');
  return {
    build: argIn(file, 'BUILD_IMAGE', /--build-arg BUILD_IMAGE=([^\s)]+)/),
    runtime: argIn(file, 'RUNTIME_IMAGE', /--build-arg RUNTIME_IMAGE=([^\s)]+)/),
  };
}

async function layers(image) {
  return JSON.parse(await docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image]));
}

/**
 * Build both images; resolves with the runtime base, its Node version and the
 * build times. Throws with the build's last lines when a build fails, or when
 * an image does not start with the runtime base's layers.
 */
export async function buildImages(root, base, log) {
  const bases = baseImages(root, base);
  const t0 = Date.now();
  try {
    await execFileAsync('bash', ['scripts/build-image.sh'], {
      cwd: root,
      env: { ...process.env, IMAGE: tags.podwarden, BASE: base },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`scripts/build-image.sh (IMAGE=${tags.podwarden} BASE=${base}) failed: ${lastErrorLines(error.stderr || error.message)}`, { cause: error });
  }
  const t1 = Date.now();
  await docker([
    'build', '--network', 'host', '-q',
    '--build-arg', `BUILD_IMAGE=${bases.build}`, '--build-arg', `RUNTIME_IMAGE=${bases.runtime}`,
    '-f', join(root, 'bench', 'image', 'Dockerfile'), '-t', tags.bare, join(root, 'bench', 'servers'),
  ], { timeoutMs: 600_000 });
  const t2 = Date.now();
  log(`  built ${tags.podwarden} (scripts/build-image.sh, BASE=${base}) in ${((t1 - t0) / 1000).toFixed(1)} s and ${tags.bare} in ${((t2 - t1) / 1000).toFixed(1)} s, both on ${bases.runtime}`);

  const baseLayers = await layers(bases.runtime);
  for (const image of [tags.podwarden, tags.bare]) {
    const own = await layers(image);
    if (!baseLayers.every((layer, i) => own[i] === layer)) {
      throw new Error(`${image} is not built on ${bases.runtime} (its first layers differ): the two images would not share a runtime`);
    }
  }
  const node = await docker(['run', '--rm', '--network', 'host', '--label', `${benchLabel}=${process.pid}`, '--entrypoint', '/nodejs/bin/node', bases.runtime, '--version']);
  return { runtime: bases.runtime, node };
}
