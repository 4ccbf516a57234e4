// Bundle an entry point (and every package it imports) into one ES module
// file with esbuild: the "bundle the CLI" lever, measured without touching src/.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// ESM output needs `require` for the CommonJS packages that call it.
const banner = "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);";

export async function bundle({ root, entry, outfile, minify = false, external = [] }) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify,
    external,
    banner: { js: banner },
    logLevel: 'silent',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outfile, kib: bytes / 1024, warnings: result.warnings.length };
}
