import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testGrpcHealthServer } from '../checks/servers.js';
import { NodeProcess, cleanEnv } from '../helpers/child.js';
import { request } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

/**
 * podwarden as a user gets it: `npm pack`, then `npm install --omit=dev` of
 * the tarball into a project of its own (from the machine's npm cache where
 * it can, else the registry), and programs and the CLI run from there.
 */

const root = resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);
/** The install command the README gives for gRPC checks (the error message names it too). */
const install = /^npm install @grpc\/grpc-js grpc-health-check$/m.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[0] ?? 'missing from README.md';
let app: string;
const running: NodeProcess[] = [];

const npm = (args: readonly string[]) =>
  execFileAsync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv(), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });

/** Run Node with `args`, as a child of this test; files are named relative to the project. */
function node(args: readonly string[]): NodeProcess {
  const child = new NodeProcess(args.map((a) => (/\.(mjs|yaml)$/.test(a) ? join(app, a) : a)));
  running.push(child);
  return child;
}

const cli = () => join(app, 'node_modules/podwarden/dist/cli/main.js');

/** Run to the end; what it printed on stdout and stderr, and its exit code. */
async function finish(child: NodeProcess, timeoutMs = 20_000) {
  const timer = setTimeout(() => child.kill(), timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output, lines: child.lines };
}

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'podwarden-consumer-'));
  const { stdout } = await execFileAsync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], { cwd: root, encoding: 'utf8' });
  const [packed] = JSON.parse(stdout) as [{ filename: string }];
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await npm(['install', '--omit=dev', join(app, packed.filename)]);
}, 180_000);

afterEach(async () => {
  for (const child of running.splice(0)) {
    child.kill();
    await child.exited;
  }
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

const grpcConfig = (port: number) => `services:\n  - { name: api, type: grpc, host: 127.0.0.1, port: ${port}, interval: 100ms, critical: true }\n`;

describe('a project that installs podwarden without gRPC checks', () => {
  it('gets none of the gRPC packages nor what they pull in (protobufjs and its install script)', () => {
    for (const name of ['@grpc', 'grpc-health-check', 'protobufjs', 'yargs', 'fastify']) {
      expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    }
    expect(existsSync(join(app, 'node_modules/podwarden/dist/cli/main.js'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/podwarden/package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(manifest.dependencies!)).not.toEqual(expect.arrayContaining(['@grpc/grpc-js']));
    expect(manifest.peerDependenciesMeta).toMatchObject({ '@grpc/grpc-js': { optional: true }, 'grpc-health-check': { optional: true } });
  });

  it('runs a library user\'s server: its probes answer over HTTP, SIGTERM ends it with 0', async () => {
    writeFileSync(
      join(app, 'server.mjs'),
      `import { Server, addHttpService, serviceFromFunction } from 'podwarden';
const server = new Server({ shutdown: { drainDelay: 0 } });
const http = addHttpService(server, { host: '127.0.0.1', port: 0 });
server.addService(serviceFromFunction('job', async (shutdown, ready) => { ready.notifyReady(); await shutdown.wait(); }));
server.on('service-state', (e) => { if (e.name === 'podwarden' && e.state === 'ready') console.log(JSON.stringify({ port: http.address().port })); });
process.exitCode = (await server.run()).exitCode;
`,
    );
    const child = node(['server.mjs']);
    const { port } = (await child.waitFor((line) => typeof line.port === 'number', 10_000)) as { port: number };
    const readyz = await request(port, '/readyz?verbose');
    expect(readyz.status).toBe(200);
    expect(readyz.body).toContain('[+]job ok');
    child.signal('SIGTERM');
    expect((await finish(child)).code).toBe(0);
  });

  it('fails a grpc check with PODWARDEN_ERR_MISSING_PACKAGE, naming the packages and the install command', async () => {
    writeFileSync(
      join(app, 'grpc-check.mjs'),
      `import { CheckResults, Server, createCheckService, parseConfig } from 'podwarden';
const config = await parseConfig('services:\\n  - { name: api, type: grpc, port: 1 }', { env: {} });
const check = createCheckService(config.services[0], new CheckResults());
const server = new Server({ handleSignals: false, shutdown: { drainDelay: 0 } });
server.addService({
  name: 'api',
  async startWithReadyNotifier(shutdown, ready) {
    try { await check.startWithReadyNotifier(shutdown, ready); } catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); throw err; }
  },
}, { critical: true });
const report = await server.run();
console.log(JSON.stringify({ exitCode: report.exitCode, api: report.services.find((s) => s.name === 'api') }));
`,
    );
    const { code, lines, output } = await finish(node(['grpc-check.mjs']));
    expect(code, output).toBe(0);
    const message = 'a grpc check needs @grpc/grpc-js and grpc-health-check, which podwarden cannot find (optional dependencies, installed only where needed); install with: npm install @grpc/grpc-js grpc-health-check';
    expect(lines[0]).toEqual({ code: 'PODWARDEN_ERR_MISSING_PACKAGE', message });
    expect(lines[1]).toMatchObject({ exitCode: 1, api: { state: 'failed', reason: message } });
  });

  it('the CLI: validate reports the missing packages (exit 2); serve fails the check with the same advice', async () => {
    writeFileSync(join(app, 'grpc.yaml'), `services:\n  - { name: db, type: tcp, host: 127.0.0.1, port: 1 }\n${grpcConfig(1).slice('services:\n'.length)}`);
    const validate = await finish(node([cli(), 'validate', 'grpc.yaml']));
    expect(validate.code).toBe(2);
    expect(validate.output).toContain(
      `  - services[1].type: grpc checks need optional packages: @grpc/grpc-js and grpc-health-check are not installed where podwarden runs on this machine: serve would fail check "api"; install them with: ${install}\n`,
    );
    const serve = await finish(node([cli(), 'serve', '--port', String(await freePort()), '--host', '127.0.0.1', '--config', 'grpc.yaml']));
    expect(serve.code).toBe(1);
    expect(serve.output).toContain(`podwarden: service "api" failed: a grpc check needs @grpc/grpc-js and grpc-health-check, which podwarden cannot find`);
    expect(serve.output).toContain(`install with: ${install}`);
  });
});

describe('the same project after the advised install', () => {
  it(`\`${install}\` makes grpc checks work: validate says ok, serve is ready against a real gRPC server`, async () => {
    await npm(install.split(' ').slice(1));
    const grpc = await testGrpcHealthServer({ '': 'SERVING' });
    writeFileSync(join(app, 'grpc.yaml'), grpcConfig(grpc.port));
    const validate = await finish(node([cli(), 'validate', 'grpc.yaml']));
    expect(validate.code, validate.output).toBe(0);
    const port = await freePort();
    node([cli(), 'serve', '--port', String(port), '--host', '127.0.0.1', '--config', 'grpc.yaml']);
    let readyz = { status: 0, body: '' };
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && readyz.status !== 200; await new Promise((r) => setTimeout(r, 100))) {
      readyz = await request(port, '/readyz?verbose').catch(() => readyz);
    }
    expect(readyz).toMatchObject({ status: 200, body: expect.stringContaining('[+]api ok') });
  }, 120_000);
});
