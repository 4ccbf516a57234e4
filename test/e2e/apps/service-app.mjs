// examples/service/server.mjs as a pod of the rolling-update simulation runs
// it: the simulated pod's environment (PORT, HEALTH_PORT, the scaled
// DRAIN_DELAY_MS and STOP_BUDGET_MS) given as the manifest's PODWARDEN_*
// variables, the database at the address of the first argument (tcp://host:port).
const env = process.env;
const [database] = process.argv.slice(2);
if (!database) throw new Error('usage: service-app.mjs tcp://host:port (the database)');
Object.assign(env, {
  PODWARDEN_PORT: env.HEALTH_PORT,
  PODWARDEN_DRAIN_DELAY: `${env.DRAIN_DELAY_MS}ms`,
  PODWARDEN_STOP_BUDGET: `${env.STOP_BUDGET_MS}ms`,
  PODWARDEN_DRAIN_TOKEN: 'rolling-update-simulation-drain-token-0123456789',
  DATABASE_URL: database,
});
await import('../../../examples/service/server.mjs');
