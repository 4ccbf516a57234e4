import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How many answers may be outstanding (received, not yet fully written) before a connection is closed. */
export interface AdmissionLimits {
  /** On one connection. kubelet never pipelines (it disables keep-alive); neither does Prometheus. */
  readonly perConnection: number;
  /** Over all connections, counted only for a connection that already has an answer outstanding. */
  readonly pipelined: number;
}

/** Why a connection was closed: too many requests in one read, on one connection, or pipelined in all. */
export type AdmissionRefusal = 'read' | 'per-connection' | 'pipelined';

/** Decides, per request, whether podwarden answers it or closes its connection. */
export interface RequestAdmission {
  /**
   * Admit `request` (counting it until its answer is written or its
   * connection closes), or close its connection and return false. A request
   * on a connection that was already closed is refused without counting.
   */
  admit(request: IncomingMessage, response: ServerResponse): boolean;
  /** Answers outstanding now, over all connections. */
  readonly outstanding: number;
}

/** What a connection has outstanding; `closed` once its count has been given back to the total. */
interface Outstanding {
  count: number;
  closed: boolean;
}

const outstandingOn = Symbol('podwarden.outstanding');
type CountedSocket = Socket & { [outstandingOn]?: Outstanding };
type CountedResponse = ServerResponse & { [outstandingOn]?: Outstanding };

/**
 * Node hands a request handler every request of a TCP read (some 1,900
 * pipelined requests per 64 KiB) before it pauses the socket, and queues
 * their answers in memory; `maxRequestsPerSocket` counts a connection's
 * lifetime and writes its own answer to each excess request. So the bound is
 * here, before any answer is computed: a connection past `perConnection`
 * outstanding answers, or a pipelining connection while `pipelined` answers
 * are outstanding in all, is closed without answering. A request on a fresh
 * connection (every kubelet probe) is never refused by the total, so a flood
 * cannot take a probe's place.
 */
export function requestAdmission(limits: AdmissionLimits, onRefuse?: (reason: AdmissionRefusal, request: IncomingMessage) => void): RequestAdmission {
  let outstanding = 0;
  // Shared listeners, no closure per request. An answer queued behind others on a connection that closes never emits
  // `close`, so a closing connection gives back what it still holds, and answers closing after it give back nothing.
  function answerClosed(this: CountedResponse): void {
    const counted = this[outstandingOn]!;
    if (counted.closed) return;
    counted.count--;
    outstanding--;
  }
  function connectionClosed(this: CountedSocket): void {
    const counted = this[outstandingOn]!;
    counted.closed = true;
    outstanding -= counted.count;
    counted.count = 0;
  }
  return {
    admit(request, response) {
      const socket = request.socket as CountedSocket;
      if (socket.destroyed) return false;
      let counted = socket[outstandingOn];
      if (counted === undefined) {
        counted = { count: 0, closed: false };
        socket[outstandingOn] = counted;
        socket.on('close', connectionClosed);
      }
      const refusal: AdmissionRefusal | undefined =
        counted.count >= limits.perConnection ? 'per-connection' : counted.count > 0 && outstanding >= limits.pipelined ? 'pipelined' : undefined;
      if (refusal !== undefined) {
        socket.destroy();
        onRefuse?.(refusal, request);
        return false;
      }
      counted.count++;
      outstanding++;
      (response as CountedResponse)[outstandingOn] = counted;
      response.on('close', answerClosed);
      return true;
    },
    get outstanding() {
      return outstanding;
    },
  };
}

/**
 * A `connection` listener that closes a connection whose one read holds more
 * than `perConnection` requests, before Node's parser sees that read. Node
 * parses a whole read (up to 64 KiB: some 1,900 requests) and builds every
 * request and answer object before a handler can refuse any, which is ~2 KB
 * each, alive until the connection has closed: ten such connections cost
 * ~40 MB. Counting blank lines (`\r\n\r\n`, one per request head and one
 * more at the end of a chunked body) costs a native search per read. The
 * guard wraps the http server's own `data` listener, which makes Node feed
 * the parser from JavaScript rather than from C++ directly; where Node has no
 * such listener the guard stands aside and {@link requestAdmission} still
 * bounds what is answered.
 */
export function guardPipelinedReads(perConnection: number, onRefuse?: (reason: AdmissionRefusal, socket: Socket) => void): (socket: Socket) => void {
  const maxBlankLines = 2 * perConnection;
  return (socket) => {
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) return;
    const parse = listeners[0] as (this: Socket, chunk: Buffer) => void;
    socket.removeListener('data', parse);
    socket.on('data', function (this: Socket, chunk: Buffer) {
      let blankLines = 0;
      for (let at = chunk.indexOf(blankLine); at !== -1 && blankLines <= maxBlankLines; at = chunk.indexOf(blankLine, at + 4)) blankLines++;
      if (blankLines > maxBlankLines) {
        this.destroy();
        onRefuse?.('read', this);
        return;
      }
      parse.call(this, chunk);
    });
  };
}

const blankLine = Buffer.from('\r\n\r\n');
