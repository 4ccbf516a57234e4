import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import { type AddressInfo, Server as NetServer } from 'node:net';
import type { BackgroundService } from '../core/background-service.js';
import { now } from '../core/clock.js';
import type { ServiceReadyNotifier } from '../core/ready-notifier.js';
import type { ShutdownWatch } from '../core/shutdown-watch.js';
import { settledWithin } from '../core/timers.js';
import { podwardenError } from '../errors.js';
import type { HttpServerStopCounter } from '../metrics/http-server-metrics.js';
import type { PodwardenMetrics } from '../metrics/podwarden-metrics.js';
import { formatAddress, listen } from './listen.js';
import type { HttpLog } from './options.js';
import { ServerTraffic, protocolOf } from './server-traffic.js';

/**
 * What {@link httpServerService} needs of a fastify instance: its `server`,
 * `listen({ port, host })` and `close()`. fastify is an optional peer
 * dependency, so the instance is recognised by these members alone.
 */
export interface FastifyLike {
  readonly server: NetServer;
  listen(options: { port: number; host: string }): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

/** A server {@link httpServerService} runs: `node:http`, `node:https`, `node:http2` (plain or secure), or a fastify instance. */
export type ServableHttpServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer | FastifyLike;

/** Options of {@link httpServerService}. */
export interface HttpServerServiceOptionsInput {
  /** The service's name: in probes (`/readyz/<name>`), metrics (`name` label) and logs (default `http`). */
  readonly name?: string;
  /**
   * Listen on this port when the service starts (`0` picks a free one). Leave
   * it unset to adopt a server that already listens: the service is then
   * ready at once.
   */
  readonly port?: number;
  /** With `port`: the address to bind (default `::`, dual-stack, falling back to `0.0.0.0` where IPv6 is off). */
  readonly host?: string;
  /** Count requests in flight and what a stop cut, in `http_server_*{name}` (see docs/metrics.md). */
  readonly metrics?: PodwardenMetrics;
  /** Where `listening` and the stop's summary go (a pino logger fits). */
  readonly log?: HttpLog;
}

/** What one stop of the service did. */
export interface HttpServerStop {
  /** Requests in flight when the watch fired. */
  readonly inFlight: number;
  /** Connections (HTTP/2: sessions) still open when the time ran out, closed at once. */
  readonly connectionsCut: number;
  /** Requests (HTTP/2: streams) in flight on those connections. */
  readonly requestsCut: number;
  /** From the watch firing to the server closed, in milliseconds. */
  readonly durationMs: number;
}

/** The service {@link httpServerService} returns. */
export interface HttpServerService extends BackgroundService {
  readonly name: string;
  startWithReadyNotifier(shutdown: ShutdownWatch, ready: ServiceReadyNotifier): Promise<void>;
  /** Requests (HTTP/2: streams) in flight now. */
  readonly inFlight: number;
  /** What the last stop did; `undefined` until the service has stopped once. */
  readonly lastStop: HttpServerStop | undefined;
  /** Where the server listens, while it does. */
  address(): AddressInfo | undefined;
}

/** The default service name. */
export const httpServerServiceDefaults = { name: 'http', host: '::' } as const;

/** Cut a little before the runner gives up, so the service returns in time: 10 % of the time left at stop, 20–500 ms. */
function cutReserve(timeLeft: number): number {
  return Math.min(500, Math.max(20, timeLeft / 10));
}

function isFastifyLike(value: unknown): value is FastifyLike {
  const candidate = value as Partial<FastifyLike> | null;
  return typeof candidate === 'object' && candidate !== null && candidate.server instanceof NetServer && typeof candidate.listen === 'function' && typeof candidate.close === 'function';
}

function resolveOptions(input: HttpServerServiceOptionsInput) {
  const name = input.name ?? httpServerServiceDefaults.name;
  const where = (field: string) => `${field} of httpServerService "${name}"`;
  const { port } = input;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('port'), `${JSON.stringify(port)} is not a port (0–65535)`);
  }
  if (input.host !== undefined && (typeof input.host !== 'string' || input.host === '')) throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('host'), 'must be an address or host name');
  if (input.host !== undefined && port === undefined) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where('host'), 'is where the service listens, so it needs port too; leave both unset to adopt a server that listens already');
  }
  return { name, port, host: input.host ?? httpServerServiceDefaults.host, metrics: input.metrics, log: input.log };
}

/**
 * Run an HTTP server you already have as a {@link BackgroundService}: a
 * `node:http`, `node:https` or `node:http2` server, or a fastify instance.
 *
 * - It listens when the service starts, given `port` (and `host`), or
 *   adopts a server that already listens. Ready once listening; a port that
 *   cannot be bound fails the service with `PODWARDEN_ERR_LISTEN` naming the
 *   address (`cannot listen on 0.0.0.0:8080: address already in use …`).
 * - While the server drains it keeps serving, and sends clients elsewhere:
 *   HTTP/1.1 answers carry `Connection: close`; each HTTP/2 session gets a GOAWAY.
 * - When its watch fires it stops accepting, closes idle connections, and
 *   waits for the requests in flight until shortly before its `stopTimeout`
 *   (10 % of it, at most 500 ms, is kept to close the rest); then it closes
 *   every connection left, counts them in {@link HttpServerService.lastStop},
 *   the log and the metrics, and a fastify instance runs its `onClose` hooks.
 *
 * @example
 * const server = new Server();
 * server.addService(httpServerService(createServer(handler), { port: 8080 }), { critical: true });
 */
export function httpServerService(target: ServableHttpServer, input: HttpServerServiceOptionsInput = {}): HttpServerService {
  const config = resolveOptions(input);
  const { name, log } = config;
  const fastify = isFastifyLike(target) ? target : undefined;
  const server: unknown = fastify ? fastify.server : target;
  const protocol = server instanceof NetServer ? protocolOf(server) : undefined;
  if (!(server instanceof NetServer) || protocol === undefined) {
    throw podwardenError(
      'PODWARDEN_ERR_INVALID_OPTION',
      `server of httpServerService "${name}"`,
      'must be a server from node:http, node:https or node:http2 (createServer, createSecureServer), or a fastify instance',
    );
  }
  const traffic = new ServerTraffic(server, protocol);
  const counter: HttpServerStopCounter | undefined = config.metrics?.httpServers.track(name, () => traffic.inFlight);
  const addressOf = (): AddressInfo | undefined => {
    const address = server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  };
  let lastStop: HttpServerStop | undefined;

  const bound = async (): Promise<AddressInfo> => {
    const where = `port of httpServerService "${name}"`;
    if (config.port === undefined) {
      const address = addressOf();
      if (!server.listening || !address) {
        throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, 'is unset and the server does not listen: pass { port } for the service to listen, or adopt the server once its listen() has called back');
      }
      return address;
    }
    if (server.listening) {
      const address = addressOf();
      throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `the server listens already${address ? ` on ${formatAddress(address.address, address.port)}` : ''}; leave port unset to adopt it as it is`);
    }
    return listen(server, config.host, config.port, {
      configHints: false,
      onFallback: (host) => log?.warn({ event: 'listen-fallback', service: name, host }, `IPv6 is not available; ${name} listens on ${host}`),
      ...(fastify && {
        bind: async (host: string, port: number) => {
          await fastify.listen({ host, port });
        },
      }),
    });
  };

  /** Stop accepting, wait for what is in flight until the cut, close the rest; a fastify instance then runs its onClose hooks. */
  const stop = async (shutdown: ShutdownWatch): Promise<HttpServerStop> => {
    const startedAt = now().mono;
    const inFlight = traffic.inFlight;
    const closed = traffic.stopAccepting();
    const reserve = cutReserve(shutdown.timeLeft());
    let done = false;
    for (;;) {
      const wait = shutdown.timeLeft() - reserve;
      if (wait <= 0) break;
      // Checked again at least every 250 ms: a second signal shortens the time left.
      if (await settledWithin(closed, Math.min(wait, 250))) {
        done = true;
        break;
      }
    }
    const cut = done ? { connections: 0, requests: 0 } : traffic.cut();
    // The server calls back once its connections are counted out, which can be before their answers' 'close' events.
    if (!done) await settledWithin(Promise.all([closed, traffic.idle()]), reserve);
    if (fastify) await fastify.close();
    return { inFlight, connectionsCut: cut.connections, requestsCut: cut.requests, durationMs: now().mono - startedAt };
  };

  return {
    name,
    get inFlight() {
      return traffic.inFlight;
    },
    get lastStop() {
      return lastStop;
    },
    address: addressOf,
    async startWithReadyNotifier(shutdown, ready) {
      traffic.setDraining(shutdown.isDraining);
      const offDrain = shutdown.onDrain((draining) => traffic.setDraining(draining));
      try {
        const address = await bound();
        log?.info({ event: 'listening', service: name, address: address.address, port: address.port }, `${name} listening on ${formatAddress(address.address, address.port)}`);
        ready.notifyReady();
        await shutdown.wait();
        lastStop = await stop(shutdown);
      } finally {
        offDrain();
      }
      const { connectionsCut, requestsCut, durationMs } = lastStop;
      counter?.cut(connectionsCut, requestsCut);
      const fields = { event: 'http-server-stopped', service: name, ...lastStop, durationMs: Math.round(durationMs) };
      if (connectionsCut === 0) log?.info(fields, `${name} stopped in ${Math.round(durationMs)}ms, every request answered`);
      else log?.warn(fields, `${name} stopped in ${Math.round(durationMs)}ms: its stopTimeout ran out; closed ${connectionsCut} connections with ${requestsCut} requests in flight`);
    },
  };
}
