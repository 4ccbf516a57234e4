/**
 * Wait for `promise` to settle, for at most `ms` milliseconds, or until
 * `abort` fires. Resolves true when it settled in time. Leaves no timer behind.
 */
export function settledWithin(promise: Promise<unknown>, ms: number, abort?: AbortSignal): Promise<boolean> {
  if (ms <= 0 || abort?.aborted) {
    // Still give an already-settled promise its chance.
    return Promise.race([promise.then(() => true, () => true), Promise.resolve().then(() => false)]);
  }
  return new Promise((resolve) => {
    const done = (settled: boolean) => {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      resolve(settled);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    abort?.addEventListener('abort', onAbort, { once: true });
    promise.then(() => done(true), () => done(true));
  });
}
