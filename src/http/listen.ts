import type { AddressInfo, Server as NetServer } from 'node:net';
import { type PodwardenError, podwardenError } from '../errors.js';

/** `[::]:7654`, `127.0.0.1:7654`. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What each bind error means; `hint` adds the fix where the sidecar's own config or flags set the address. */
const explanations: Record<string, (port: number, hint: boolean) => string> = {
  EADDRINUSE: (port, hint) => `address already in use (another process listens on port ${port}${hint ? '; set server.port or --port' : ''})`,
  EACCES: (port) => `permission denied (port ${port} needs privileges; use a port above 1023)`,
  EADDRNOTAVAIL: (_port, hint) => `address not available on this host${hint ? ' (set server.host or --host)' : ''}`,
  ENOTFOUND: (_port, hint) => `host name not found${hint ? ' (set server.host or --host)' : ''}`,
};

function listenError(host: string, port: number, err: unknown, hint: boolean): PodwardenError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const explain = code === undefined ? undefined : explanations[code];
  const error = podwardenError('PODWARDEN_ERR_LISTEN', formatAddress(host, port), explain ? explain(port, hint) : err instanceof Error ? err.message : String(err));
  error.cause = err;
  return error;
}

/**
 * The accept queue asked of the kernel, which caps it at `net.core.somaxconn`
 * (4096 since Linux 5.4), as Go's listeners do. Node's default of 511 overflows
 * when a burst of connections outruns a busy event loop, and the kernel then
 * drops SYNs — kubelet's among them, retried only after 1 s, the default probe timeout.
 */
export const listenBacklog = 4096;

/** Bind a `net.Server` (an HTTP, HTTPS or HTTP/2 server) to `host:port`. */
export function bindServer(server: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // `::` is what Node binds when no host is given (dual-stack, or 0.0.0.0 where IPv6 is off), without the
    // dns.lookup a host goes through: its IPv6-literal test compiles a large regular expression, 7-12 ms of every start.
    server.listen(host === '::' ? { port, backlog: listenBacklog } : { host, port, backlog: listenBacklog });
  });
}

/** How {@link listen} binds and explains. */
export interface ListenOptions {
  /** Called with the fallback host when `::` is not available. */
  readonly onFallback?: (host: string) => void;
  /** Binds instead of `server.listen` (a fastify instance's own `listen`). */
  readonly bind?: (host: string, port: number) => Promise<void>;
  /** Name podwarden's `server.port`/`server.host` settings in the error (default `true`). */
  readonly configHints?: boolean;
}

/**
 * Bind `server` to `host:port`. Where IPv6 is off, the default dual-stack `::`
 * falls back to `0.0.0.0`, as Node does for an unspecified host. Throws
 * `PODWARDEN_ERR_LISTEN` naming the address.
 */
export async function listen(server: NetServer, host: string, port: number, options: ListenOptions = {}): Promise<AddressInfo> {
  const bind = options.bind ?? ((h: string, p: number) => bindServer(server, h, p));
  const hint = options.configHints ?? true;
  try {
    await bind(host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw listenError(host, port, err, hint);
    try {
      await bind('0.0.0.0', port);
    } catch (fallbackErr) {
      throw listenError('0.0.0.0', port, fallbackErr, hint);
    }
  }
  const address = server.address() as AddressInfo;
  // Said once, whether the fallback was ours (above) or Node's own for an unspecified host (bindServer).
  if (host === '::' && address.address === '0.0.0.0') options.onFallback?.('0.0.0.0');
  return address;
}
