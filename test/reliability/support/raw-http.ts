import net from 'node:net';

/** What came back on one raw connection. */
export interface RawExchange {
  /** Everything the server sent. */
  readonly text: string;
  /** Status codes of every response in `text`, in order. */
  readonly statuses: number[];
  /** The body of the first response. */
  readonly body: string;
  /** Milliseconds from connecting until the server closed the connection (or we did). */
  readonly ms: number;
  /** A socket error, if one happened (ECONNRESET, EPIPE). */
  readonly error: string | undefined;
}

/**
 * Send `data` as is on a new connection (nothing normalises the request
 * target, unlike fetch), then half-close after `endAfterMs` and collect what
 * the server sends until it closes. Bounded by `timeoutMs`.
 */
export function rawExchange(port: number, data: string | Buffer, options: { endAfterMs?: number; timeoutMs?: number } = {}): Promise<RawExchange> {
  const { endAfterMs = 200, timeoutMs = 15_000 } = options;
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    const endTimer = setTimeout(() => socket.end(), endAfterMs);
    const killTimer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('close', () => {
      clearTimeout(endTimer);
      clearTimeout(killTimer);
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      const headEnd = text.indexOf('\r\n\r\n');
      const lengthMatch = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, headEnd));
      const body = headEnd === -1 ? '' : text.slice(headEnd + 4, lengthMatch ? headEnd + 4 + Number(lengthMatch[1]) : undefined);
      resolve({ text, statuses, body, ms: performance.now() - start, error });
    });
    socket.write(data);
  });
}

/** A GET request with `target` as the request target, closing the connection after the answer. */
export function get(target: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const lines = Object.entries({ host: 'podwarden', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** A connection that sends the start of a request and then one more piece every `everyMs`, never finishing. */
export class SlowClient {
  readonly socket: net.Socket;
  readonly closed: Promise<{ ms: number; text: string }>;
  readonly #timer: NodeJS.Timeout;

  constructor(port: number, first: string, piece: string, everyMs: number) {
    const start = performance.now();
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    let text = '';
    this.socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve({ ms: performance.now() - start, text })));
    if (first) this.socket.write(first);
    this.#timer = setInterval(() => {
      if (piece && this.socket.writable) this.socket.write(piece);
    }, everyMs);
    void this.closed.then(() => clearInterval(this.#timer));
  }

  destroy(): void {
    clearInterval(this.#timer);
    this.socket.destroy();
  }
}
