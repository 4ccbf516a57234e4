// Module services for the soak run (scripts/soak.mjs), chosen by
// options.behaviour:
//   flap        — ready, then not ready and ready again every `periodMs`;
//   crash-loop  — ready, then fails after `lifeMs` (run with restart: on-failure);
//   worker      — ready; allocates and drops a little memory every `periodMs`
//                 (garbage a real service would make).
/** Wait `ms`, or less if `signal` fires. The abort listener is removed either way: a service sleeps many times on one signal. */
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export default function soakService({ behaviour, periodMs = 1000, lifeMs = 2000 }) {
  return {
    name: behaviour,
    async startWithReadyNotifier(shutdown, ready) {
      ready.notifyReady();
      switch (behaviour) {
        case 'flap': {
          let up = true;
          while (!shutdown.isShuttingDown) {
            await sleep(periodMs, shutdown.signal);
            if (shutdown.isShuttingDown) break;
            up = !up;
            if (up) ready.notifyReady();
            else ready.notifyNotReady('soak: flapping on purpose');
          }
          return;
        }
        case 'crash-loop':
          await sleep(lifeMs, shutdown.signal);
          if (!shutdown.isShuttingDown) throw new Error('soak: crashing on purpose');
          return;
        case 'worker': {
          let kept = [];
          while (!shutdown.isShuttingDown) {
            kept = Array.from({ length: 1000 }, (_, i) => ({ i, text: `item ${i}` }));
            await sleep(periodMs, shutdown.signal);
          }
          kept.length = 0;
          return;
        }
        default:
          throw new Error(`unknown behaviour ${behaviour}`);
      }
    },
  };
}
