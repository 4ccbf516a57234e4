import type { DrainResult } from '../metrics/request-metrics.js';
import type { SourceCheck } from './allow-from.js';
import type { EndpointRequest } from './endpoint-request.js';

/** What the guard reads of a request. */
export type GuardedRequest = Pick<EndpointRequest, 'authorization' | 'remoteAddress'>;

/** Who may call `/drain`. */
export interface DrainGuardOptions {
  /** Bearer token the caller must send; `undefined`: none configured. */
  readonly token: string | undefined;
  /** Without a token, let anyone drain (else 403). */
  readonly allowUnauthenticated: boolean;
  /** Whether the source address may call `/drain` at all (`drain.allowFrom`); `undefined`: any may. */
  readonly sourceCheck?: SourceCheck | undefined;
}

/** Why a `/drain` request is refused: the answer it gets and the result it is counted under. */
export interface DrainRefusal {
  readonly result: Extract<DrainResult, 'unauthorized' | 'forbidden' | 'forbidden-source'>;
  readonly status: 401 | 403;
  readonly body: string;
  /** Headers beyond the text ones (`www-authenticate`). */
  readonly headers: readonly string[];
}

const forbiddenSource: DrainRefusal = {
  result: 'forbidden-source',
  status: 403,
  body: 'forbidden: /drain is not accepted from this address (drain.allowFrom)\n',
  headers: [],
};

const bearer = /^Bearer +(\S+) *$/i;

const unauthorized: DrainRefusal = {
  result: 'unauthorized',
  status: 401,
  body: 'unauthorized: /drain needs "Authorization: Bearer <token>"\n',
  headers: ['www-authenticate', 'Bearer realm="podwarden"'],
};
const forbidden: DrainRefusal = {
  result: 'forbidden',
  status: 403,
  body: 'forbidden: no drain token is configured; set drain.tokenFile or PODWARDEN_DRAIN_TOKEN, or drain.allowUnauthenticated: true\n',
  headers: [],
};

/**
 * The `/drain` guard: a function that returns why a request is refused, or
 * `undefined` to let it drain. It reads the source address and the headers
 * only, so it runs before a body is read or invited (`Expect: 100-continue`).
 * The source comes first (the socket's own address: a forwarded-for header is
 * the caller's word, not a source), then the token, compared as a SHA-256
 * digest in constant time.
 */
export function drainGuard(options: DrainGuardOptions): (request: GuardedRequest) => DrainRefusal | undefined {
  const callerCheck = tokenCheck(options);
  const { sourceCheck } = options;
  if (sourceCheck === undefined) return callerCheck;
  return (request) => (sourceCheck(request.remoteAddress) ? callerCheck(request) : forbiddenSource);
}

function tokenCheck(options: DrainGuardOptions): (request: GuardedRequest) => DrainRefusal | undefined {
  if (options.token === undefined) return options.allowUnauthenticated ? () => undefined : () => forbidden;
  // node:crypto (~5 ms at startup) loads only when a token is set: most sidecars have none until their chart sets one.
  const crypto = process.getBuiltinModule('node:crypto');
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  const expected = digest(options.token);
  return (request) => {
    const header = request.authorization;
    const match = header === undefined ? null : bearer.exec(header);
    const same = crypto.timingSafeEqual(digest(match?.[1] ?? ''), expected);
    return match !== null && same ? undefined : unauthorized;
  };
}
