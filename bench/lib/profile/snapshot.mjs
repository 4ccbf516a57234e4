// The "V8 startup snapshot" lever: bundle `serve` (tsc's dist/) into one
// CommonJS script whose deserialize-main runs it, evaluate that into a blob
// with `node --build-snapshot`, and start with `node --snapshot-blob BLOB --
// serve`: every module of `serve` (zod and the config schema, pino,
// prom-client, podwarden's own) is then already loaded and evaluated.
//
// What the snapshot needs from the code: nothing on the way to `serve` may
// load node:http at import (its parser binding holds a native handle V8
// cannot serialize: "global handle not serialized … #HTTPParser"), so the
// health listener loads it when it makes the server. What this script
// works around, and the CLI would have to handle to ship it: prom-client's
// default metrics read the process start time as their module loads (here
// they load at first collection); a script compiled into a snapshot has no
// import() ("A dynamic import callback was not specified"), so a module
// service or a grpc check would need vm's default loader.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** prom-client's registry and Gauge, and its default metrics loaded on first use (see above). */
function promClientParts(root) {
  return {
    name: 'prom-client-parts',
    setup(build) {
      build.onResolve({ filter: /^prom-client$/ }, () => ({ path: 'prom-client', namespace: 'prom-client-parts' }));
      build.onLoad({ filter: /.*/, namespace: 'prom-client-parts' }, () => ({
        resolveDir: root,
        loader: 'js',
        contents: [
          "import Registry from 'prom-client/lib/registry.js';",
          "import Gauge from 'prom-client/lib/gauge.js';",
          "const collectDefaultMetrics = (...args) => require('prom-client/lib/defaultMetrics.js')(...args);",
          'export { Registry, Gauge, collectDefaultMetrics };',
        ].join('\n'),
      }));
    },
  };
}

/**
 * Build the blob of `dist`'s `serve` for `node` into `dir`. The V8 flags the
 * blob runs with must be given here too (Node 20 refuses a blob built
 * without them). Returns the blob's path and how long building it took.
 */
export async function buildSnapshot({ root, dist, dir, node = process.execPath, nodeFlags = [] }) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'snapshot-entry.mjs');
  writeFileSync(entry, `
import v8 from 'node:v8';
import { runServe } from ${JSON.stringify(join(root, dist, 'cli', 'serve.js'))};
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, exit: (code) => process.exit(code) };
  runServe(process.argv.slice(process.argv.indexOf('serve') + 1), io).then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
});
`);
  const bundled = join(dir, 'snapshot-bundle.cjs');
  await esbuild.build({
    entryPoints: [entry], outfile: bundled, bundle: true, platform: 'node', format: 'cjs', target: 'node20', charset: 'ascii', legalComments: 'none',
    external: ['@grpc/grpc-js', 'grpc-health-check'], plugins: [promClientParts(root)], logLevel: 'error',
  });
  const blob = join(dir, 'podwarden.blob');
  const t0 = performance.now();
  // Warnings about built-ins "not yet fully verified" in snapshots go to stderr; a failure throws with them.
  execFileSync(node, [...nodeFlags, '--snapshot-blob', blob, '--build-snapshot', bundled], { cwd: dir, stdio: 'pipe', timeout: 120000 });
  const buildMs = performance.now() - t0;
  // The fixed cost of any user snapshot: one of a script that does nothing, to start node:http from.
  const emptyEntry = join(dir, 'empty.cjs');
  writeFileSync(emptyEntry, '// nothing: the blob holds Node\'s own start-up state only\n');
  const emptyBlob = join(dir, 'empty.blob');
  execFileSync(node, ['--snapshot-blob', emptyBlob, '--build-snapshot', emptyEntry], { cwd: dir, stdio: 'pipe', timeout: 120000 });
  return { blob, emptyBlob, buildMs };
}

/**
 * The variants the profile compares on one Node: bare node:http (also started
 * from a blob that holds nothing of its own), the CLI as shipped, the CLI
 * with a warm compile cache (Node >= 22.1), and `serve` from the blob; every
 * podwarden variant with the shebang's flags.
 */
export function snapshotVariants({ node, tag, blob, emptyBlob, cli, cliFlags, nodeHttp, compileCache }) {
  const base = `node-http${tag}`;
  const port = (p) => ['--port', String(p)];
  const serve = (p) => ['serve', ...port(p)];
  return [
    { name: base, label: 'bare node:http', node, entry: nodeHttp, args: port, readiness: '/readyz', base },
    { name: `node-http+empty-blob${tag}`, label: 'bare node:http from an empty user snapshot', node, nodeFlags: ['--snapshot-blob', emptyBlob], entry: nodeHttp, args: port, readiness: '/readyz', base },
    { name: `podwarden${tag}`, label: 'dist/cli/main.js as shipped', node, nodeFlags: cliFlags, entry: cli, args: serve, readiness: '/readyz', base },
    ...(compileCache
      ? [{ name: `podwarden+cc${tag}`, label: 'dist/cli/main.js, warm NODE_COMPILE_CACHE', node, nodeFlags: cliFlags, entry: cli, args: serve, env: { NODE_COMPILE_CACHE: compileCache }, readiness: '/readyz', base }]
      : []),
    { name: `snapshot${tag}`, label: '`node --snapshot-blob podwarden.blob -- serve`', node, nodeFlags: [...cliFlags, '--snapshot-blob', blob], entry: '--', args: serve, readiness: '/readyz', base },
  ];
}
