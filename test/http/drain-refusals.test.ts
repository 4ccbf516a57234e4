import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { until } from '../helpers/core.js';
import { type Harness, startHarness } from './harness.js';

/**
 * Refused `/drain` callers: refused before they are invited to send a body
 * (`Expect: 100-continue`), and refused floods logged once per window, not
 * once per request (issue: pipelined /metrics flood, smaller findings).
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Send `head` on a raw connection and collect what comes back within `ms`. */
function exchange(port: number, head: string, ms = 600): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
  });
}

const port = (h: Harness) => Number(new URL(h.base).port);

/** A log destination that keeps the parsed lines. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('/drain refusals', () => {
  it('an unauthorised POST with Expect: 100-continue gets its 401 without a 100 Continue, and the connection closes', async () => {
    h = await startHarness({ http: { drain: { token: 'expect-token-1' } } });
    const text = await exchange(port(h), 'POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    expect(text).not.toContain('100 Continue');
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(h.server.phase).toBe('running');
  });

  it('with no token configured, the 403 comes without a 100 Continue too', async () => {
    h = await startHarness();
    const text = await exchange(port(h), 'POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    expect(text).not.toContain('100 Continue');
    expect(text).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('an authorised POST with Expect: 100-continue is invited, sends its body, and drains', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 100 } }, http: { drain: { token: 'expect-token-2' } } });
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port(h!), '127.0.0.1', () =>
        socket.write('POST /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer expect-token-2\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'),
      );
      let seen = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        seen += chunk;
        if (seen.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !seen.includes('200')) socket.write('hello');
        if (seen.includes('drained\n')) {
          socket.destroy();
          resolve(seen);
        }
      });
    });
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(h.server.phase).toBe('drained');
  });

  it('5,000 refused calls write one warn line, then one line for the rest of the window; each is counted', async () => {
    const { logger, lines } = memoryLog();
    h = await startHarness({ logger, http: { drain: { token: 'log-flood-token' } } });
    const refusals = () => lines.filter((l) => l.event === 'drain-request');
    const requests = 'GET /drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\r\n';
    // Five connections of eight requests a round, so neither pipelining limit closes them.
    for (let round = 0; round < 125; round++) await Promise.all(Array.from({ length: 5 }, () => exchangeUntil(port(h!), requests.repeat(8), 8)));
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]).toMatchObject({ level: 'warn', result: 'unauthorized', count: 1, msg: '/drain refused (401)' });
    const metrics = (await h.get('/metrics')).body;
    expect(metrics).toContain('podwarden_drain_requests_total{result="unauthorized"} 5000');
    // The window (10 s) ends with one line for everything it folded.
    await until(() => refusals().length === 2, 15_000, 'the folded line');
    expect(refusals()[1]).toMatchObject({ level: 'warn', result: 'unauthorized', count: 4999 });
    expect(refusals()[1]!.msg).toBe('/drain refused (401), 4999 times in the last 10s');
  }, 40_000);
});

/** Send `data` and wait for `answers` status lines. */
function exchangeUntil(port: number, data: string, answers: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      text += chunk;
      if ((text.match(/HTTP\/1\.1 /g) ?? []).length === answers) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('close', () => reject(new Error(`connection closed after ${text.length} bytes`)));
    socket.on('error', () => {});
  });
}
