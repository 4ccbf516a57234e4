// A `module` service for the scale figure: ready at once, then holds one
// timer (a worker polling every `everyMs`) until podwarden stops it. Every
// module service of a config imports this file; each gets its own instance.
export default function readyModule({ everyMs = 10_000 } = {}) {
  return {
    name: 'ready-module',
    async startWithReadyNotifier(shutdown, ready) {
      ready.notifyReady();
      const timer = setInterval(() => {}, everyMs);
      await shutdown.wait();
      clearInterval(timer);
    },
  };
}
