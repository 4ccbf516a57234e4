// A complete service with podwarden inside: an HTTP API, a pool of database
// connections, and a worker that runs jobs posted to the API. Each is a
// BackgroundService; podwarden starts them in order (the pool first), answers
// the kubelet's probes on PODWARDEN_PORT, drains on the preStop /drain or
// SIGTERM, holds the shutdown while a job runs, and stops the API and the
// worker before the pool. examples/service/README.md runs it;
// examples/service/kubernetes.yaml deploys it.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { Server, addHttpService, createLogger, createMetrics, httpServerService, logLifecycle } from 'podwarden';

const env = process.env;
const name = env.POD_NAME ?? hostname();
/** The longest job the API takes: the stop budget must cover it (kubernetes.yaml). */
const maxJobMs = 20_000;

function fail(message) {
  console.error(`jobs: ${message}`);
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
    fail(`the /drain token in ${where} must be 32 to 4096 printable characters without spaces; make one with \`openssl rand -hex 32\``);
  }
  return token;
}

// DATABASE_URL (tcp://host:port), else DB_HOST and DB_PORT.
function databaseAddress() {
  if (env.DATABASE_URL) {
    let url;
    try {
      url = new URL(env.DATABASE_URL);
    } catch {
      fail(`DATABASE_URL ${JSON.stringify(env.DATABASE_URL)} is not a URL: write it as tcp://host:port`);
    }
    if (!url.hostname || !url.port) fail(`DATABASE_URL ${JSON.stringify(env.DATABASE_URL)} needs a host and a port: tcp://host:port`);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  }
  if (!env.DB_HOST || !env.DB_PORT) fail('set DATABASE_URL (tcp://host:port), or DB_HOST and DB_PORT, to where the database listens');
  return { host: env.DB_HOST, port: Number(env.DB_PORT) };
}

const token = drainToken();
const database = databaseAddress();
let server;
try {
  // Unset, podwarden's defaults apply (10s, 15s, 120s).
  server = new Server({
    shutdown: { drainDelay: env.PODWARDEN_DRAIN_DELAY, stopBudget: env.PODWARDEN_STOP_BUDGET },
    drain: { maxHold: env.PODWARDEN_DRAIN_MAX_HOLD },
  });
} catch (err) {
  fail(`${err.message} (from the PODWARDEN_* environment)`);
}
const log = createLogger();
logLifecycle(server, log);
const metrics = createMetrics({ server });
const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

// --- The database pool: DB_POOL_SIZE connections, one query at a time on each. ---

/** One connection: `query(line)` sends a line and resolves with the answer line. */
async function openConnection({ host, port }) {
  const socket = connect({ host, port });
  await once(socket, 'connect');
  const answers = createInterface({ input: socket });
  const waiting = [];
  answers.on('line', (line) => waiting.shift()?.resolve(line));
  socket.on('close', () => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the database at ${host}:${port} closed the connection`));
  });
  socket.on('error', () => {}); // reported through 'close'
  const query = (line) => new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error(`the connection to ${host}:${port} is closed`));
    waiting.push({ resolve, reject });
    socket.write(`${line}\n`);
  });
  if ((await query('PING')) !== 'PONG') throw new Error(`${host}:${port} did not answer PING with PONG: is it the database?`);
  return { socket, query };
}

const pool = { idle: [], queue: [] };
/** Run one query on an idle connection, waiting for one when all are busy. */
pool.query = async (line) => {
  const conn = pool.idle.pop() ?? (await new Promise((resolve) => pool.queue.push(resolve)));
  try {
    return await conn.query(line);
  } finally {
    if (conn.socket.destroyed) pool.lost?.();
    else if (pool.queue.length > 0) pool.queue.shift()(conn);
    else pool.idle.push(conn);
  }
};

const db = server.addService({
  name: 'db',
  // Ready once every connection is open: the API and the worker start only then, and /readyz stays 503 until then.
  async startWithReadyNotifier(shutdown, ready) {
    const size = Number(env.DB_POOL_SIZE ?? 4);
    const open = new Set();
    const connectOne = async () => {
      for (;;) {
        try {
          const conn = await openConnection(database);
          open.add(conn);
          conn.socket.on('close', () => open.delete(conn));
          return conn;
        } catch (err) {
          if (shutdown.isShuttingDown) throw err;
          log.warn({ event: 'db-connect-failed', host: database.host, port: database.port, err: err.message }, `cannot connect to the database at ${database.host}:${database.port} (${err.code ?? err.message}); retrying in 1s`);
          await sleep(1000, shutdown.signal);
          if (shutdown.isShuttingDown) throw err;
        }
      }
    };
    // A connection the database closed is replaced; the pool is not ready until it is.
    pool.lost = () => {
      if (shutdown.isShuttingDown) return;
      ready.notifyNotReady(`lost a connection to ${database.host}:${database.port}`);
      void connectOne().then((fresh) => {
        pool.idle.push(fresh);
        ready.notifyReady();
      }, () => {});
    };
    pool.idle.push(...(await Promise.all(Array.from({ length: size }, connectOne))));
    log.info({ event: 'db-pool-open', size, host: database.host, port: database.port }, `db pool: ${size} connections to ${database.host}:${database.port}`);
    ready.notifyReady();
    await shutdown.wait(); // the API and the worker, which depend on the pool, have stopped by now
    await Promise.all([...open].map((conn) => {
      conn.socket.end();
      return once(conn.socket, 'close');
    }));
    log.info({ event: 'db-pool-closed', size }, 'db pool closed');
  },
}, { readyTimeout: '60s' });

// --- The worker: runs the jobs of the in-memory queue one at a time. ---

const jobs = new Map();
const queue = [];
let wakeWorker = () => {};

server.addService({
  name: 'worker',
  async start(shutdown) {
    while (!shutdown.isShuttingDown) {
      const job = queue.shift();
      // Once the stop phase has begun, a hold is refused: leave the rest queued.
      if (!job || server.phase === 'stopping') {
        if (job) queue.unshift(job);
        await Promise.race([shutdown.wait(), new Promise((resolve) => (wakeWorker = resolve))]);
        continue;
      }
      // SIGTERM or /drain while the job runs: the drain goes on, and the stop phase waits until the job is done.
      const release = server.hold(`job ${job.id}`);
      try {
        job.state = 'running';
        await sleep(job.ms);
        await pool.query(`SET job:${job.id} done`);
        job.state = 'done';
        log.info({ event: 'job-done', id: job.id, ms: job.ms }, `job ${job.id} done`);
      } catch (err) {
        job.state = 'failed';
        log.error({ event: 'job-failed', id: job.id, err: err.message }, `job ${job.id} failed: ${err.message}`);
      } finally {
        release();
      }
    }
    if (queue.length > 0) log.warn({ event: 'jobs-dropped', ids: queue.map((j) => j.id) }, `${queue.length} queued jobs not run: the queue is in memory`);
  },
}).addDependency(db);

// --- The API. ---

const reply = (res, status, body) => {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
};

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body === '' ? {} : JSON.parse(body);
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://api');
  if (req.method === 'POST' && url.pathname === '/jobs') {
    const { ms = 1000 } = await readJson(req);
    if (!Number.isInteger(ms) || ms < 0 || ms > maxJobMs) return reply(res, 400, { error: `ms must be a whole number of milliseconds from 0 to ${maxJobMs}` });
    const job = { id: String(jobs.size + 1), ms, state: 'queued' };
    jobs.set(job.id, job);
    queue.push(job);
    wakeWorker();
    return reply(res, 202, job);
  }
  const id = /^\/jobs\/([^/]+)$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && id) {
    const job = jobs.get(id);
    return job ? reply(res, 200, { ...job, stored: await pool.query(`GET job:${id}`) }) : reply(res, 404, { error: `no job ${id}` });
  }
  if (req.method === 'GET' && url.pathname === '/') {
    await pool.query('PING'); // every answer goes through the pool
    return reply(res, 200, `hello from ${name}\n`);
  }
  return reply(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

const api = createServer((req, res) => {
  handle(req, res).catch((err) => reply(res, err instanceof SyntaxError ? 400 : 500, { error: err.message }));
});
// Idle connections outlive the balancers' (ALB and ingress-nginx: 60 s), so a balancer never reuses one the app closed.
api.keepAliveTimeout = 65_000;
api.headersTimeout = 66_000;
server.addService(httpServerService(api, { name: 'api', port: Number(env.PORT ?? 8080), log, metrics }), { critical: true }).addDependency(db);

// /livez /readyz /startupz /drain and /metrics on the health port (the Service does not publish it).
addHttpService(server, { port: Number(env.PODWARDEN_PORT ?? 7654), log, metrics, drain: { token } });

const report = await server.run(); // SIGTERM: drain, wait for running jobs, stop the API and the worker, then the pool
process.exit(report.exitCode);
