import { type Server, createServer } from 'node:http';

/** A stand-in for the app container: an HTTP server on a fixed port that can go away and come back, as a restarted container would. */
export class AppServer {
  #server: Server | undefined;
  port = 0;

  /** Listen (again) on the same port; the first call picks a free one. */
  async up(): Promise<void> {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Stop answering: the port refuses connections until `up()`. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }
}
