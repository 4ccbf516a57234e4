// Baseline: @godaddy/terminus on a node:http server, set up as its Kubernetes
// recipe says: health checks on the app's server and a beforeShutdown delay so
// readiness fails before the listener closes.
import { createTerminus } from '@godaddy/terminus';
import { announce, parseServerArgs } from './server-args.mjs';
// Not `import http from 'node:http'`: on Node 24 that ESM import evaluates node:http's lazy exports and loads
// undici (+12 MiB of RSS, +60 ms of CPU at start), which a server written with require() does not pay.
const http = process.getBuiltinModule('node:http');

const opts = parseServerArgs();
const server = http.createServer((req, res) => {
  res.statusCode = 404;
  res.end('not found');
});
createTerminus(server, {
  healthChecks: {
    '/readyz': async () => 'ok',
    '/livez': async () => 'ok',
  },
  signals: ['SIGTERM'],
  useExit0: true,
  beforeShutdown: () => new Promise((resolve) => setTimeout(resolve, opts.drainMs)),
});
server.listen(opts.port, '127.0.0.1', () => announce('terminus', server.address().port));
