// Preloaded with `--import` by memory.mjs: on SIGUSR2, write the process's
// memory breakdown (process.memoryUsage and V8 heap spaces) as JSON to the
// file named by PODWARDEN_BENCH_MEMORY.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const out = process.env.PODWARDEN_BENCH_MEMORY;
if (out) {
  process.on('SIGUSR2', () => {
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
    writeFileSync(out, JSON.stringify({ usage: process.memoryUsage(), code: v8.getHeapCodeStatistics(), spaces }));
  });
}
