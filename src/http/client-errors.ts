import type { Socket } from 'node:net';

/** Node's answers to requests it could not parse, by error code; anything else is a 400. */
const answers: Readonly<Record<string, { status: number; text: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, text: 'Request Header Fields Too Large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, text: 'Payload Too Large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, text: 'Request Timeout' },
};
const badRequest = { status: 400, text: 'Bad Request' };
const wire = new Map<number, string>();

/**
 * A `clientError` listener that answers as Node does by default (a bare
 * status line with `Connection: close`, then the connection is closed) and
 * reports the status it wrote, so protocol refusals are counted like every
 * other refusal. Nothing is written to a connection that already has an
 * answer on it or cannot be written (the peer reset it).
 */
export function answerClientErrors(onAnswer: (status: number) => void): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    if (socket.writable && socket.bytesWritten === 0) {
      const { status, text } = answers[error.code ?? ''] ?? badRequest;
      let line = wire.get(status);
      if (line === undefined) wire.set(status, (line = `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`));
      socket.write(line);
      onAnswer(status);
    }
    socket.destroy(error);
  };
}
