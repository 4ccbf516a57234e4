import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdmissionRefusal, requestAdmission } from '../../src/http/request-admission.js';
import { until } from '../helpers/core.js';

/**
 * The total bound of pipelined answers, on a real node:http server whose
 * handler holds every answer (as a client that never reads would make it):
 * past the total, a connection that pipelines is closed, and a fresh
 * connection with one request (a kubelet probe) is still answered.
 */

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function server(limits: { perConnection: number; pipelined: number }) {
  const refused: AdmissionRefusal[] = [];
  const admission = requestAdmission(limits, (reason) => refused.push(reason));
  const held: Array<() => void> = [];
  const http = createServer((request, response) => {
    if (!admission.admit(request, response)) return;
    if (request.url === '/now') response.end('ok');
    else held.push(() => response.end('late'));
  });
  closers.push(() => http.close());
  closers.push(() => http.closeAllConnections());
  return new Promise<{ port: number; refused: AdmissionRefusal[]; admission: typeof admission; release: () => void }>((resolve) =>
    http.listen(0, '127.0.0.1', () =>
      resolve({ port: (http.address() as AddressInfo).port, refused, admission, release: () => held.splice(0).forEach((end) => end()) }),
    ),
  );
}

/** A connection that writes `requests` and records whether the server closed it. */
function client(port: number, requests: string) {
  const socket = connect(port, '127.0.0.1', () => socket.write(requests));
  closers.push(() => socket.destroy());
  const state = { text: '', closed: false };
  socket.setEncoding('latin1').on('data', (chunk: string) => (state.text += chunk));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => {});
  return state;
}

const held = 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n';

describe('request admission', () => {
  it('closes pipelining connections past the total, never a fresh one, and gives back what closed connections held', async () => {
    const s = await server({ perConnection: 8, pipelined: 10 });
    const pipeliners = Array.from({ length: 5 }, () => client(s.port, held.repeat(2)));
    await until(() => s.admission.outstanding + s.refused.length >= 10);
    expect(s.admission.outstanding).toBe(10);
    // Past the total, a connection's second request closes it; its first is still admitted.
    const late = client(s.port, held.repeat(2));
    await until(() => late.closed, 2000, 'the late pipeliner to be closed');
    expect(s.refused).toEqual(['pipelined']);
    // A fresh connection with one request is answered whatever the total.
    const probe = client(s.port, 'GET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await until(() => probe.closed, 2000, 'the probe');
    expect(probe.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(pipeliners.every((c) => !c.closed)).toBe(true);
    s.release();
    await until(() => pipeliners.every((c) => (c.text.match(/HTTP\/1\.1 200 /g) ?? []).length === 2), 2000, 'the held answers');
    expect(s.admission.outstanding).toBe(0);
  });

  it('a connection closed with answers still queued gives them all back', async () => {
    const s = await server({ perConnection: 8, pipelined: 64 });
    const c = client(s.port, held.repeat(6));
    await until(() => s.admission.outstanding === 6);
    const ninth = client(s.port, held.repeat(9));
    await until(() => ninth.closed, 2000, 'the ninth request to close its connection');
    expect(s.refused).toEqual(['per-connection']);
    await until(() => s.admission.outstanding === 6, 2000, 'the ninth connection to give back its eight');
    expect(c.closed).toBe(false);
  });
});
