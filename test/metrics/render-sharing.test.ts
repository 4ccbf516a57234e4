import net from 'node:net';
import { Gauge, type Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../../src/core/server.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { type Harness, startHarness } from '../http/harness.js';

/** A gauge in `registry` that counts how often a scrape collects it. */
function countingGauge(registry: Registry) {
  const seen = { collects: 0 };
  new Gauge({
    name: 'test_renders',
    help: 'Counts the renders that collected it.',
    registers: [registry],
    collect() {
      seen.collects++;
      this.set(seen.collects);
    },
  });
  return seen;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('/metrics renders', () => {
  it('concurrent renders of one format share one render and one body; the next render is fresh', async () => {
    const metrics = createMetrics({ server: new Server() });
    const seen = countingGauge(metrics.registry);
    const texts = await Promise.all(Array.from({ length: 20 }, () => metrics.render(false)));
    expect(seen.collects).toBe(1);
    expect(new Set(texts.map((t) => t.body)).size).toBe(1);
    const both = await Promise.all([metrics.render(false), metrics.render(true), metrics.render(true)]);
    expect(seen.collects).toBe(3);
    expect(both[1]!.body.endsWith('# EOF\n')).toBe(true);
    expect(both[1]).toBe(both[2]);
    expect((await metrics.render(false)).body).toContain('test_renders 4');
    metrics.close();
  });

  it('a failed render is not shared with the requests after it', async () => {
    const metrics = createMetrics({ server: new Server() });
    let fail = true;
    new Gauge({
      name: 'test_flaky',
      help: 'Fails its first collect.',
      registers: [metrics.registry],
      collect() {
        if (fail) {
          fail = false;
          throw new Error('collect failed');
        }
        this.set(1);
      },
    });
    await expect(metrics.render(false)).rejects.toThrow('collect failed');
    expect((await metrics.render(false)).body).toContain('test_flaky 1');
    metrics.close();
  });

  it('HEAD /metrics answers the headers without rendering, in either format and on either request path', async () => {
    h = await startHarness();
    const seen = countingGauge(h.metrics.registry);
    const head = await h.get('/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const openMetrics = await h.get('/metrics', { method: 'HEAD', headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(openMetrics.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    // With a query, the router answers it.
    expect((await h.get('/metrics?x=1', { method: 'HEAD' })).status).toBe(200);
    expect(seen.collects).toBe(0);
    const scrape = await h.get('/metrics');
    expect(seen.collects).toBe(1);
    expect(scrape.body).toContain('podwarden_probe_requests_total{probe="metrics",code="200",agent="other"} 3');
  });

  it('scrapes read in one turn of the event loop share one render; the scrape after them is fresh', async () => {
    h = await startHarness();
    const seen = countingGauge(h.metrics.registry);
    const port = Number(new URL(h.base).port);
    // Fifty keep-alive connections, each accepted and answered once, so the next writes are all read in one poll.
    const sockets = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const socket = net.connect(port, '127.0.0.1').setEncoding('latin1');
        await answerOn(socket, 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
        return socket;
      }),
    );
    try {
      const scrapes = sockets.map((socket) => answerOn(socket, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
      const bodies = await Promise.all(scrapes);
      expect(new Set(bodies.map((b) => b.split('\r\n')[0]))).toEqual(new Set(['HTTP/1.1 200 OK']));
      // One render for the fifty (two at most, should the kernel hand them over in two polls), not fifty.
      expect(seen.collects).toBeGreaterThanOrEqual(1);
      expect(seen.collects).toBeLessThanOrEqual(2);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    const after = await h.get('/metrics');
    expect(after.body).toContain(`test_renders ${seen.collects}`);
    expect(after.body).toContain('podwarden_probe_requests_total{probe="metrics",code="200",agent="other"} 50');
  });
});

/** Write `request` on `socket` and resolve with the whole answer (headers and a Content-Length body). */
function answerOn(socket: net.Socket, request: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (Buffer.byteLength(text.slice(end + 4), 'latin1') < length) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.write(request);
  });
}
