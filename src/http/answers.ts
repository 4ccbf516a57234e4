/** What podwarden writes back to one request: the same on every listener and in the fastify plugin. */
export interface Answer {
  readonly status: number;
  /** Header names and values as one flat list, as `writeHead` takes them; `content-length` included when there is a body. */
  readonly headers: readonly string[];
  /** The body (adapters send none to `HEAD`). */
  readonly body: string;
  /** Close the connection after this answer (a body was left unread, or the listener is closing). */
  readonly close?: boolean;
}

/** Headers of every plain-text answer. */
const textHeaders = ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store', 'x-content-type-options', 'nosniff'] as const;
const jsonHeaders = ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'x-content-type-options', 'nosniff'] as const;

/** A plain-text answer; build it once where it does not change. */
export function textAnswer(status: number, body: string, extra: readonly string[] = [], close = false): Answer {
  const answer: Answer = { status, headers: [...textHeaders, ...extra, 'content-length', String(Buffer.byteLength(body))], body };
  return close ? closing(answer) : answer;
}

/** A JSON answer. */
export function jsonAnswer(status: number, value: unknown): Answer {
  const body = JSON.stringify(value);
  return { status, headers: [...jsonHeaders, 'content-length', String(Buffer.byteLength(body))], body };
}

/** An answer of `contentType` whose body is `body`, never cached by anyone (`/metrics`). */
export function uncachedAnswer(status: number, contentType: string, body: string): Answer {
  return { status, headers: ['content-type', contentType, 'cache-control', 'no-store', 'x-content-type-options', 'nosniff', 'content-length', String(Buffer.byteLength(body))], body };
}

/** The same answer, closing its connection. */
export function closing(answer: Answer): Answer {
  return answer.close ? answer : { ...answer, headers: [...answer.headers, 'connection', 'close'], close: true };
}

/** Answers that never change. Every refusal is plain text with the same headers and is counted as `other`. */
export const fixedAnswers = {
  ok: textAnswer(200, 'ok'),
  notFound: textAnswer(404, 'not found\n'),
  notFoundJson: jsonAnswer(404, { error: 'not found' }),
  badRequest: textAnswer(400, 'bad request\n'),
  tooLarge: textAnswer(413, 'payload too large\n', [], true),
  metricsUnavailable: textAnswer(500, 'metrics unavailable\n'),
  shuttingDown: textAnswer(503, 'shutting down\n', [], true),
  methodNotAllowed: {
    read: textAnswer(405, 'method not allowed\n', ['allow', 'GET, HEAD']),
    drain: textAnswer(405, 'method not allowed\n', ['allow', 'GET, POST']),
  },
} as const;
