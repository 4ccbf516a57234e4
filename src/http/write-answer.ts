import type { ServerResponse } from 'node:http';
import type { Answer } from './answers.js';

/** Write `answer` to a `node:http` response, closing the connection after it when the answer says so. */
export function writeAnswer(response: ServerResponse, answer: Answer): void {
  if (answer.close) response.shouldKeepAlive = false;
  response.writeHead(answer.status, answer.headers as string[]);
  response.end(answer.body);
}
