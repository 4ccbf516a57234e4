import { type Agent, request } from 'node:http';

/** How one HTTP exchange ended. */
export type HttpOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'refused' | 'reset' | 'timeout' | 'error'; readonly detail: string };

export interface HttpGetOptions {
  readonly port: number;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** A keep-alive pool; without one the connection is used once (as kubelet's probes do). */
  readonly agent?: Agent;
  /** Bytes of the body kept (kubelet reads at most 10 KiB). */
  readonly bodyLimit?: number;
}

function classify(error: NodeJS.ErrnoException): HttpOutcome {
  if (error.code === 'ECONNREFUSED') return { kind: 'refused', detail: error.code };
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up') return { kind: 'reset', detail: error.code ?? error.message };
  return { kind: 'error', detail: error.code ?? error.message };
}

/** One GET to 127.0.0.1:`port`, never rejecting: a response (any status) or what went wrong. */
export function httpGet(options: HttpGetOptions): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: HttpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request({
      host: '127.0.0.1',
      port: options.port,
      path: options.path,
      method: 'GET',
      headers: options.headers,
      agent: options.agent ?? false,
    });
    const timer = setTimeout(() => {
      done({ kind: 'timeout', detail: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error) => done(classify(error)));
    req.on('response', (res) => {
      const limit = options.bodyLimit ?? 10 * 1024;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < limit) body += chunk.slice(0, limit - body.length);
      });
      res.on('end', () => done({ kind: 'response', status: res.statusCode ?? 0, body }));
      res.on('error', (error) => done(classify(error)));
      res.on('aborted', () => done({ kind: 'reset', detail: 'response aborted' }));
    });
    req.end();
  });
}
