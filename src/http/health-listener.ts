import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { answerClientErrors } from './client-errors.js';
import { IncomingEndpointRequest } from './endpoint-request.js';
import type { Endpoints } from './endpoints.js';
import { type HttpConfig, httpDefaults } from './options.js';
import { type AdmissionRefusal, guardPipelinedReads, requestAdmission } from './request-admission.js';
import { writeAnswer } from './write-answer.js';

/**
 * A `node:http` server with podwarden's timeouts (see docs/http.md) that
 * answers every request with `endpoints`: the listener only bounds what a
 * connection may ask for (see request-admission.ts), reads the request, and
 * writes the answer. Once the server is closing, every request is answered
 * 503 with `connection: close`. Requests Node cannot parse get Node's own bare
 * answer (400, 408, 413, 431), counted like every other refusal.
 */
export function createHealthListener(config: HttpConfig, endpoints: Endpoints, onRefuse?: (reason: AdmissionRefusal) => void): HttpServer {
  const admission = requestAdmission(httpDefaults.outstandingAnswers, onRefuse);
  const handle = (raw: IncomingMessage, response: ServerResponse): void => {
    if (!admission.admit(raw, response)) return;
    const request = new IncomingEndpointRequest(raw);
    const answer = server.listening ? endpoints.answer(request) : endpoints.closing(request);
    if ('then' in answer) void answer.then((settled) => writeAnswer(response, settled));
    else writeAnswer(response, answer);
  };
  // node:http is loaded here, not at import: its parser binding cannot be held in a V8 startup snapshot (bench/lib/profile/snapshot.mjs).
  const server = process.getBuiltinModule('node:http').createServer({ connectionsCheckingInterval: httpDefaults.timeoutCheckInterval }, handle);
  // After the http server's own `connection` listener, which adds the `data` listener the guard wraps.
  server.on('connection', guardPipelinedReads(httpDefaults.outstandingAnswers.perConnection, onRefuse));
  server.on('clientError', answerClientErrors((status) => endpoints.countProtocolError(status)));
  // Without this listener Node answers `100 Continue` to every request that asks, before anything has looked at it:
  // only an authorised `/drain` may send its body; any other such request is answered and its connection closed.
  server.on('checkContinue', (raw: IncomingMessage, response: ServerResponse) => {
    if (endpoints.invitesBody(new IncomingEndpointRequest(raw))) response.writeContinue();
    else response.shouldKeepAlive = false;
    handle(raw, response);
  });
  server.keepAliveTimeout = config.keepAliveTimeout;
  server.requestTimeout = config.requestTimeout;
  server.headersTimeout = config.headersTimeout;
  server.setTimeout(config.connectionTimeout);
  return server;
}

