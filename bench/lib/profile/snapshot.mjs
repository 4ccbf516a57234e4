// The "V8 startup snapshot" lever on Node 20: bundle `serve` into one
// CommonJS file whose deserialize-main runs it, build a snapshot blob with
// `node --build-snapshot`, and start with `node --snapshot-blob`. Every module
// is then already loaded and evaluated when the process starts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export async function buildSnapshot({ root, dist, dir, node = process.execPath }) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'snapshot-entry.mjs');
  writeFileSync(entry, `
import v8 from 'node:v8';
import { runServe } from ${JSON.stringify(join(root, dist, 'cli', 'serve.js'))};
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const args = process.argv.slice(process.argv.indexOf('serve') + 1);
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, exit: (code) => process.exit(code) };
  runServe(args, io).then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
});
`);
  const bundled = join(dir, 'snapshot-bundle.cjs');
  await esbuild.build({
    entryPoints: [entry], outfile: bundled, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error',
    // Node 20's snapshot builder lacks the change-array-by-copy methods that node:http's own code uses.
    banner: { js: 'Array.prototype.toSorted ??= function toSorted(cmp) { return [...this].sort(cmp); };' },
  });
  const blob = join(dir, 'podwarden.blob');
  execFileSync(node, ['--snapshot-blob', blob, '--build-snapshot', bundled], { cwd: dir, stdio: 'pipe', timeout: 120000 });
  return { blob, bundled };
}
