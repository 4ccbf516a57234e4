// A podwarden module service: export a BackgroundService, or a function that
// makes one from the `options` of its config entry.
export default function queueWorker({ queue = 'jobs', concurrency = 1 } = {}) {
  return {
    name: 'queue-worker',
    async startWithReadyNotifier(shutdown, ready) {
      // Connect and warm up here, then say so: /readyz and dependents wait for it.
      ready.notifyReady();
      // Work until podwarden stops this service, then return (within stopTimeout).
      while (!shutdown.isShuttingDown) await takeJobs(queue, concurrency, shutdown.signal);
    },
  };
}

/** Stand-in for a queue client: wait up to a second for `concurrency` jobs from `queue`, or until `signal` aborts. */
function takeJobs(queue, concurrency, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000, { queue, taken: Math.min(concurrency, 0) });
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve({ queue, taken: 0 })), { once: true });
  });
}
