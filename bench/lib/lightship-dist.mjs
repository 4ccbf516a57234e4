// lightship 7.3.0 (the last line that runs on Node 20) was published without
// its compiled dist/: the tarball holds only src/*.ts. Compile that src/ once,
// file by file (no bundling, so module loading matches a normal install), into
// the dist/ its package.json points at.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

export async function ensureLightshipDist(root) {
  const pkgDir = join(root, 'node_modules', 'lightship');
  const entry = join(pkgDir, 'dist', 'index.js');
  if (existsSync(entry)) return { ok: true, compiled: false };
  const srcDir = join(pkgDir, 'src');
  if (!existsSync(srcDir)) return { ok: false, reason: 'lightship is not installed (npm ci)' };
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  for (const file of walk(srcDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const out = join(pkgDir, 'dist', relative(srcDir, file)).replace(/\.ts$/, '.js');
    const { code } = await esbuild.transform(readFileSync(file, 'utf8'), {
      loader: 'ts', format: 'esm', target: 'node20', sourcefile: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  return { ok: existsSync(entry), compiled: true };
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}
