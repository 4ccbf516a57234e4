import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { runCheck } from './harness.js';
import { testTcpListener } from './servers.js';

// Runs in its own worker (pool: forks), so nothing else has loaded gRPC here.
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('@grpc/grpc-js'));

describe('grpc check loading', () => {
  it('loads @grpc/grpc-js only when a grpc check starts', async () => {
    const db = await testTcpListener();
    const tcp = await runCheck({ type: 'tcp', name: 'db', host: '127.0.0.1', port: db.port, interval: '50ms' });
    await tcp.waitFor('ready');
    expect(loaded()).toEqual([]);

    const grpc = await runCheck({ type: 'grpc', name: 'api', host: '127.0.0.1', port: db.port, interval: '50ms' });
    await until(() => grpc.results.length > 0);
    expect(loaded().length).toBeGreaterThan(0);
  });
});
