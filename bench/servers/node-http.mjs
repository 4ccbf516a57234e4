// Baseline: a bare node:http server. /readyz and /livez answer 200 "ok";
// on SIGTERM /readyz answers 503 while everything keeps serving for --drain ms.
import { announce, parseServerArgs } from './server-args.mjs';
import { startCheckLoop } from './check-loop.mjs';
// Not `import http from 'node:http'`: on Node 24 that ESM import evaluates node:http's lazy exports and loads
// undici (+12 MiB of RSS, +60 ms of CPU at start), which a server written with require() does not pay.
const http = process.getBuiltinModule('node:http');

const opts = parseServerArgs();
const metrics = opts.prom > 0 ? (await import('./prom-registry.mjs')).createRegistry(opts.prom) : undefined;
let draining = false;

const server = http.createServer((req, res) => {
  const path = req.url.split('?', 1)[0];
  if (path === '/readyz') {
    res.statusCode = draining ? 503 : 200;
    res.end(draining ? 'draining' : 'ok');
  } else if (path === '/livez') {
    res.end('ok');
  } else if (path === '/metrics' && metrics) {
    metrics.metrics().then((body) => {
      res.setHeader('content-type', metrics.contentType);
      res.end(body);
    });
  } else {
    res.statusCode = 404;
    res.end('not found');
  }
});

process.on('SIGTERM', () => {
  draining = true;
  setTimeout(() => process.exit(0), opts.drainMs).unref();
});

server.listen(opts.port, '127.0.0.1', () => {
  announce('node-http', server.address().port);
  startCheckLoop(opts);
});
