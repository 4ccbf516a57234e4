import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import type { BackgroundService } from '../core/background-service.js';
import type { HttpServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { describeError } from './network-error.js';
import { periodicCheck } from './periodic-check.js';
import { readCa } from './tls-material.js';

/** How much of the body `bodyMatch` looks at (kubelet reads 10 KiB). */
export const bodyMatchLimit = 64 * 1024;

/** Errors of a request on a kept-alive connection the server had closed meanwhile: worth one retry on a new one. */
const staleConnectionCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** `[[200, 399]]` → `200-399`. */
function describeRanges(ranges: HttpServiceSpec['expectStatus']): string {
  return ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
}

/**
 * An `http` check: request `url`; success when the status is in
 * `expectStatus` and, with `bodyMatch`, the first 64 KiB of the body match.
 * Redirects are not followed. Header values never appear in failure reasons.
 * Each check keeps one connection alive between attempts (its own agent,
 * closed when the service stops), so an attempt costs a request, not a TCP
 * or TLS handshake: the body is read to its end (at most 64 KiB, within the
 * timeout) so the connection can serve the next attempt. A request that
 * fails on a reused connection the server had closed meanwhile is retried
 * once on a new connection; a server that went away is seen at the next
 * attempt, as with a new connection each time.
 */
export function httpCheck(spec: HttpServiceSpec, results: CheckResults): BackgroundService {
  const url = new URL(spec.url);
  const secure = url.protocol === 'https:';
  const expected = describeRanges(spec.expectStatus);
  const match = spec.bodyMatch;
  const statusOk = (status: number) => spec.expectStatus.some(([lo, hi]) => status >= lo && status <= hi);
  return periodicCheck({
    ...spec,
    results,
    async setup() {
      const ca = await readCa(spec.tls?.ca);
      // Loaded here rather than imported: on Node 24 an ESM import of node:http evaluates its lazy exports, which loads
      // undici (~60 ms of CPU at startup, docs/performance.md); a CommonJS-style load does not.
      const http = process.getBuiltinModule('node:http');
      const https = secure ? process.getBuiltinModule('node:https') : undefined;
      const client = https ?? http;
      const agent = https
        ? new https.Agent({ keepAlive: true, maxFreeSockets: 1, ca, rejectUnauthorized: !(spec.tls?.insecureSkipVerify ?? false) })
        : new http.Agent({ keepAlive: true, maxFreeSockets: 1 });
      // Built once: every attempt sends the same request.
      const options: RequestOptions = { ...urlToHttpOptions(url), method: spec.method, headers: { 'user-agent': 'podwarden', ...spec.headers }, agent };
      return {
        attempt: (signal) =>
          new Promise<void>((resolve, reject) => {
            let done = false;
            let responded = false;
            let req: ClientRequest;
            const finish = (error: string | undefined) => {
              if (done) return;
              done = true;
              if (error === undefined) resolve();
              else reject(new Error(error));
            };
            const onResponse = (res: IncomingMessage) => {
              responded = true;
              const status = res.statusCode ?? 0;
              if (!statusOk(status)) {
                res.destroy();
                finish(`status ${status}, expected ${expected}`);
                return;
              }
              let body = '';
              let length = 0;
              const judge = () => {
                if (!match) finish(undefined);
                else if (match.test(body)) finish(undefined);
                else finish(`status ${status} but the body does not match ${match.toString()}`);
              };
              if (match) res.setEncoding('utf8');
              res.on('data', (chunk: string | Buffer) => {
                if (match) body += chunk as string;
                length += chunk.length;
                if (length >= bodyMatchLimit) {
                  // Past the limit: judge what came, and give up the connection rather than read on.
                  body = body.slice(0, bodyMatchLimit);
                  res.destroy();
                  judge();
                }
              });
              res.on('end', judge);
              res.on('error', (err) => finish(`reading the body: ${describeError(err)}`));
            };
            const send = (retry: boolean) => {
              req = client.request(options, onResponse);
              req.on('error', (err: NodeJS.ErrnoException) => {
                if (retry && !done && !responded && req.reusedSocket && staleConnectionCodes.has(err.code ?? '')) send(false);
                else finish(describeError(err));
              });
              req.end();
            };
            signal.addEventListener('abort', () => {
              if (done) return;
              finish('aborted');
              req.destroy();
            });
            send(true);
          }),
        close: () => agent.destroy(),
      };
    },
  });
}
