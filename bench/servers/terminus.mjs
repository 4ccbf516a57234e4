// Baseline: @godaddy/terminus on a node:http server, set up as its Kubernetes
// recipe says: health checks on the app's server and a beforeShutdown delay so
// readiness fails before the listener closes.
import http from 'node:http';
import { createTerminus } from '@godaddy/terminus';
import { announce, parseServerArgs } from './server-args.mjs';

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
