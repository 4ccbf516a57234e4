// Where idle memory goes: RSS from /proc, split into V8 heap (by space),
// code and script source, array buffers and the rest (the binary, threads,
// malloc), after the server has settled.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, rssMiB, startProcess, waitForStatus } from '../proc.mjs';

const preload = fileURLToPath(new URL('./memory-preload.mjs', import.meta.url));
const mib = (b) => b / 1048576;

export async function memoryBreakdown({ command, readiness, root, core, settleMs = 1500 }) {
  const out = join(os.tmpdir(), `podwarden-mem-${process.pid}-${Date.now()}.json`);
  const port = await freePort();
  const { cmd, args } = command(port);
  const proc = startProcess({ cmd, args: ['--import', preload, ...args], core, cwd: root, env: { PODWARDEN_BENCH_MEMORY: out } });
  try {
    await waitForStatus(proc, `http://127.0.0.1:${port}${readiness}`);
    await sleep(settleMs);
    const rss = rssMiB(proc.pid);
    const threads = Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))[1]);
    proc.child.kill('SIGUSR2');
    for (let i = 0; i < 100 && !existsSync(out); i += 1) await sleep(20);
    await sleep(20);
    const m = JSON.parse(readFileSync(out, 'utf8'));
    return {
      rssMiB: rss,
      threads,
      heapUsedMiB: mib(m.usage.heapUsed),
      heapTotalMiB: mib(m.usage.heapTotal),
      externalMiB: mib(m.usage.external),
      bytecodeMiB: mib(m.code.bytecode_and_metadata_size),
      machineCodeMiB: mib(m.code.code_and_metadata_size),
      scriptSourceMiB: mib(m.code.external_script_source_size),
      spacesMiB: Object.fromEntries(Object.entries(m.spaces).map(([k, v]) => [k, mib(v)])),
      outsideHeapMiB: rss - mib(m.usage.heapTotal) - mib(m.usage.external),
    };
  } finally {
    await proc.kill('SIGKILL');
    rmSync(out, { force: true });
  }
}
