/**
 * The built-in modules a sidecar's startup loads after the last import: the
 * health listener's `node:http`, and `node:cluster`, which `listen()` loads on
 * its first call.
 */
const startupBuiltins = ['node:http', 'node:cluster'] as const;

/** `node --allocation-site-pretenuring`, as V8 spells it either way. */
const keepOn = /^--allocation[-_]site[-_]pretenuring$/;

/** `module.flushCompileCache`, which Node 20 lacks (Node ≥ 22.10). */
type FlushCompileCache = () => void;

/**
 * Turn off V8's allocation-site pretenuring for the rest of the process. With
 * it, many checks made V8 place request objects straight in the old
 * generation, doubling the CPU a probe costs (docs/performance.md, "Allocation-site
 * pretenuring").
 *
 * Why at run time and not as `--no-allocation-site-pretenuring` on the command
 * line: any V8 flag that is not a default changes V8's flag hash, and V8 then
 * rejects the code cache Node ships for its own modules, so every built-in
 * compiles from source (about 20 ms of a sidecar's start on a 2-core machine).
 * Set here, once the built-ins the sidecar's startup needs are loaded, the
 * flag costs the embedded default and http, tcp, exec and file checks nothing
 * (`node:cluster` brings `node:child_process`); a check type that needs
 * another built-in (`node:tls` for https, `node:dns` for dns, grpc's) compiles
 * it from source when its first service starts, a few milliseconds once. Call it before any service starts,
 * so that no allocation site is tenured first. Node's compile cache is written
 * out first: what it holds so far was compiled under the old hash and must be
 * saved with it (Node 22.1–22.9 cannot flush, and with `NODE_COMPILE_CACHE`
 * set save those entries under the new hash, which the next start rejects).
 * `node --allocation-site-pretenuring` keeps it on (to measure the difference).
 */
export function turnOffPretenuring(): void {
  if (process.execArgv.some((flag) => keepOn.test(flag))) return;
  for (const name of startupBuiltins) process.getBuiltinModule(name);
  (process.getBuiltinModule('node:module') as { flushCompileCache?: FlushCompileCache }).flushCompileCache?.();
  process.getBuiltinModule('node:v8').setFlagsFromString('--no-allocation-site-pretenuring');
}
