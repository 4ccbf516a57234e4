// A library example: a database pool, a one-shot migration that waits for it,
// and an HTTP API that waits for both. SIGTERM drains, then stops the API
// before the database. Run it with `node examples/library/server.mjs` after
// `npm run build` (in your own project: `import … from 'podwarden'`).
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Server, serviceFromFunction } from '../../dist/index.js';

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

const server = new Server({ shutdown: { drainDelay: process.env.DRAIN_DELAY ?? '2s', stopBudget: '5s' } });

// Ready once "connected"; closes its pool when told to stop.
const database = server.addService(
  serviceFromFunction('database', async (shutdown, ready) => {
    await sleep(100, shutdown.signal); // connect
    ready.notifyReady();
    await shutdown.wait();
    await sleep(20); // close the pool
  }),
  { readyTimeout: '10s' },
);

// A one-shot job: returning before shutdown marks it completed, which counts as ready.
const migrate = server
  .addService(serviceFromFunction('migrate', async (shutdown) => sleep(50, shutdown.signal)))
  .addDependency(database);

// Ready once its port listens: with start() it would count as ready before it could answer.
server
  .addService({
    name: 'api',
    async startWithReadyNotifier(shutdown, ready) {
      const http = createServer((req, res) => res.end('hello\n'));
      http.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
      await once(http, 'listening');
      console.log(JSON.stringify({ msg: 'api listening', port: http.address().port }));
      ready.notifyReady();
      await shutdown.wait();
      http.closeIdleConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  })
  .addDependency(database)
  .addDependency(migrate);

server.on('service-state', (e) => console.log(JSON.stringify({ msg: 'service', name: e.name, state: e.state })));
server.on('phase', (e) => console.log(JSON.stringify({ msg: 'phase', phase: e.phase })));

const report = await server.run();
for (const s of report.services) {
  console.log(JSON.stringify({ msg: 'report', name: s.name, state: s.state, readyMs: s.readyDurationMs, stopMs: s.stopDurationMs }));
}
process.exit(report.exitCode);
