import { once } from 'node:events';
import { Agent, type IncomingMessage, type Server as HttpServer, createServer, request } from 'node:http';
import { type ClientHttp2Session, connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import fastify from 'fastify';
import type { ExitReport } from '../../src/core/exit-report.js';
import type { Server } from '../../src/core/server.js';
import { type HttpServerService, type ServableHttpServer, httpServerService } from '../../src/http/http-server-service.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { recordingServer, sleep, until } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly socket: Socket;
}

/** A GET through `agent`, with the socket it went over. */
function get(port: number, path: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket: req.socket! }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An app: `/` answers at once, `/slow?ms=N` after N ms, `/hang` never. */
function app(): HttpServer {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/hang') return;
    const ms = Number(url.searchParams.get('ms') ?? 0);
    setTimeout(() => res.end(`hello ${url.pathname}\n`), ms);
  });
}

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A podwarden Server running `service` (its signals faked), with its run and its states. */
async function run(service: HttpServerService, options: { drainDelay?: number; stopTimeout?: number } = {}) {
  const recording = recordingServer({ shutdown: { drainDelay: options.drainDelay ?? 0, stopBudget: 5000 } });
  const { server } = recording;
  server.addService(service, { stopTimeout: options.stopTimeout ?? 2000 });
  const report: Promise<ExitReport> = server.run();
  stops.push(() => (server.phase === 'terminated' ? report : server.shutdown('test', { fast: true })));
  return { ...recording, report };
}

const readyOf = (server: Server, name: string) => until(() => server.service(name)?.state === 'ready', 5000, `${name} ready`);

describe('httpServerService: a node:http server', () => {
  it('listens itself on the given port and is ready only once it listens', async () => {
    const port = await freePort();
    const httpServer = app();
    const service = httpServerService(httpServer, { name: 'web', port, host: '127.0.0.1' });
    expect(httpServer.listening).toBe(false);
    const { server, statesOf } = await run(service);
    await readyOf(server, 'web');
    expect(statesOf('web')).toEqual(['starting', 'ready']);
    expect(httpServer.listening).toBe(true);
    expect(service.address()).toMatchObject({ address: '127.0.0.1', port });
    expect((await get(port, '/')).body).toBe('hello /\n');
  });

  it('adopts a server that already listens: ready at once, closed at stop', async () => {
    const httpServer = app();
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    const { port } = httpServer.address() as { port: number };
    const service = httpServerService(httpServer, { name: 'adopted' });
    const { server, report } = await run(service);
    await readyOf(server, 'adopted');
    expect((await get(port, '/')).status).toBe(200);
    await server.shutdown('test');
    expect((await report).exitCode).toBe(0);
    expect(httpServer.listening).toBe(false);
    await expect(get(port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails with the address in the reason when the port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    stops.push(() => new Promise((resolve) => taken.close(resolve)));
    const { server } = await run(httpServerService(app(), { name: 'web', port, host: '127.0.0.1' }));
    await until(() => server.service('web')?.state === 'failed', 5000, 'web failed');
    expect(server.service('web')?.reason).toBe(`cannot listen on 127.0.0.1:${port}: address already in use (another process listens on port ${port})`);
  });

  it('fails with the fix when the server does not listen and no port is given', async () => {
    const { server } = await run(httpServerService(app(), { name: 'web' }));
    await until(() => server.service('web')?.state === 'failed', 5000, 'web failed');
    expect(server.service('web')?.reason).toMatch(/^invalid option port of httpServerService "web": is unset and the server does not listen: pass \{ port \}/);
  });

  it('refuses what is not an HTTP server, and a host without a port, when it is made', () => {
    expect(() => httpServerService({} as ServableHttpServer)).toThrow(/server of httpServerService "http": must be a server from node:http, node:https or node:http2/);
    expect(() => httpServerService(app(), { host: '127.0.0.1' })).toThrow(/host of httpServerService "http": is where the service listens, so it needs port too/);
    expect(() => httpServerService(app(), { port: 70_000 })).toThrow(/port of httpServerService "http": 70000 is not a port/);
  });

  it('keeps serving while draining, and tells keep-alive clients Connection: close; the socket closes after the answer', async () => {
    const port = await freePort();
    const service = httpServerService(app(), { name: 'web', port, host: '127.0.0.1' });
    const { server } = await run(service, { drainDelay: 5000 });
    await readyOf(server, 'web');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    stops.push(async () => agent.destroy());
    const before = await get(port, '/', agent);
    expect(before.headers.connection).toBe('keep-alive');
    const again = await get(port, '/', agent);
    expect(again.socket, 'the keep-alive socket is reused before the drain').toBe(before.socket);

    void server.drain('test');
    await until(() => server.phase === 'draining');
    const during = await get(port, '/', agent);
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    expect(during.socket).toBe(before.socket);
    await until(() => during.socket.destroyed, 2000, 'the socket closed after the answer');
    const next = await get(port, '/', agent);
    expect(next.status, 'a new connection is still served during the drain').toBe(200);
    expect(next.socket).not.toBe(before.socket);
    expect(next.headers.connection).toBe('close');
  });

  it('sets Connection: close on answers already in flight when the drain begins', async () => {
    const port = await freePort();
    const { server } = await run(httpServerService(app(), { name: 'web', port, host: '127.0.0.1' }), { drainDelay: 5000 });
    await readyOf(server, 'web');
    const agent = new Agent({ keepAlive: true });
    stops.push(async () => agent.destroy());
    const slow = get(port, '/slow?ms=300', agent);
    await sleep(50);
    void server.drain('test');
    expect((await slow).headers.connection).toBe('close');
  });

  it('lets a slow request in flight finish during the stop, then stops', async () => {
    const port = await freePort();
    const service = httpServerService(app(), { name: 'web', port, host: '127.0.0.1' });
    const { server, report } = await run(service, { stopTimeout: 3000 });
    await readyOf(server, 'web');
    const slow = get(port, '/slow?ms=500');
    await until(() => service.inFlight === 1);
    const t0 = Date.now();
    void server.shutdown('test');
    expect(await slow).toMatchObject({ status: 200, body: 'hello /slow\n' });
    const exit = await report;
    expect(exit.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(service.lastStop).toMatchObject({ inFlight: 1, connectionsCut: 0, requestsCut: 0 });
    expect(exit.services.find((s) => s.name === 'web')).toMatchObject({ state: 'stopped', overran: false });
  });

  it('cuts a request that outlasts its stopTimeout, counts it, and still returns in time', async () => {
    const port = await freePort();
    const recording = recordingServer({ shutdown: { drainDelay: 0, stopBudget: 5000 } });
    const metrics = createMetrics({ server: recording.server, processMetrics: false });
    const service = httpServerService(app(), { name: 'web', port, host: '127.0.0.1', metrics });
    recording.server.addService(service, { stopTimeout: 600 });
    const report = recording.server.run();
    stops.push(() => (recording.server.phase === 'terminated' ? report : recording.server.shutdown('test', { fast: true })));
    await readyOf(recording.server, 'web');
    const hanging = get(port, '/hang').catch((err: NodeJS.ErrnoException) => err);
    await until(() => service.inFlight === 1);
    expect((await metrics.render(false)).body).toContain('podwarden_http_server_requests_in_flight{name="web"} 1\n');
    const t0 = Date.now();
    void recording.server.shutdown('test');
    expect(await hanging).toMatchObject({ code: 'ECONNRESET' });
    const exit = await report;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(1500);
    expect(exit.exitCode, 'cut within its stopTimeout: the service did not overrun').toBe(0);
    expect(service.lastStop).toMatchObject({ inFlight: 1, connectionsCut: 1, requestsCut: 1 });
    const { body } = await metrics.render(false);
    expect(body).toContain('podwarden_http_server_connections_cut_total{name="web"} 1\n');
    expect(body).toContain('podwarden_http_server_requests_cut_total{name="web"} 1\n');
    expect(body).toContain('podwarden_http_server_requests_in_flight{name="web"} 0\n');
  });
});

describe('httpServerService: an upgraded connection', () => {
  it('closes a connection upgraded to another protocol at the cut, and counts it', async () => {
    const port = await freePort();
    const httpServer = app();
    httpServer.on('upgrade', (_req, socket: Socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'));
    const service = httpServerService(httpServer, { name: 'ws', port, host: '127.0.0.1' });
    const { server, report } = await run(service, { stopTimeout: 500 });
    await readyOf(server, 'ws');
    const upgraded = await new Promise<Socket>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
      req.on('upgrade', (_res, socket: Socket) => resolve(socket));
      req.on('error', reject);
      req.end();
    });
    const closed = once(upgraded, 'close');
    void server.shutdown('test');
    await closed;
    expect((await report).exitCode).toBe(0);
    expect(service.lastStop).toMatchObject({ connectionsCut: 1, requestsCut: 0 });
  });
});

describe('httpServerService: HTTP/2', () => {
  it('sends each session a GOAWAY when the drain begins, and finishes the streams under way', async () => {
    const port = await freePort();
    const h2 = createHttp2Server();
    h2.on('stream', (stream, headers) => {
      const ms = Number(new URL(String(headers[':path']), 'http://app').searchParams.get('ms') ?? 0);
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end('hello h2\n');
      }, ms);
    });
    const service = httpServerService(h2, { name: 'h2', port, host: '127.0.0.1' });
    const { server, report } = await run(service, { drainDelay: 1500 });
    await readyOf(server, 'h2');
    const client: ClientHttp2Session = connectHttp2(`http://127.0.0.1:${port}`);
    stops.push(async () => client.destroy());
    const fetch2 = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const stream = client.request({ ':path': path });
        let body = '';
        stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve(body));
        stream.on('error', reject);
      });
    expect(await fetch2('/')).toBe('hello h2\n');
    const goaway = once(client, 'goaway');
    const underWay = fetch2('/?ms=300');
    await sleep(50);
    void server.drain('test');
    const [code] = (await goaway) as [number];
    expect(code).toBe(0); // NO_ERROR: a graceful GOAWAY
    expect(await underWay).toBe('hello h2\n');
    await until(() => client.closed || client.destroyed, 2000, 'the client session closed');
    // Still served during the drain, on a new session.
    const second = connectHttp2(`http://127.0.0.1:${port}`);
    stops.push(async () => second.destroy());
    const body = await new Promise<string>((resolve, reject) => {
      const stream = second.request({ ':path': '/' });
      let text = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve(text));
      stream.on('error', reject);
    });
    expect(body).toBe('hello h2\n');
    await server.shutdown('test');
    expect((await report).exitCode).toBe(0);
  });
});

describe('httpServerService: a fastify instance', () => {
  it('listens through fastify, drains with Connection: close, lets the request in flight finish, then runs its onClose hooks', async () => {
    const port = await freePort();
    const instance = fastify();
    instance.get('/', async () => 'hello fastify\n');
    instance.get('/slow', async () => {
      await sleep(300);
      return 'slow fastify\n';
    });
    let closedHooks = 0;
    instance.addHook('onClose', async () => {
      closedHooks++;
    });
    const service = httpServerService(instance, { name: 'api', port, host: '127.0.0.1' });
    const { server, report } = await run(service, { drainDelay: 300 });
    await readyOf(server, 'api');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    stops.push(async () => agent.destroy());
    expect((await get(port, '/', agent)).headers.connection).toBe('keep-alive');
    const slow = get(port, '/slow');
    void server.shutdown('test');
    await until(() => server.phase === 'draining');
    const during = await get(port, '/', agent);
    expect(during).toMatchObject({ status: 200, body: 'hello fastify\n' });
    expect(during.headers.connection).toBe('close');
    expect((await slow).body).toBe('slow fastify\n');
    const exit = await report;
    expect(exit.exitCode).toBe(0);
    expect(closedHooks).toBe(1);
    expect(service.lastStop).toMatchObject({ connectionsCut: 0 });
  });
});
