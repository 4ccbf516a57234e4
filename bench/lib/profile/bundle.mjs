// Bundle an entry point (and every package it imports) into one ES module
// file with esbuild: the "bundle the CLI" lever, measured without touching src/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// ESM output needs `require` for the CommonJS packages that call it.
const banner = "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);";

/**
 * `ascii: true` keeps the output pure ASCII (esbuild escapes strings, but not
 * comments or regular-expression literals): V8 then holds the whole source as
 * a one-byte string instead of a two-byte one, half the memory.
 */
export async function bundle({ root, entry, outfile, minify = false, external = [], ascii = false }) {
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
    legalComments: ascii ? 'none' : 'inline',
  });
  if (ascii) {
    const code = readFileSync(outfile, 'utf8');
    const escaped = code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(outfile, escaped);
  }
  const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outfile, kib: bytes / 1024, warnings: result.warnings.length };
}
