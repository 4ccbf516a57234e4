#!/usr/bin/env node
// Writes docs/config.md from the config schema (src/config/schema.ts), rendered by scripts/config-reference.ts.
//   node scripts/gen-config-reference.mjs           write the file
//   node scripts/gen-config-reference.mjs --check   exit 1 when the file is out of date
//   node scripts/gen-config-reference.mjs --stdout  print it
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'config.md');

// Compile the renderer from the TypeScript source, so no full build is needed.
const outDir = join(root, 'node_modules', '.cache', 'podwarden');
const outFile = join(outDir, `config-reference-${process.pid}.mjs`);
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(root, 'scripts', 'config-reference.ts')],
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: outFile,
  logLevel: 'error',
});
let text;
try {
  const { renderConfigReference } = await import(pathToFileURL(outFile).href);
  text = renderConfigReference();
} finally {
  rmSync(outFile, { force: true });
}

const mode = process.argv[2];
if (mode === '--stdout') {
  process.stdout.write(text);
} else if (mode === '--check') {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    process.stderr.write('docs/config.md is out of date; run: node scripts/gen-config-reference.mjs\n');
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
