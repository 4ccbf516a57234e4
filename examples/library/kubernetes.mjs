// The app of examples/library/kubernetes.yaml: an HTTP API with podwarden in
// its own process (docs/kubernetes-library.md). The API serves on PORT; the
// kubelet's probes and the preStop /drain go to podwarden on PODWARDEN_PORT.
// Timing and the token come from the environment the manifest sets.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Server, addHttpService, createLogger, logLifecycle } from 'podwarden';

const env = process.env;

function fail(message) {
  console.error(`shop: ${message}`);
  process.exit(2);
}

// PODWARDEN_DRAIN_TOKEN, else the file the Secret is mounted as: the order the podwarden CLI reads them in.
function drainToken() {
  const file = env.PODWARDEN_DRAIN_TOKEN_FILE ?? '/var/run/podwarden/token';
  const where = env.PODWARDEN_DRAIN_TOKEN ? 'PODWARDEN_DRAIN_TOKEN' : file;
  let token = env.PODWARDEN_DRAIN_TOKEN;
  if (!token) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      fail(`cannot read the /drain token from ${file} (${err.code}): mount the drain token Secret there, or set PODWARDEN_DRAIN_TOKEN`);
    }
  }
  if (!/^[\x21-\x7e]{32,4096}$/.test(token)) {
    fail(`the /drain token in ${where} must be 32 to 4096 printable characters without spaces; make one with \`openssl rand -hex 32\` and put it in the Secret and in the preStop header`);
  }
  return token;
}

const token = drainToken();
let server;
try {
  // Unset, podwarden's defaults apply (10s, 15s, 120s).
  server = new Server({
    shutdown: { drainDelay: env.PODWARDEN_DRAIN_DELAY, stopBudget: env.PODWARDEN_STOP_BUDGET },
    drain: { maxHold: env.PODWARDEN_DRAIN_MAX_HOLD },
  });
} catch (err) {
  const from = Object.entries({ drainDelay: 'PODWARDEN_DRAIN_DELAY', stopBudget: 'PODWARDEN_STOP_BUDGET', maxHold: 'PODWARDEN_DRAIN_MAX_HOLD' }).find(([option]) => err.message.includes(option));
  fail(`${err.message} (from ${from?.[1] ?? 'the environment'})`);
}
const log = createLogger();
logLifecycle(server, log);

// /livez /readyz /startupz /drain on the health port, on every address (the kubelet calls the pod IP).
addHttpService(server, { port: Number(env.PODWARDEN_PORT ?? 7654), log, drain: { token } });

// Once the drain began, keep-alive clients are told to reconnect: their next connection goes to another pod.
const leaving = new Set(['draining', 'drained', 'stopping']);

server.addService({
  name: 'api',
  async startWithReadyNotifier(shutdown, ready) {
    const api = createServer((req, res) => {
      if (leaving.has(server.phase)) res.setHeader('connection', 'close');
      res.end('hello from shop\n');
    });
    api.listen(Number(env.PORT ?? 8080));
    await once(api, 'listening');
    ready.notifyReady(); // ready once the port listens, not before
    await shutdown.wait(); // fires after the drain delay: until then the API serves as usual
    api.closeIdleConnections();
    await new Promise((resolve) => api.close(resolve)); // requests in flight finish, within the stop budget
  },
});

const report = await server.run(); // SIGTERM: drain (at once if /drain already did), then stop
process.exit(report.exitCode);
