import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync } from '../runtime/files.js';

/**
 * Where the container image keeps Node's compile cache: `compile-cache/` next
 * to `dist/` (`/app/compile-cache`), written at image build time by the
 * image's own Node binary, so that every container compiles nothing it has
 * compiled before (see docs/container.md). Nothing else creates it.
 */
const imageCacheDir = new URL('../../compile-cache', import.meta.url);

/** `module.enableCompileCache`, which Node 20 lacks (Node ≥ 22.1). */
type EnableCompileCache = (dir: string) => unknown;

/**
 * Turns on Node's compile cache when the image's cache directory exists, for
 * everything the CLI imports from here on (the command chunks). Silent either
 * way: a cache Node cannot use (another Node version, another uid) or cannot
 * write to (a read-only root filesystem) only means compiling as usual.
 */
export function useImageCompileCache(): void {
  const enable = (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (enable === undefined || !existsSync(imageCacheDir)) return;
  enable(fileURLToPath(imageCacheDir));
}
