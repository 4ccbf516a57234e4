// The app with lightship inside it, set up as its README says: lightship's
// own server on HEALTH_PORT (/live, /ready, /health), ready once the app
// listens, a shutdown handler that closes the app's server. On SIGTERM
// /ready and /live answer 500 at once; the handlers run after shutdownDelay
// (DRAIN_DELAY_MS; the library's default is 5 s), within STOP_TIMEOUT_MS.
import { createServer } from 'node:http';
import { createLightship } from 'lightship';
import { env, handler, keepAliveLongerThanBalancers, log } from './app-common.mjs';

const app = createServer(handler);
keepAliveLongerThanBalancers(app);
const lightship = await createLightship({
  port: env.healthPort,
  // Off, or lightship would see no Kubernetes here and pick a random port without signal handlers.
  detectKubernetes: false,
  shutdownDelay: env.drainDelayMs,
  shutdownHandlerTimeout: env.stopTimeoutMs,
  gracefulShutdownTimeout: env.stopBudgetMs,
});
lightship.registerShutdownHandler(
  () =>
    new Promise((resolve) => {
      app.close(() => resolve());
      log('stopping');
    }),
);
app.listen(env.port, env.host, () => {
  log('listening', { port: env.port });
  lightship.signalReady();
});
