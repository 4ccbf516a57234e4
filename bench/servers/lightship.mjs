// Baseline: lightship 7 as its README sets it up (its own fastify server,
// /live /ready /health), ready at once, Kubernetes' 5 s shutdown delay.
import { createLightship } from 'lightship';
import { announce, parseServerArgs } from './server-args.mjs';

const opts = parseServerArgs();
const lightship = await createLightship({
  port: opts.port,
  detectKubernetes: false,
  shutdownDelay: opts.drainMs,
  terminate: () => process.exit(0),
});
lightship.signalReady();
announce('lightship', lightship.server.address().port);
