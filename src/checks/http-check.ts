import http from 'node:http';
import https from 'node:https';
import type { BackgroundService } from '../core/background-service.js';
import type { HttpServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { periodicCheck } from './periodic-check.js';
import { readCa } from './tls-material.js';

/** How much of the body `bodyMatch` looks at (kubelet reads 10 KiB). */
export const bodyMatchLimit = 64 * 1024;

/** `[[200, 399]]` → `200-399`. */
function describeRanges(ranges: HttpServiceSpec['expectStatus']): string {
  return ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
}

/**
 * An `http` check: request `url` with a fresh connection each attempt;
 * success when the status is in `expectStatus` and, with `bodyMatch`, the
 * first 64 KiB of the body match. Redirects are not followed. Header values
 * never appear in failure reasons.
 */
export function httpCheck(spec: HttpServiceSpec, results: CheckResults): BackgroundService {
  const url = new URL(spec.url);
  const client = url.protocol === 'https:' ? https : http;
  const expected = describeRanges(spec.expectStatus);
  const headers = { 'user-agent': 'podwarden', ...spec.headers };
  return periodicCheck({
    ...spec,
    results,
    async setup() {
      const ca = await readCa(spec.tls?.ca);
      const tlsOptions = url.protocol === 'https:' ? { ca, rejectUnauthorized: !(spec.tls?.insecureSkipVerify ?? false) } : {};
      return {
        probe: (signal) =>
          new Promise<void>((resolve, reject) => {
            const req = client.request(url, { method: spec.method, headers, agent: false, signal, ...tlsOptions }, (res) => {
              const status = res.statusCode ?? 0;
              if (!spec.expectStatus.some(([lo, hi]) => status >= lo && status <= hi)) {
                res.destroy();
                reject(new Error(`status ${status}, expected ${expected}`));
                return;
              }
              const match = spec.bodyMatch;
              if (!match) {
                res.destroy();
                resolve();
                return;
              }
              let body = '';
              const judge = () => {
                res.destroy();
                if (match.test(body)) resolve();
                else reject(new Error(`status ${status} but the body does not match ${match.toString()}`));
              };
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                body += chunk;
                if (body.length >= bodyMatchLimit) {
                  body = body.slice(0, bodyMatchLimit);
                  judge();
                }
              });
              res.on('end', judge);
              res.on('error', (err) => reject(new Error(`reading the body: ${describeError(err)}`)));
            });
            req.on('error', (err) => reject(new Error(describeError(err))));
            req.end();
          }),
      };
    },
  });
}

/** A network error in a few words; Node's socket and TLS messages name the address, never the URL or headers. */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'aborted';
  return e?.message || e?.code || String(err);
}
