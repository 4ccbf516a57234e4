// Baseline: a minimal fastify server with the same routes and SIGTERM
// behaviour as node-http.mjs (logger off, defaults otherwise).
import Fastify from 'fastify';
import { announce, parseServerArgs } from './server-args.mjs';
import { startCheckLoop } from './check-loop.mjs';

const opts = parseServerArgs();
const metrics = opts.prom > 0 ? (await import('./prom-registry.mjs')).createRegistry(opts.prom) : undefined;
let draining = false;

const app = Fastify({ logger: false });
app.get('/readyz', (req, reply) => {
  if (draining) reply.code(503).send('draining');
  else reply.send('ok');
});
app.get('/livez', (req, reply) => reply.send('ok'));
if (metrics) {
  app.get('/metrics', async (req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
}

process.on('SIGTERM', () => {
  draining = true;
  setTimeout(() => process.exit(0), opts.drainMs).unref();
});

await app.listen({ port: opts.port, host: '127.0.0.1' });
announce('fastify', app.server.address().port);
startCheckLoop(opts);
