// Fills the container image's compile cache (the Dockerfile's compile-cache
// stage): runs the CLI the way the image starts it, `serve` with a config file
// (as the chart runs it) holding an http, a tcp, a file and an exec check,
// until /readyz answers 200, and one `probe readyz`; then stops it with SIGINT,
// so Node writes the compiled code of everything those loaded to `compile-cache/`.
// Run it with the runtime image's Node as the runtime uid: Node keys the cache
// by its version, V8 flags and uid, and ignores a cache made by another.
//
//   node scripts/warm-compile-cache.mjs CLI CACHE_DIR [NODE_FLAG…]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [cli, cacheDir, ...nodeFlags] = process.argv.slice(2);
if (cli === undefined || cacheDir === undefined) {
  console.error('usage: node scripts/warm-compile-cache.mjs CLI CACHE_DIR [NODE_FLAG…]');
  process.exit(2);
}

/** A port nothing listens on (the build may share the host's network). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function readyStatus(port) {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', () => resolve(undefined)).on('timeout', function onTimeout() { this.destroy(); });
  });
}

const port = await freePort();
const configDir = mkdtempSync(join(tmpdir(), 'podwarden-warm-'));
const config = join(configDir, 'podwarden.yaml');
writeFileSync(
  config,
  [
    'services:',
    `  - { name: http, type: http, url: "http://127.0.0.1:${port}/livez", interval: 200ms }`,
    `  - { name: tcp, type: tcp, host: 127.0.0.1, port: ${port}, interval: 200ms }`,
    `  - { name: file, type: file, path: ${JSON.stringify(config)}, interval: 200ms }`,
    `  - { name: exec, type: exec, command: [${JSON.stringify(process.execPath)}, -e, "0"], interval: 200ms }`,
    '',
  ].join('\n'),
);
const serve = spawn(process.execPath, [...nodeFlags, cli, 'serve', '--config', config, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
const exited = new Promise((resolve) => serve.once('exit', (code, signal) => resolve(code ?? signal)));
const deadline = Date.now() + 30_000;
while ((await readyStatus(port)) !== 200) {
  if (Date.now() > deadline || serve.exitCode !== null) {
    serve.kill('SIGKILL');
    console.error(`warm-compile-cache: podwarden serve did not become ready on port ${port} (exit: ${String(await exited)})`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
execFileSync(process.execPath, [...nodeFlags, cli, 'probe', 'readyz'], { env: { ...process.env, PODWARDEN_PORT: String(port) }, stdio: 'inherit' });
serve.kill('SIGINT');
const code = await exited;
rmSync(configDir, { recursive: true, force: true });
if (code !== 130) {
  console.error(`warm-compile-cache: podwarden serve exited with ${String(code)} on SIGINT, not 130`);
  process.exit(1);
}

// Readable by every uid once copied into the image owned by root (Node writes its files 0600).
let files = 0;
let bytes = 0;
function openUp(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) openUp(path);
    else {
      chmodSync(path, 0o644);
      files += 1;
      bytes += statSync(path).size;
    }
  }
}
openUp(cacheDir);
if (files === 0) {
  console.error(`warm-compile-cache: Node wrote nothing to ${cacheDir} (is it writable by uid ${process.getuid()}?)`);
  process.exit(1);
}
console.log(`warm-compile-cache: ${files} files, ${Math.round(bytes / 1024)} KiB in ${cacheDir}`);
