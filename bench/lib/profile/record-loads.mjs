// Preloaded with `--import` by loaded-modules.mjs: registers load-recording
// hooks. Each ES module and CommonJS file loaded is appended to the file named
// by PODWARDEN_BENCH_LOADS as "<bytes> <url>".
import { register } from 'node:module';
import Module from 'node:module';
import { appendFileSync } from 'node:fs';

const out = process.env.PODWARDEN_BENCH_LOADS;
if (out) {
  register(new URL('./record-loads-hooks.mjs', import.meta.url), { data: { out } });
  const original = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    appendFileSync(out, `${Buffer.byteLength(content)} cjs:${filename}\n`);
    return original.call(this, content, filename);
  };
}
