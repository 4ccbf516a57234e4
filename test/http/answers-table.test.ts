import { type Server as NodeHttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podwardenHttp } from '../../src/http/plugin.js';
import { podwardenMiddleware, podwardenRequestHandler } from '../../src/http/request-handler.js';
import { type PodwardenMetrics, createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { rawExchange } from '../reliability/support/raw-http.js';
import { type Harness, startHarness } from './harness.js';

// One table of requests and the answers every adapter must give: the sidecar's own listener, the fastify plugin in an
// app's fastify instance, the handler in an app's plain node:http server and the middleware in an Express app. All run
// the same answer function; this keeps them from drifting apart.

const token = 'table-test-token-0123456789abcdef';
const text = 'text/plain; charset=utf-8';
const json = 'application/json; charset=utf-8';
const prometheusText = 'text/plain; version=0.0.4; charset=utf-8';
const openMetrics = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const prometheus3Accept =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

interface Row {
  readonly request: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly status: number;
  readonly type: string;
  /** The exact body, or a pattern it matches; HEAD answers have none. */
  readonly answer: string | RegExp;
  /** The `probe` label it is counted under. */
  readonly counted: string;
  /** Headers the answer must carry beyond the common ones. */
  readonly expectHeaders?: Readonly<Record<string, string>>;
  /** The connection closes after the answer (a body left unread, a refusal). */
  readonly closes?: boolean;
  /** Only the sidecar's listener answers it: in an app, fastify answers paths outside the plugin's, and URLs it cannot decode. */
  readonly listenerOnly?: true;
}

const readyzFailing = '[+]podwarden ok\n[+]db ok\n[-]warm failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n';

const table: readonly Row[] = [
  { request: 'GET /livez', status: 200, type: text, answer: 'ok', counted: 'livez' },
  { request: 'GET /readyz', status: 503, type: text, answer: readyzFailing, counted: 'readyz' },
  { request: 'GET /readyz', headers: { accept: '*/*', 'user-agent': 'kube-probe/1.31' }, status: 503, type: text, answer: readyzFailing, counted: 'readyz' },
  { request: 'GET /readyz?exclude=warm', status: 200, type: text, answer: 'ok', counted: 'readyz' },
  { request: 'GET /livez?verbose', status: 200, type: text, answer: '[+]podwarden ok\n[+]shutdown ok\nlivez check passed\n', counted: 'livez' },
  { request: 'GET /startupz/db', status: 200, type: text, answer: 'ok', counted: 'startupz' },
  { request: 'GET /readyz/warm?verbose', status: 503, type: text, answer: '[-]warm failed: reason withheld\nreadyz check failed\n', counted: 'readyz' },
  { request: 'GET /%6civez', status: 200, type: text, answer: 'ok', counted: 'livez' },
  { request: 'GET /livez/nope', status: 404, type: text, answer: 'not found\n', counted: 'other' },
  { request: 'GET /readyz/%zz', status: 400, type: text, answer: 'bad request\n', counted: 'other', listenerOnly: true },
  // Content negotiation: case-insensitive types, q-values, no substring matches; anything unacceptable gets text.
  { request: 'GET /readyz', headers: { accept: 'application/json' }, status: 503, type: json, answer: /^\{"probe":"readyz","status":"failed","phase":"[a-z]+","checks":\[\{"name":"podwarden","status":"ok",/, counted: 'readyz' },
  { request: 'GET /readyz', headers: { accept: 'APPLICATION/JSON' }, status: 503, type: json, answer: /^\{"probe":"readyz"/, counted: 'readyz' },
  { request: 'GET /readyz', headers: { accept: 'text/html, application/json;q=0.5' }, status: 503, type: json, answer: /^\{"probe":"readyz"/, counted: 'readyz' },
  { request: 'GET /readyz', headers: { accept: 'application/json;q=0' }, status: 503, type: text, answer: readyzFailing, counted: 'readyz' },
  { request: 'GET /readyz', headers: { accept: 'application/jsonx' }, status: 503, type: text, answer: readyzFailing, counted: 'readyz' },
  { request: 'GET /livez/nope', headers: { accept: 'application/json' }, status: 404, type: json, answer: '{"error":"not found"}', counted: 'other' },
  { request: 'HEAD /livez', status: 200, type: text, answer: '', counted: 'livez', expectHeaders: { 'content-length': '2' } },
  // Methods and bodies: every refusal is the same plain text, counted as `other`.
  { request: 'POST /readyz', headers: { 'content-type': 'application/json' }, body: '{bad', status: 405, type: text, answer: 'method not allowed\n', counted: 'other', expectHeaders: { allow: 'GET, HEAD' } },
  { request: 'POST /readyz', headers: { 'content-type': 'application/x-odd' }, body: 'x', status: 405, type: text, answer: 'method not allowed\n', counted: 'other' },
  { request: 'PUT /metrics', body: 'a'.repeat(2048), status: 405, type: text, answer: 'method not allowed\n', counted: 'other', closes: true },
  { request: 'GET /livez', body: 'a'.repeat(2048), status: 200, type: text, answer: 'ok', counted: 'livez', closes: true },
  { request: 'GET /nope', status: 404, type: text, answer: 'not found\n', counted: 'other', listenerOnly: true },
  { request: 'DELETE /nope', status: 404, type: text, answer: 'not found\n', counted: 'other', listenerOnly: true },
  // /metrics: the Prometheus text format unless OpenMetrics is preferred, whatever parameters come with it.
  { request: 'GET /metrics', status: 200, type: prometheusText, answer: /# TYPE podwarden_server_phase gauge\n/, counted: 'metrics' },
  { request: 'GET /metrics?debug=1', status: 200, type: prometheusText, answer: /# TYPE podwarden_server_phase gauge\n/, counted: 'metrics' },
  { request: 'GET /metrics', headers: { accept: prometheus3Accept }, status: 200, type: openMetrics, answer: /# EOF\n$/, counted: 'metrics' },
  { request: 'GET /metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' }, status: 200, type: openMetrics, answer: /# EOF\n$/, counted: 'metrics' },
  { request: 'GET /metrics', headers: { accept: 'application/openmetrics-text;q=0' }, status: 200, type: prometheusText, answer: /# TYPE podwarden_server_phase gauge\n/, counted: 'metrics' },
  { request: 'HEAD /metrics', status: 200, type: prometheusText, answer: '', counted: 'metrics' },
  // /drain: refused from the headers, never by a framework's body parser.
  { request: 'GET /drain', status: 401, type: text, answer: 'unauthorized: /drain needs "Authorization: Bearer <token>"\n', counted: 'drain', expectHeaders: { 'www-authenticate': 'Bearer realm="podwarden"' } },
  { request: 'POST /drain', headers: { authorization: 'Bearer wrong' }, body: '{}', status: 401, type: text, answer: /^unauthorized/, counted: 'drain', closes: true },
  { request: 'HEAD /drain', headers: { authorization: `Bearer ${token}` }, status: 405, type: text, answer: '', counted: 'other', expectHeaders: { allow: 'GET, POST' } },
  { request: 'POST /drain', headers: { authorization: `Bearer ${token}` }, body: 'a'.repeat(2048), status: 413, type: text, answer: 'payload too large\n', counted: 'drain', closes: true },
];

interface Adapter {
  readonly name: string;
  readonly ownsEveryPath: boolean;
  port(): number;
  readonly metrics: () => PodwardenMetrics;
}

let h: Harness;
let app: FastifyInstance;
let pluginMetrics: PodwardenMetrics;
let plain: NodeHttpServer;
let plainMetrics: PodwardenMetrics;
let expressServer: NodeHttpServer;
let expressMetrics: PodwardenMetrics;

/** What the app answers on its own paths: a 404 of its own. */
const appNotFound = 'the app: not found';

async function listen(server: NodeHttpServer): Promise<NodeHttpServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  h = await startHarness({ services: { db: {}, warm: { probes: ['readiness'] } }, http: { drain: { token } } });
  h.services.db!.ready();
  h.services.warm!.notReady('warming');
  pluginMetrics = createMetrics({ server: h.server, processMetrics: false });
  app = Fastify({ logger: false });
  await app.register(podwardenHttp, { server: h.server, metrics: pluginMetrics, drain: { token } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  plainMetrics = createMetrics({ server: h.server, processMetrics: false });
  const handler = podwardenRequestHandler({ server: h.server, metrics: plainMetrics, drain: { token } });
  plain = await listen(createServer((req, res) => handler(req, res) || res.writeHead(404).end(appNotFound)));
  expressMetrics = createMetrics({ server: h.server, processMetrics: false });
  const expressApp = express();
  expressApp.use(podwardenMiddleware({ server: h.server, metrics: expressMetrics, drain: { token } }));
  expressApp.use((_req, res) => res.status(404).send(appNotFound));
  expressServer = await listen(createServer(expressApp));
});

afterAll(async () => {
  await app?.close();
  for (const server of [plain, expressServer]) if (server) await new Promise((resolve) => server.close(resolve));
  await h?.close();
});

const adapters: readonly Adapter[] = [
  { name: 'the sidecar listener', ownsEveryPath: true, port: () => h.http.address()!.port, metrics: () => h.metrics },
  { name: 'the fastify plugin', ownsEveryPath: false, port: () => (app.server.address() as AddressInfo).port, metrics: () => pluginMetrics },
  { name: 'the node:http handler', ownsEveryPath: false, port: () => (plain.address() as AddressInfo).port, metrics: () => plainMetrics },
  { name: 'the Express middleware', ownsEveryPath: false, port: () => (expressServer.address() as AddressInfo).port, metrics: () => expressMetrics },
];

function requestText(row: Row): string {
  const [method, target] = row.request.split(' ');
  const headers: Record<string, string> = { host: 'podwarden', connection: 'keep-alive', ...row.headers };
  if (row.body !== undefined) headers['content-length'] = String(Buffer.byteLength(row.body));
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${row.body ?? ''}`;
}

/** The first answer's headers, lower-cased names. */
function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n').slice(1);
  return new Map(head.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
}

/** `probe_requests_total` for `probe` and `code`, over both agents. */
async function counted(metrics: PodwardenMetrics, probe: string, code: number): Promise<number> {
  const { body } = await metrics.render(false);
  const series = new RegExp(`_probe_requests_total\\{probe="${probe}",code="${code}",agent="[a-z-]+"\\} (\\d+)`, 'g');
  return [...body.matchAll(series)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe.each(adapters)('every request gets the same answer from $name', (adapter) => {
  it.each(table.filter((row) => adapter.ownsEveryPath || !row.listenerOnly).map((row) => [`${row.request}${row.headers ? ` ${JSON.stringify(row.headers)}` : ''}${row.body ? ` with a ${row.body.length}-byte body` : ''}`, row] as const))(
    '%s',
    async (_name, row) => {
      const before = await counted(adapter.metrics(), row.counted, row.status);
      // Keep-alive is asked for: whether the answer closes the connection is part of it.
      const exchange = await rawExchange(adapter.port(), requestText(row), { endAfterMs: 300 });
      expect(exchange.statuses[0]).toBe(row.status);
      const headers = headersOf(exchange.text);
      expect(headers.get('content-type')).toBe(row.type);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      for (const [name, value] of Object.entries(row.expectHeaders ?? {})) expect(headers.get(name), name).toBe(value);
      if (typeof row.answer === 'string') expect(exchange.body).toBe(row.answer);
      else expect(exchange.body).toMatch(row.answer);
      if (!row.request.startsWith('HEAD ')) expect(headers.get('content-length')).toBe(String(Buffer.byteLength(exchange.body)));
      expect(headers.get('connection'), 'connection').toBe(row.closes ? 'close' : 'keep-alive');
      expect(await counted(adapter.metrics(), row.counted, row.status)).toBe(before + 1);
    },
  );
});
