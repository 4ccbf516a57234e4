import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testTcpListener } from './servers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs in a fresh Node process on the built package, so nothing else has loaded gRPC there. */
const script = `
import { createRequire } from 'node:module';
import { CheckResults } from './dist/checks/check-result.js';
import { createCheckService } from './dist/checks/create-check-service.js';
import { parseConfig } from './dist/config/load-config.js';
import { Server } from './dist/core/server.js';
const grpcLoaded = () => Object.keys(createRequire(process.cwd() + '/').cache).some((p) => p.includes('@grpc/grpc-js'));
const port = Number(process.argv[1]);
const config = await parseConfig(
  'services:\\n  - { name: db, type: tcp, host: 127.0.0.1, port: ' + port + ', interval: 50ms }\\n  - { name: api, type: grpc, host: 127.0.0.1, port: ' + port + ', interval: 50ms }',
  { env: {} },
);
const results = new CheckResults();
const seen = new Set();
results.on((r) => seen.add(r.name));
const [db, api] = config.services.map((spec) => createCheckService(spec, results));
const server = new Server({ handleSignals: false, shutdown: { drainDelay: 0 } });
server.addService(db);
const running = server.run();
while (!seen.has('db')) await new Promise((r) => setTimeout(r, 10));
const afterTcp = grpcLoaded();
const second = new Server({ handleSignals: false, shutdown: { drainDelay: 0 } });
second.addService(api);
const runningApi = second.run();
while (!seen.has('api')) await new Promise((r) => setTimeout(r, 10));
const afterGrpc = grpcLoaded();
await Promise.all([server.shutdown(), second.shutdown()]);
await Promise.all([running, runningApi]);
console.log(JSON.stringify({ afterTcp, afterGrpc }));
`;

describe('grpc check loading', () => {
  it('loads @grpc/grpc-js only when a grpc check starts', async () => {
    const listener = await testTcpListener();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, String(listener.port)], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ afterTcp: false, afterGrpc: true });
  });
});
