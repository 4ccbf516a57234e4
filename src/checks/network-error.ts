/** A network error in a few words; Node's socket and TLS messages name the address, never the URL or headers. */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'aborted';
  return e?.message || e?.code || String(err);
}
