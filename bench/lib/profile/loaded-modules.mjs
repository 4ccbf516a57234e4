// Which files a command loads before it is ready, grouped by package.
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, waitForStatus, freePort } from '../proc.mjs';

const preload = fileURLToPath(new URL('./record-loads.mjs', import.meta.url));

export function packageOf(file) {
  if (file.startsWith('node:internal/modules/')) return 'node: module loader';
  if (file.startsWith('node:')) return 'node: other internals';
  const path = file.replace(/^(esm|cjs):/, '').replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  // podwarden's own files: "dist/http" for …/dist/http/x.js (also a dist built elsewhere).
  const at = Math.max(path.lastIndexOf('/dist/'), path.lastIndexOf('/src/'));
  if (at >= 0) {
    const [top, sub, file] = path.slice(at + 1).split('/');
    return file === undefined ? top : `${top}/${sub}`;
  }
  return path.includes('/bench/') ? 'bench' : path;
}

/** Start `command(port)`, wait for `readiness`, and return the files it loaded. */
export async function loadedModules({ command, readiness, root, core }) {
  const out = join(os.tmpdir(), `podwarden-loads-${process.pid}-${Date.now()}.txt`);
  const port = await freePort();
  const { cmd, args } = command(port);
  const proc = startProcess({
    cmd, args: ['--import', preload, ...args], core, cwd: root, env: { PODWARDEN_BENCH_LOADS: out },
  });
  try {
    await waitForStatus(proc, `http://127.0.0.1:${port}${readiness}`);
  } finally {
    await proc.kill('SIGKILL');
  }
  const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean);
  rmSync(out, { force: true });
  const byPackage = new Map();
  for (const line of lines) {
    const [bytes, file] = [Number(line.slice(0, line.indexOf(' '))), line.slice(line.indexOf(' ') + 1)];
    if (file.includes('/bench/lib/profile/')) continue;
    const pkg = packageOf(file);
    const row = byPackage.get(pkg) ?? { files: 0, kib: 0 };
    row.files += 1;
    row.kib += bytes / 1024;
    byPackage.set(pkg, row);
  }
  const rows = [...byPackage].map(([pkg, v]) => ({ package: pkg, ...v })).sort((a, b) => b.kib - a.kib);
  return { files: rows.reduce((a, r) => a + r.files, 0), kib: rows.reduce((a, r) => a + r.kib, 0), rows };
}
