import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2Server, Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';

/** The protocol a server speaks: HTTP/1.1 (`http`, `https`) or HTTP/2 (`http2.createServer`, `createSecureServer`). */
export type Protocol = 'http1' | 'http2';

/** What a stop closed because its time ran out. */
export interface CutCount {
  /** Connections (HTTP/2: sessions) still open, closed at once. */
  readonly connections: number;
  /** Requests (HTTP/2: streams) in flight on them. */
  readonly requests: number;
}

/** Which protocol `server` speaks, or `undefined` when it is no HTTP server. */
export function protocolOf(server: NetServer): Protocol | undefined {
  if (typeof (server as HttpServer).closeAllConnections === 'function') return 'http1';
  const name = server.constructor?.name;
  return name === 'Http2Server' || name === 'Http2SecureServer' ? 'http2' : undefined;
}

/**
 * Follows one server's traffic from the moment the service is made: the
 * requests in flight (HTTP/1 requests, HTTP/2 streams) and HTTP/2 sessions.
 * While draining it sends clients elsewhere without refusing anything: an
 * HTTP/1.1 answer carries `Connection: close` (Node then closes the
 * connection after it), and each HTTP/2 session gets a GOAWAY (the header is
 * forbidden there) once its current streams are under way. Listeners are
 * prepended, so the header is set before the app's own handler runs.
 */
export class ServerTraffic {
  readonly #server: NetServer;
  readonly #protocol: Protocol;
  /** HTTP/1 answers not yet finished: those whose headers are not out get `Connection: close` when a drain begins. */
  readonly #answers = new Set<ServerResponse>();
  readonly #sessions = new Set<Http2Session>();
  /** Every connection accepted since the service was made, upgraded ones (WebSocket) included, until it closes. */
  readonly #sockets = new Set<Socket>();
  #streams = 0;
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(server: NetServer, protocol: Protocol) {
    this.#server = server;
    this.#protocol = protocol;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    if (protocol === 'http2') {
      const h2 = server as Http2Server;
      h2.prependListener('session', (session) => this.#onSession(session));
      h2.prependListener('stream', (stream) => this.#onStream(stream));
      // An HTTP/2 server with `allowHTTP1` answers HTTP/1.1 through its compatibility 'request' event. Listening to
      // 'request' on a server that has no such listener would switch the compatibility layer on for every stream.
      if (h2.listenerCount('request') > 0) h2.prependListener('request', (req, res) => this.#onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse));
    } else {
      (server as HttpServer).prependListener('request', (req, res) => this.#onRequest(req, res));
    }
  }

  /** Requests (HTTP/2: streams) in flight now. */
  get inFlight(): number {
    return this.#answers.size + this.#streams;
  }

  /** A drain began (`true`) or was let go (`false`). */
  setDraining(draining: boolean): void {
    if (draining === this.#draining) return;
    this.#draining = draining;
    if (!draining) return;
    for (const res of this.#answers) if (!res.headersSent) res.setHeader('Connection', 'close');
    for (const session of this.#sessions) if (!session.closed) session.close();
  }

  /**
   * Stop accepting connections, close the idle ones (HTTP/2: send every
   * session a GOAWAY; idle sessions close at once) and resolve once every
   * connection has ended.
   */
  stopAccepting(): Promise<void> {
    this.setDraining(true);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#closeIdle();
    return closed;
  }

  /** Resolve once no request is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onIdle = () => {
        this.#onIdle = undefined;
        resolve();
      };
    });
  }

  /** Close every connection still open, upgraded ones included, and say what that cut. */
  cut(): CutCount {
    const requests = this.inFlight;
    const open = [...this.#sockets];
    if (this.#protocol === 'http2') for (const session of this.#sessions) session.destroy();
    else (this.#server as HttpServer).closeAllConnections();
    // What the server no longer tracks as HTTP (connections upgraded to WebSocket or another protocol) goes too.
    for (const socket of open) socket.destroy();
    return { connections: open.length, requests };
  }

  #closeIdle(): void {
    if (this.#protocol === 'http2') {
      for (const session of this.#sessions) if (!session.closed) session.close();
    } else {
      (this.#server as HttpServer).closeIdleConnections();
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 streams are counted as streams; only HTTP/1 requests of an allowHTTP1 server come here from an HTTP/2 server.
    if (req.httpVersionMajor === 2) return;
    this.#answers.add(res);
    if (this.#draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.#answers.delete(res);
      this.#settled();
    });
  }

  #onSession(session: Http2Session): void {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
  }

  #onStream(stream: ServerHttp2Stream): void {
    this.#streams++;
    stream.once('close', () => {
      this.#streams--;
      this.#settled();
    });
    // A session opened during the drain serves the streams it has begun, then goes away.
    if (this.#draining && !stream.session?.closed) stream.session?.close();
  }

  #settled(): void {
    if (this.inFlight !== 0) return;
    // Connections that just went idle (their answer was not the one that closed them) go too, once stopping.
    if (this.#onIdle) {
      this.#closeIdle();
      this.#onIdle();
    }
  }
}
