import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedTestContainer } from 'testcontainers';
import { blockPort } from '../helpers/ports.js';
import { repoRoot, testImage } from './helpers/engine.js';
import { PodwardenContainer, execNode, get, inspect, nodeBin, processes, removeContainer, setUpPodwardenContainer, waitForStatus } from './helpers/podwarden-container.js';

// The Node major of the image (scripts/base-images.sh, the Dockerfile's distroless default).
const imageNodeMajor = 24;

// A gRPC server on the host network for the image's grpc check: its packages are
// optional peer dependencies of the npm package, which the image carries.
const health = new HealthImplementation({ '': 'SERVING' });
const grpcServer = new grpc.Server();
let grpcPort = 0;
beforeAll(async () => {
  health.addToServer(grpcServer);
  grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
});
afterAll(() => grpcServer.forceShutdown());

const started = setUpPodwardenContainer(
  `container-image-${process.pid}`,
  (port) => `
services:
  - name: self
    type: http
    url: http://127.0.0.1:${port}/livez/podwarden
    interval: 1s
  - name: rpc
    type: grpc
    host: 127.0.0.1
    port: ${grpcPort}
    interval: 200ms
    failureThreshold: 1
`,
  (pw) => pw.withHealthInterval(1_000),
);

/** What a running container wrote so far, stdout and stderr, read with the docker CLI. */
function containerOutput(container: StartedTestContainer): string {
  const read = spawnSync('docker', ['logs', container.getId()], { encoding: 'utf8', timeout: 10_000 });
  return `${read.stdout}${read.stderr}`;
}

describe('the podwarden image, run with a config mounted', () => {
  it('runs every process as the non-root uid 65532', async () => {
    expect((await inspect(started.container)).Config.User).toBe('65532:65532');
    const uids = await execNode(
      started.container,
      `const fs = require('fs');
       const uids = {};
       for (const pid of fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n))) {
         try {
           const status = fs.readFileSync('/proc/' + pid + '/status', 'utf8');
           // runc's own init of a concurrent exec (the HEALTHCHECK's) runs as root until it becomes the process it starts.
           if (/^Name:\\s+runc/m.test(status)) continue;
           uids[pid] = Number(/^Uid:\\s+(\\d+)/m.exec(status)[1]);
         } catch {}
       }
       process.stdout.write(JSON.stringify(uids));`,
    );
    const byPid = JSON.parse(uids.stdout) as Record<string, number>;
    expect(byPid['1']).toBe(65532);
    expect(Object.keys(byPid).length).toBeGreaterThanOrEqual(3);
    expect(new Set(Object.values(byPid))).toEqual(new Set([65532]));
  });

  it('runs tini as PID 1 with podwarden under it', async () => {
    const procs = await processes(started.container);
    const init = procs.find((p) => p.pid === 1);
    expect(init?.comm).toBe('tini');
    expect(procs.some((p) => p.ppid === 1 && p.pid !== 1)).toBe(true);
  });

  it('has no shell', async () => {
    const found = await execNode(
      started.container,
      `const fs = require('fs');
       const shells = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'busybox']);
       const hits = [];
       const walk = (dir) => {
         for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
           const path = (dir === '/' ? '' : dir) + '/' + e.name;
           if (['/proc', '/sys', '/dev'].includes(path)) continue;
           if (shells.has(e.name)) hits.push(path);
           if (e.isDirectory()) walk(path);
         }
       };
       walk('/');
       process.stdout.write(JSON.stringify(hits));`,
      '0', // root, to read every folder
    );
    expect(found.exitCode, found.stderr).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual([]);
    const viaShell = await started.container.exec(['/bin/sh', '-c', 'exit 0']).catch((err: Error) => ({ exitCode: -1, output: err.message }));
    expect(viaShell.exitCode).not.toBe(0);
  });

  it('holds only what runs: dist, production dependencies and package.json', async () => {
    const listing = await execNode(
      started.container,
      `const fs = require('fs');
       const files = [];
       const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) { const p = dir + '/' + e.name; e.isDirectory() ? walk(p) : files.push(p); } };
       walk('/app/dist');
       process.stdout.write(JSON.stringify({ app: fs.readdirSync('/app').sort(), modules: fs.readdirSync('/app/node_modules').flatMap((n) => n.startsWith('@') ? fs.readdirSync('/app/node_modules/' + n).map((m) => n + '/' + m) : [n]), dist: files }));`,
    );
    const { app, modules, dist } = JSON.parse(listing.stdout) as { app: string[]; modules: string[]; dist: string[] };
    expect(app).toEqual(['compile-cache', 'dist', 'node_modules', 'package.json']);
    expect(dist).toContain('/app/dist/cli/main.js');
    expect(dist.filter((f) => !f.endsWith('.js'))).toEqual([]);
    const lock = JSON.parse(readFileSync(`${repoRoot}package-lock.json`, 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    // The gRPC packages and what they need are dev dependencies in the lock file; the image keeps them.
    const grpcTree = (
      JSON.parse(
        execFileSync('npm', ['query', ':root > :is(#@grpc/grpc-js, #grpc-health-check), :root > :is(#@grpc/grpc-js, #grpc-health-check) *'], { cwd: repoRoot, encoding: 'utf8' }),
      ) as Array<{ location: string }>
    ).map((node) => node.location);
    expect(grpcTree).toEqual(expect.arrayContaining(['node_modules/@grpc/grpc-js', 'node_modules/grpc-health-check', 'node_modules/protobufjs']));
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !grpcTree.includes(path))
      .map(([path]) => path.slice('node_modules/'.length));
    expect(devOnly).toContain('typescript');
    expect(modules.filter((m) => devOnly.includes(m))).toEqual([]);
    expect(modules).toEqual(expect.arrayContaining(['pino', 'prom-client', 'js-yaml', 'zod', '@grpc/grpc-js', 'grpc-health-check', 'protobufjs']));
    // fastify serves the library's plugin users only: an optional peer dependency, not in the sidecar's image.
    expect(modules).not.toContain('fastify');
  });

  it('works on a read-only root filesystem', async () => {
    expect((await inspect(started.container)).HostConfig.ReadonlyRootfs).toBe(true);
    const write = await execNode(
      started.container,
      `const codes = [];
       for (const f of ['/app/x', '/tmp/x', '/home/nonroot/x']) {
         try { require('fs').writeFileSync(f, 'x'); codes.push('written'); } catch (e) { codes.push(e.code); }
       }
       process.stdout.write(codes.join(','));`,
    );
    expect(write.stdout).toBe('EROFS,EROFS,EROFS');
    expect((await get(started.port, '/readyz')).status).toBe(200);
  });

  it("carries Node's compile cache of the CLI: one folder, for its Node and uid 65532, root's and read-only", async () => {
    const listing = await execNode(
      started.container,
      `const fs = require('fs');
       const root = '/app/compile-cache';
       const dirs = fs.readdirSync(root).map((name) => {
         const dir = root + '/' + name;
         const st = fs.statSync(dir);
         const files = fs.readdirSync(dir).map((f) => fs.statSync(dir + '/' + f));
         let writable = true;
         try { fs.accessSync(dir, fs.constants.W_OK); } catch { writable = false; }
         return { name, uid: st.uid, mode: st.mode & 0o777, writable, files: files.length, fileModes: [...new Set(files.map((f) => f.mode & 0o777))], fileUids: [...new Set(files.map((f) => f.uid))] };
       });
       process.stdout.write(JSON.stringify({ version: process.version, dirs }));`,
    );
    expect(listing.exitCode, listing.stderr).toBe(0);
    const { version, dirs } = JSON.parse(listing.stdout) as {
      version: string;
      dirs: Array<{ name: string; uid: number; mode: number; writable: boolean; files: number; fileModes: number[]; fileUids: number[] }>;
    };
    // Node names the folder after its version and the uid it runs as.
    expect(dirs).toHaveLength(1);
    expect(dirs[0]?.name).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}-.+-65532$`));
    expect(dirs[0]).toMatchObject({ uid: 0, mode: 0o755, writable: false, fileModes: [0o644], fileUids: [0] });
    expect(dirs[0]?.files).toBeGreaterThan(0);
  });

  it('starts serve from the compile cache on a read-only root filesystem, and logs nothing about it', async () => {
    // A second container of the image, with Node's compile-cache debug output on (stderr).
    const port = await blockPort('::');
    const second = new PodwardenContainer(testImage, port, 'services: []\n').withEnvironment({ NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    let container: StartedTestContainer | undefined;
    try {
      container = await second.start();
      const withDebugOutput = container;
      await waitForStatus(port, '/readyz', 200).catch((err: Error) => {
        throw new Error(`${err.message}\ncontainer output:\n${containerOutput(withDebugOutput)}`);
      });
      expect((await inspect(container)).HostConfig.ReadonlyRootfs).toBe(true);
      const output = containerOutput(container);
      const verdicts = [...output.matchAll(/V8 code cache for ESM file:\/\/(\S+) was (\w+)/g)].map(([, file, verdict]) => ({ file, verdict }));
      const serveChunk = verdicts.find((v) => /^\/app\/dist\/cli\/chunks\/serve-[^/]+\.js$/.test(v.file ?? ''));
      expect(serveChunk, output).toMatchObject({ verdict: 'accepted' });
      expect(verdicts.filter((v) => v.verdict !== 'accepted'), output).toEqual([]);
    } finally {
      await removeContainer(container);
      second.cleanup();
    }
    // The sidecar itself, without the debug output: nothing about the cache it cannot write to.
    expect(containerOutput(started.container)).not.toMatch(/compile.cache|EROFS|EACCES/i);
  }, 60_000);

  it('reports healthy through its HEALTHCHECK (podwarden probe readyz, no shell)', async () => {
    const info = await inspect(started.container);
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', nodeBin, '/app/dist/cli/main.js', 'probe', 'readyz']);
    const deadline = Date.now() + 20_000;
    let health = info.State.Health;
    // Healthy, and its last probe passed: the grpc check's server is this test process, which a busy machine can
    // keep from answering one attempt in time (a 503 the status rides out, as Docker's retries intend).
    while ((health?.Status !== 'healthy' || health.Log.at(-1)?.ExitCode !== 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      health = (await inspect(started.container)).State.Health;
    }
    expect(health?.Status).toBe('healthy');
    expect(health?.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: expect.stringMatching(/^200 ok/) });
  });

  it('answers the probes and /metrics', async () => {
    for (const path of ['/livez', '/readyz', '/startupz', '/livez/podwarden', '/readyz/self']) {
      expect(await get(started.port, path), path).toMatchObject({ status: 200, body: expect.stringMatching(/^ok/) });
    }
    expect((await get(started.port, '/readyz?verbose')).body).toContain('[+]self ok');
    expect((await get(started.port, '/readyz/nothing')).status).toBe(404);
    const metrics = await get(started.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('podwarden_service_ready{name="self"} 1');
    expect(metrics.body).toMatch(/^podwarden_probe_requests_total\{/m);
  });

  it('runs grpc checks: ready while the server is SERVING, not ready while NOT_SERVING', async () => {
    await waitForStatus(started.port, '/readyz/rpc', 200);
    health.setStatus('', 'NOT_SERVING');
    await waitForStatus(started.port, '/readyz/rpc', 503, 5_000);
    health.setStatus('', 'SERVING');
    await waitForStatus(started.port, '/readyz/rpc', 200, 5_000);
  });

  it(`runs podwarden on Node ${imageNodeMajor}, the image's Node`, async () => {
    const version = await execNode(started.container, 'process.stdout.write(process.versions.node)');
    expect(Number(version.stdout.split('.')[0])).toBe(imageNodeMajor);
  });
});
