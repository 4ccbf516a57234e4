// podwarden as a library: a Server with its health listener (addHttpService)
// and one service, from the build in --dist. With --trace, traceLifecycle(server)
// is attached and no OpenTelemetry provider is registered: what an app that
// calls it without an SDK pays (the tracing figure compares the two).
//   --port N     port to listen on (127.0.0.1)
//   --dist DIR   the build to import (default dist)
//   --trace      attach traceLifecycle
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { announce } from './server-args.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, dist: { type: 'string', default: 'dist' }, trace: { type: 'boolean', default: false } } });
const { Server, addHttpService, traceLifecycle } = await import(pathToFileURL(join(resolve(values.dist), 'index.js')).href);

const server = new Server();
if (values.trace) traceLifecycle(server);
server.addService({ name: 'app', start: (shutdown) => shutdown.wait() });
const http = addHttpService(server, { port: Number(values.port), host: '127.0.0.1' });
server.on('service-state', (e) => {
  if (e.name === 'podwarden' && e.state === 'ready') announce(values.trace ? 'podwarden-library-traced' : 'podwarden-library', http.address().port);
});
const report = await server.run();
process.exit(report.exitCode);
