// Bundle an entry point (and every package it imports) into one ES module
// file with esbuild: the "bundle the CLI" lever, measured without touching src/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { packageOf } from './loaded-modules.mjs';

// ESM output needs `require` for the CommonJS packages that call it.
const banner = "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);";

/**
 * `ascii: true` keeps the output pure ASCII (esbuild escapes strings, but not
 * comments or regular-expression literals): V8 then holds the whole source as
 * a one-byte string instead of a two-byte one, half the memory.
 */
/**
 * `split: true` writes code-split chunks next to `outfile` (its directory is
 * the output directory): what the CLI imports lazily (the grpc check, probe,
 * validate) stays out of the file parsed at startup.
 */
export async function bundle({ root, entry, outfile, minify = false, external = [], ascii = false, split = false }) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: split ? { [basename(outfile, '.mjs')]: entry } : [entry],
    ...(split ? { outdir: dirname(outfile), splitting: true, outExtension: { '.js': '.mjs' } } : { outfile }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify,
    external,
    banner: { js: banner },
    logLevel: 'silent',
    metafile: true,
    legalComments: ascii ? 'none' : 'inline',
  });
  if (ascii) {
    const code = readFileSync(outfile, 'utf8');
    const escaped = code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(outfile, escaped);
  }
  const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  // What the bundle is made of, by package (bytes in the output, all chunks).
  const byPackage = new Map();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(join(root, input));
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput / 1024);
    }
  }
  const composition = [...byPackage].map(([pkg, kib]) => ({ package: pkg, kib })).sort((a, b) => b.kib - a.kib);
  return { outfile, kib: bytes / 1024, warnings: result.warnings.length, composition };
}
