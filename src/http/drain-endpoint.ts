import { formatDuration } from '../core/duration.js';
import type { Server } from '../core/server.js';
import { logThrottle } from '../logging/log-throttle.js';
import type { DrainResult } from '../metrics/request-metrics.js';
import { type Answer, closing, fixedAnswers, textAnswer } from './answers.js';
import { type DrainGuardOptions, type DrainRefusal, drainGuard } from './drain-guard.js';
import type { EndpointRequest } from './endpoint-request.js';
import { type HttpLog, httpDefaults } from './options.js';

/** What `/drain` needs beyond its guard. */
export interface DrainEndpointOptions extends DrainGuardOptions {
  readonly server: Server;
  readonly log: HttpLog | undefined;
  /** Count each `/drain` request's result. */
  readonly countDrain: (result: DrainResult) => void;
}

/** `/drain` of one listener. */
export interface DrainEndpoint {
  /** The answer to `GET` or `POST /drain`: a refusal at once, or `drained` once the drain delay has passed. */
  answer(request: EndpointRequest): Answer | Promise<Answer>;
  /** Whether `request` may send its body (`Expect: 100-continue`): only an authorised one. */
  mayDrain(request: EndpointRequest): boolean;
}

const drained = textAnswer(200, 'drained\n');
const unavailable = textAnswer(503, 'unavailable: the server is not running\n');

/**
 * `/drain` (GET and POST, for kubelet's `preStop.httpGet`): joins the one
 * drain and answers 200 once the drain delay has passed; every concurrent
 * caller gets that answer. 403 from a source `drain.allowFrom` refuses,
 * before the token is looked at; 401 without the right bearer token; 403
 * when no token is configured unless `allowUnauthenticated`. A refusal is
 * decided from the headers, before a body is read, and logged at most once
 * per `refusalLogInterval` (each one is counted in `drain_requests_total`).
 * A body is read (up to `bodyLimit`; 413 beyond, no drain) and ignored. The
 * wait is exempt from the idle-socket timeout.
 */
export function drainEndpoint(options: DrainEndpointOptions): DrainEndpoint {
  const { server, log, countDrain } = options;
  const guard = drainGuard(options);
  const refusals = new Map<DrainRefusal, Answer>();
  const logRefusal = logThrottle<{ refusal: DrainRefusal; remote: string | undefined }>(httpDefaults.refusalLogInterval, ({ refusal, remote }, count) =>
    log?.warn(
      { event: 'drain-request', result: refusal.result, remote, count },
      count === 1 ? `/drain refused (${refusal.status})` : `/drain refused (${refusal.status}), ${count} times in the last ${formatDuration(httpDefaults.refusalLogInterval)}`,
    ),
  );

  async function drain(request: EndpointRequest): Promise<Answer> {
    if (request.hasBody && !(await request.readBody(httpDefaults.bodyLimit))) return fixedAnswers.tooLarge;
    request.holdOpen();
    log?.info({ event: 'drain-request', result: 'accepted', remote: request.remoteAddress, phase: server.phase }, '/drain: draining');
    try {
      await server.drain('http');
    } catch {
      countDrain('unavailable');
      return unavailable;
    }
    countDrain('drained');
    return drained;
  }

  return {
    answer(request) {
      const refusal = guard(request);
      if (refusal === undefined) return drain(request);
      countDrain(refusal.result);
      logRefusal({ refusal, remote: request.remoteAddress });
      let answer = refusals.get(refusal);
      if (answer === undefined) refusals.set(refusal, (answer = textAnswer(refusal.status, refusal.body, refusal.headers)));
      // The body of a refused request is never read: the connection closes after the answer.
      return request.hasBody ? closing(answer) : answer;
    },
    mayDrain: (request) => guard(request) === undefined,
  };
}
