// What the in-process apps of the rolling-update simulation share: the same
// request handler as examples/app/server.mjs (`/health`; any other path answers
// `hello from <POD_NAME>` after `?work=<ms>`) and the env the simulated pod
// gives them. Each app is the handler plus one library's shutdown handling.
import { hostname } from 'node:os';

const number = (name, fallback) => Number(process.env[name] ?? fallback);

export const env = {
  port: number('PORT', 8080),
  host: process.env.HOST ?? '0.0.0.0',
  healthPort: number('HEALTH_PORT', 7654),
  podName: process.env.POD_NAME ?? hostname(),
  workMs: number('WORK_MS', 0),
  /** How long the app keeps serving after SIGTERM while its readiness fails. */
  drainDelayMs: number('DRAIN_DELAY_MS', 0),
  /** How long its server may take to finish the requests in flight. */
  stopTimeoutMs: number('STOP_TIMEOUT_MS', 5000),
  /** The whole stop. */
  stopBudgetMs: number('STOP_BUDGET_MS', 15_000),
};

export const log = (msg, fields = {}) => console.log(JSON.stringify({ t: Date.now(), msg, pod: env.podName, ...fields }));

/** The example app's answer, without its own shutdown handling. */
export function handler(req, res) {
  const url = new URL(req.url ?? '/', 'http://app');
  const reply = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (url.pathname === '/health') return reply(200, 'ok\n');
  const work = Math.min(Math.max(Number(url.searchParams.get('work') ?? env.workMs) || 0, 0), 10_000);
  if (work === 0) return reply(200, `hello from ${env.podName}\n`);
  setTimeout(() => reply(200, `hello from ${env.podName}\n`), work);
}

/** Keep idle connections longer than balancers keep theirs (ALB and ingress-nginx: 60 s), as examples/app/server.mjs does. */
export function keepAliveLongerThanBalancers(server) {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}
