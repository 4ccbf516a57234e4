// The app with @godaddy/terminus inside it, set up as its Kubernetes recipe
// says: health checks on the app's own server (/readyz, /livez: 503 from
// SIGTERM on), and a beforeShutdown delay of DRAIN_DELAY_MS (none when 0, the
// library's default) before the server is stopped, with STOP_TIMEOUT_MS for
// the requests in flight. Everything else is terminus's default (it re-raises
// SIGTERM once stopped).
import { createServer } from 'node:http';
import { createTerminus } from '@godaddy/terminus';
import { env, handler, keepAliveLongerThanBalancers, log } from './app-common.mjs';

const app = createServer(handler);
keepAliveLongerThanBalancers(app);
createTerminus(app, {
  healthChecks: { '/readyz': async () => 'ok', '/livez': async () => 'ok' },
  signals: ['SIGTERM', 'SIGINT'],
  timeout: env.stopTimeoutMs,
  ...(env.drainDelayMs > 0 && { beforeShutdown: () => new Promise((resolve) => setTimeout(resolve, env.drainDelayMs)) }),
  onSignal: async () => log('stopped'),
});
app.listen(env.port, env.host, () => log('listening', { port: env.port }));
