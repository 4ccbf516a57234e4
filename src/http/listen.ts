import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PodwardenError, podwardenError } from '../errors.js';

/** `[::]:7654`, `127.0.0.1:7654`. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const explanations: Record<string, (port: number) => string> = {
  EADDRINUSE: (port) => `address already in use (another process listens on port ${port}; set server.port or --port)`,
  EACCES: (port) => `permission denied (port ${port} needs privileges; use a port above 1023)`,
  EADDRNOTAVAIL: () => 'address not available on this host (set server.host or --host)',
  ENOTFOUND: () => 'host name not found (set server.host or --host)',
};

function listenError(host: string, port: number, err: unknown): PodwardenError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const explain = code === undefined ? undefined : explanations[code];
  const error = podwardenError('PODWARDEN_ERR_LISTEN', formatAddress(host, port), explain ? explain(port) : err instanceof Error ? err.message : String(err));
  error.cause = err;
  return error;
}

function bind(server: HttpServer, host: string, port: number): Promise<void> {
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
    server.listen({ host, port });
  });
}

/**
 * Bind `server` to `host:port`. Where IPv6 is off, the default dual-stack `::`
 * falls back to `0.0.0.0`, as Node does for an unspecified host. Throws
 * `PODWARDEN_ERR_LISTEN` naming the address.
 */
export async function listen(server: HttpServer, host: string, port: number, onFallback?: (host: string) => void): Promise<AddressInfo> {
  try {
    await bind(server, host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw listenError(host, port, err);
    onFallback?.('0.0.0.0');
    try {
      await bind(server, '0.0.0.0', port);
    } catch (fallbackErr) {
      throw listenError('0.0.0.0', port, fallbackErr);
    }
  }
  return server.address() as AddressInfo;
}
