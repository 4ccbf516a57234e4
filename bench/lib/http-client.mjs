// Loopback HTTP requests for polling: keep-alive or a fresh connection each
// time (as kubelet does), always with a timeout. Never throws.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * @returns {Promise<{status?: number, error?: string, startAt: number, endAt: number, ms: number, bytes: number}>}
 */
export function request(url, { fresh = false, timeoutMs = 1000, headers = {}, agent } = {}) {
  return new Promise((resolve) => {
    const startAt = performance.now();
    let done = false;
    let bytes = 0;
    const finish = (out) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const endAt = performance.now();
      resolve({ ...out, startAt, endAt, ms: endAt - startAt, bytes });
    };
    const req = http.get(url, {
      agent: fresh ? false : (agent ?? keepAliveAgent),
      headers: fresh ? { connection: 'close', ...headers } : headers,
    }, (res) => {
      res.on('data', (d) => { bytes += d.length; });
      res.on('end', () => finish({ status: res.statusCode }));
      res.on('error', (e) => finish({ error: e.code ?? e.message }));
    });
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ error: e.code ?? e.message }));
  });
}

/** GET and return the body as a string (small helper for /metrics). */
export function getText(url, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
