// Bundles the `podwarden` CLI into dist/cli/main.js (over tsc's output) with
// one chunk per lazily imported part (the router, the check types, the other
// commands). One file instead of ~600 saves the module loader's per-file work
// at every start; see docs/performance.md. The library (dist/index.js) stays
// tsc's unbundled output.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

/**
 * prom-client's index also loads its Pushgateway (https, zlib) and cluster
 * aggregator (cluster, child_process, dgram): ~2 MiB of Node built-ins the CLI
 * never uses. The bundle takes the three parts podwarden uses from their
 * modules; a test compares the CLI's exposition with the library's.
 */
const promClientParts = {
  name: 'prom-client-parts',
  setup(build) {
    build.onResolve({ filter: /^prom-client$/ }, () => ({ path: 'prom-client', namespace: 'prom-client-parts' }));
    build.onLoad({ filter: /.*/, namespace: 'prom-client-parts' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: [
        "import Registry from 'prom-client/lib/registry.js';",
        "import Gauge from 'prom-client/lib/gauge.js';",
        "import collectDefaultMetrics from 'prom-client/lib/defaultMetrics.js';",
        'export { Registry, Gauge, collectDefaultMetrics };',
      ].join('\n'),
    }));
  },
};

/**
 * prom-client requires `@opentelemetry/api` at load for one thing: exemplars
 * on its CPU counter, which podwarden never turns on. Bundled, that is 48 KiB
 * of OpenTelemetry evaluated at every start; the CLI's prom-client gets a
 * module with no active span instead (exemplars, if ever on, would carry no
 * trace ids). podwarden's own tracing imports the real API.
 */
const promClientWithoutOtel = {
  name: 'prom-client-without-otel',
  setup(build) {
    build.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
      /[\\/]node_modules[\\/]prom-client[\\/]/.test(args.importer) ? { path: 'exemplars-off', namespace: 'prom-client-without-otel' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'prom-client-without-otel' }, () => ({ loader: 'js', contents: 'module.exports = { trace: { getSpan() {} }, context: { active() {} } };' }));
  },
};

/**
 * Two of pino's dependencies load Node built-ins the CLI's logger never uses.
 * `thread-stream` (with `node:assert` and `node:worker_threads`) runs pino
 * transports in a worker; podwarden writes to stdout with `pino.destination`
 * and never asks for a transport, so the CLI's copy throws if one is asked
 * for. `sonic-boom` requires `node:assert` (on Node 24, 2-6 ms to load) for
 * one check of a file descriptor; the CLI's copy gets a plain function that
 * throws the same message. A test reads `process.moduleLoadList`.
 */
const pinoWithoutUnusedBuiltins = {
  name: 'pino-without-unused-builtins',
  setup(build) {
    const fromPino = (importer) => /[\\/]node_modules[\\/](pino|sonic-boom)[\\/]/.test(importer);
    build.onResolve({ filter: /^(thread-stream|assert)$/ }, (args) => (fromPino(args.importer) ? { path: args.path, namespace: 'pino-without-unused-builtins' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'pino-without-unused-builtins' }, (args) => ({
      loader: 'js',
      contents:
        args.path === 'assert'
          ? 'function assert(value, message) { if (!value) throw new Error(message); }\nassert.ok = assert;\nmodule.exports = assert;'
          : "module.exports = class ThreadStream { constructor() { throw new Error('pino transports are not part of the podwarden CLI: log to stdout'); } };",
    }));
  },
};

/** `require` for the CommonJS dependencies, which call it for Node's built-ins. */
const requireBanner = "import { createRequire as __podwardenRequire } from 'node:module';\nconst require = __podwardenRequire(import.meta.url);";

/**
 * esbuild puts the banner in every chunk; most never call `require`, and each
 * import of `node:module` and `createRequire` call is ~0.2 ms of a start.
 */
const withoutUnusedBanner = (text) => {
  // After main.js's shebang line, if any.
  const at = text.indexOf(requireBanner);
  const rest = text.slice(at + requireBanner.length);
  // `require` as a name, not in `--require` or a property: only a name needs the binding.
  return at >= 0 && !/(?<![-.\w$"'])require\b/.test(rest) ? text.slice(0, at) + rest.replace(/^\n/, '') : text;
};

// Chunk names carry a content hash: drop the previous build's.
rmSync(new URL('dist/cli/chunks', new URL('..', import.meta.url)), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Non-ASCII source makes V8 keep the bundle as two-byte strings: twice the memory.
  charset: 'ascii',
  legalComments: 'none',
  // They load their .proto files from their package folders at run time; grpc checks import them lazily.
  external: ['@grpc/grpc-js', 'grpc-health-check'],
  // The CommonJS dependencies call require() for Node's built-ins.
  banner: { js: requireBanner },
  plugins: [promClientParts, promClientWithoutOtel, pinoWithoutUnusedBuiltins],
  logLevel: 'warning',
  write: false,
});

// esbuild leaves comments and regular-expression literals as written, and one
// non-ASCII character makes V8 hold a whole chunk's source as a two-byte
// string (twice the memory). \uXXXX means the same in strings, templates and
// regular expressions, and is harmless in comments.
const toAscii = (text) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, toAscii(withoutUnusedBanner(file.text)));
}
// The `podwarden` bin: tsc wrote main.js first, without the executable bit.
chmodSync(new URL('dist/cli/main.js', new URL('..', import.meta.url)), 0o755);
