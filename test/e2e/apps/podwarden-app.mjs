// The app with podwarden inside it: its node:http server run by
// httpServerService, podwarden's probes (/livez, /readyz, /startupz) on
// HEALTH_PORT. On SIGTERM readiness fails at once, the app keeps serving
// (answers carry Connection: close) for DRAIN_DELAY_MS, then stops accepting
// and finishes what is in flight within STOP_TIMEOUT_MS; exit code from the report.
import { createServer } from 'node:http';
import { Server, addHttpService, createLogger, httpServerService, logLifecycle } from '../../../dist/index.js';
import { env, handler, keepAliveLongerThanBalancers } from './app-common.mjs';

const app = createServer(handler);
keepAliveLongerThanBalancers(app);

const server = new Server({ shutdown: { drainDelay: env.drainDelayMs, stopTimeout: env.stopTimeoutMs, stopBudget: env.stopBudgetMs } });
const logger = createLogger();
logLifecycle(server, logger);
server.addService(httpServerService(app, { name: 'app', port: env.port, host: env.host, log: logger }), { critical: true });
addHttpService(server, { port: env.healthPort, host: env.host, log: logger });

const report = await server.run();
process.exit(report.exitCode);
