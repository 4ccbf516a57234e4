import { type IncomingMessage, type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

afterEach(cleanupPodwardens);

interface Received {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP/HTTP receiver: keeps every request; answers 200 (or never, when `hang`). */
async function receiver(hang = false): Promise<{ url: string; received: Received[]; server: HttpServer }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      if (!hang) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** The spans and resource attributes of OTLP/HTTP JSON export requests. */
function decode(received: readonly Received[]) {
  const spans: OtlpSpan[] = [];
  const resource = new Map<string, unknown>();
  for (const { body } of received) {
    const request = JSON.parse(body.toString('utf8')) as { resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    for (const rs of request.resourceSpans) {
      for (const a of rs.resource.attributes) resource.set(a.key, Object.values(a.value)[0]);
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, resource };
}

const config = {
  shutdown: { drainDelay: '200ms', stopBudget: '2s' },
  services: [{ name: 'marker', type: 'file', path: '/', interval: '100ms' }],
};
const otel = (url: string, extra: Record<string, string> = {}) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_SERVICE_NAME: 'shop-podwarden',
  OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=shop-7d9f-abcde,k8s.namespace.name=shop,k8s.node.name=node-1',
  ...extra,
});

describe('the sidecar exports its lifecycle spans over OTLP/HTTP', () => {
  it('http/json: the startup and shutdown traces with their children, and the pod as resource attributes', async () => {
    const otlp = await receiver();
    try {
      const pw = await startPodwarden({ config, env: otel(otlp.url, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }) });
      await pw.waitState('marker', 'ready');
      await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
      pw.signal('SIGTERM');
      expect((await pw.exited()).code).toBe(0);
      expect(otlp.received.every((r) => r.path === '/v1/traces' && r.contentType === 'application/json')).toBe(true);
      const { spans, resource } = decode(otlp.received);
      expect(Object.fromEntries(resource)).toMatchObject({ 'service.name': 'shop-podwarden', 'k8s.pod.name': 'shop-7d9f-abcde', 'k8s.namespace.name': 'shop', 'k8s.node.name': 'node-1' });
      const byName = new Map(spans.map((s) => [s.name, s]));
      const startup = byName.get('podwarden.startup')!;
      const shutdown = byName.get('podwarden.shutdown')!;
      expect(startup.parentSpanId ?? '').toBe('');
      expect(shutdown.parentSpanId ?? '').toBe('');
      for (const name of ['start podwarden', 'start marker']) expect(byName.get(name)?.parentSpanId).toBe(startup.spanId);
      for (const name of ['podwarden.drain', 'stop marker', 'stop podwarden']) expect(byName.get(name)?.parentSpanId).toBe(shutdown.spanId);
      const drainNs = BigInt(byName.get('podwarden.drain')!.endTimeUnixNano) - BigInt(byName.get('podwarden.drain')!.startTimeUnixNano);
      expect(Number(drainNs) / 1e6).toBeGreaterThanOrEqual(199);
      // The drain comes first; the stops follow it, in the order they stopped.
      const children = spans.filter((s) => s.parentSpanId === shutdown.spanId);
      expect(children[0]?.name).toBe('podwarden.drain');
      const ends = children.slice(1).map((s) => BigInt(s.endTimeUnixNano));
      expect(ends).toEqual([...ends].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    } finally {
      otlp.server.close();
    }
  });

  it('http/protobuf (the default protocol): the same spans, as protobuf', async () => {
    const otlp = await receiver();
    try {
      const pw = await startPodwarden({ config, env: otel(otlp.url) });
      await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
      pw.signal('SIGTERM');
      expect((await pw.exited()).code).toBe(0);
      expect(otlp.received.length).toBeGreaterThan(0);
      expect(otlp.received.every((r) => r.contentType === 'application/x-protobuf')).toBe(true);
      // Protobuf keeps strings as they are: the span names and the pod are in the bytes.
      const bytes = Buffer.concat(otlp.received.map((r) => r.body)).toString('latin1');
      for (const text of ['podwarden.startup', 'podwarden.shutdown', 'stop marker', 'shop-7d9f-abcde']) expect(bytes).toContain(text);
    } finally {
      otlp.server.close();
    }
  });

  it('OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn it off, and say so', async () => {
    const otlp = await receiver();
    try {
      for (const off of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }] as Array<Record<string, string>>) {
        const pw = await startPodwarden({ config, env: otel(otlp.url, off) });
        const line = await pw.waitFor((l) => l.event === 'tracing');
        expect(line.msg).toBe(`not exporting spans: ${Object.entries(off)[0]!.join('=')}`);
        pw.signal('SIGTERM');
        expect((await pw.exited()).code).toBe(0);
      }
      expect(otlp.received).toEqual([]);
    } finally {
      otlp.server.close();
    }
  });

  it('a collector that never answers delays the exit by the flush cap, not the exporter timeout', async () => {
    const otlp = await receiver(true);
    try {
      const pw = await startPodwarden({ config: { ...config, shutdown: { drainDelay: '0', stopBudget: '2s' } }, env: otel(otlp.url) });
      await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
      pw.signal('SIGTERM');
      const exit = await pw.exited();
      expect(exit.code).toBe(0);
      // The cap is 1 s; the SDK's own export timeout would be 10 s.
      expect(exit.ms).toBeLessThan(5000);
      expect(pw.events('tracing').some((l) => l.level === 'warn' && String(l.msg).startsWith('the last spans were not exported within 1000 ms'))).toBe(true);
    } finally {
      otlp.server.closeAllConnections();
      otlp.server.close();
    }
  });
});
