// A small HTTP app that shuts down the way an app next to podwarden should.
//
//   GET /health   200 "ok" while the process is up (podwarden's `http` check polls it);
//                 500 "broken" after SIGUSR2 (the app's liveness fails; other paths still serve)
//   GET /*        200 with the pod's name, after ?work=<ms> of simulated work (at most 10 s)
//
// On SIGTERM (or SIGINT) it stops accepting connections, answers every request
// still in flight with `Connection: close`, closes idle keep-alive connections
// (so a client's pool does not reuse them), and exits 0 once the last response
// is out, or 1 after SHUTDOWN_TIMEOUT. It does not delay its own shutdown: the
// preStop hook that calls podwarden's /drain holds SIGTERM back until load
// balancers have stopped sending.
//
// Env: PORT (8080), HOST (0.0.0.0), POD_NAME (the host name), START_DELAY ms
// before listening (0), WORK_MS default work per request (0), SHUTDOWN_TIMEOUT ms (10000).
// Logs one JSON line per lifecycle event on stdout.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const podName = process.env.POD_NAME ?? hostname();
const startDelay = Number(process.env.START_DELAY ?? 0);
const defaultWork = Number(process.env.WORK_MS ?? 0);
const shutdownTimeout = Number(process.env.SHUTDOWN_TIMEOUT ?? 10_000);
const maxWork = 10_000;

const log = (msg, fields = {}) => console.log(JSON.stringify({ t: Date.now(), msg, pod: podName, ...fields }));

let stopping = false;
// Set by SIGUSR2: the state a liveness probe exists for (a wedged worker, a poisoned pool)
// in a process that still serves and still shuts down on SIGTERM.
let broken = false;
let inFlight = 0;
let served = 0;
let onIdle = () => {};

function workOf(url) {
  const requested = Number(new URL(url, 'http://app').searchParams.get('work') ?? defaultWork);
  return Number.isFinite(requested) ? Math.min(Math.max(requested, 0), maxWork) : 0;
}

function reply(res, status, body) {
  if (stopping) res.setHeader('Connection', 'close');
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
    served += 1;
    if (inFlight === 0) onIdle();
  });
  if (req.url === '/health' || req.url?.startsWith('/health?')) {
    if (broken) reply(res, 500, 'broken\n');
    else reply(res, 200, 'ok\n');
    return;
  }
  const work = workOf(req.url ?? '/');
  if (work === 0) reply(res, 200, `hello from ${podName}\n`);
  else setTimeout(() => reply(res, 200, `hello from ${podName}\n`), work);
});

// Balancers keep idle upstream connections open (ALB 60 s, ingress-nginx 60 s) and reuse them. If the
// app closed an idle one first (Node's default: after 5 s), a request the balancer sends on it at that
// moment is reset. Keep idle connections longer than any balancer does; SIGTERM closes them at once.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log('shutdown', { signal, inFlight });
  const startedAt = Date.now();
  const timer = setTimeout(() => {
    log('shutdown timed out', { inFlight });
    server.closeAllConnections();
    process.exit(1);
  }, shutdownTimeout);
  let listenerClosed = false;
  const finish = () => {
    if (!listenerClosed || inFlight > 0) return;
    clearTimeout(timer);
    log('stopped', { served, ms: Date.now() - startedAt });
    process.exit(0);
  };
  onIdle = finish;
  // close() stops accepting; the callback runs once every connection is gone.
  server.close(() => {
    listenerClosed = true;
    finish();
  });
  server.closeIdleConnections();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGUSR2', () => {
  broken = true;
  log('broken', { signal: 'SIGUSR2' });
});

setTimeout(() => {
  server.listen(port, host, () => log('listening', { port: server.address().port }));
}, startDelay);
