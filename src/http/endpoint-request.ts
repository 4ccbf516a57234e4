import type { IncomingMessage } from 'node:http';

/** What the endpoints read of a request: the method, the URL and the few headers that matter. */
export interface EndpointRequest {
  readonly method: string;
  /** The path and query, relative to where the endpoints are mounted. */
  readonly url: string;
  readonly accept: string | undefined;
  readonly userAgent: string | undefined;
  readonly authorization: string | undefined;
  /** The peer's address (the socket's own, never a forwarded-for header). */
  readonly remoteAddress: string | undefined;
  /** Whether the request carries a body (`content-length` above 0, or `transfer-encoding`). */
  readonly hasBody: boolean;
  /** Read and discard the body; resolves `false` when it is larger than `limit` bytes (or the peer went away). */
  readBody(limit: number): Promise<boolean>;
  /** Exempt the connection from the idle-socket timeout while the answer waits (a drain outlasts it). */
  holdOpen(): void;
}

/**
 * An {@link EndpointRequest} over a `node:http` request, read in one pass
 * over Node's raw header list: `request.headers` is built on first access, a
 * cost a bare server never pays.
 */
export class IncomingEndpointRequest implements EndpointRequest {
  readonly method: string;
  readonly url: string;
  readonly accept: string | undefined;
  readonly userAgent: string | undefined;
  readonly authorization: string | undefined;
  readonly hasBody: boolean;
  readonly #raw: IncomingMessage;

  constructor(raw: IncomingMessage, url: string = raw.url ?? '/') {
    this.#raw = raw;
    this.method = raw.method ?? 'GET';
    this.url = url;
    const list = raw.rawHeaders;
    let accept: string | undefined;
    let userAgent: string | undefined;
    let authorization: string | undefined;
    let hasBody = false;
    for (let i = 0; i < list.length; i += 2) {
      const key = list[i]!;
      // Compare lengths first: most headers are none of these, and lower-casing them would cost more than the check.
      switch (key.length) {
        case 6:
          // Node joins repeated `Accept` headers with ", ".
          if (key.toLowerCase() === 'accept') accept = accept === undefined ? list[i + 1] : `${accept}, ${list[i + 1]}`;
          break;
        case 10:
          if (userAgent === undefined && key.toLowerCase() === 'user-agent') userAgent = list[i + 1];
          break;
        case 13:
          if (authorization === undefined && key.toLowerCase() === 'authorization') authorization = list[i + 1];
          break;
        case 14:
          if (key.toLowerCase() === 'content-length' && list[i + 1] !== '0') hasBody = true;
          break;
        case 17:
          if (key.toLowerCase() === 'transfer-encoding') hasBody = true;
          break;
      }
    }
    this.accept = accept;
    this.userAgent = userAgent;
    this.authorization = authorization;
    this.hasBody = hasBody;
  }

  get remoteAddress(): string | undefined {
    return this.#raw.socket.remoteAddress;
  }

  readBody(limit: number): Promise<boolean> {
    return discardBody(this.#raw, limit);
  }

  holdOpen(): void {
    this.#raw.socket.setTimeout(0);
  }
}

/** Read `stream` to its end without keeping it; `false` once more than `limit` bytes came (or it failed). */
function discardBody(stream: IncomingMessage, limit: number): Promise<boolean> {
  if (stream.complete) return Promise.resolve(true);
  const declared = Number(stream.headers['content-length']);
  if (declared > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let received = 0;
    const finish = (whole: boolean) => {
      stream.off('data', onData).off('end', onEnd).off('error', onFail).off('aborted', onFail);
      if (!whole) stream.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) finish(false);
    };
    const onEnd = () => finish(true);
    const onFail = () => finish(false);
    stream.on('data', onData).on('end', onEnd).on('error', onFail).on('aborted', onFail);
  });
}
