import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { type SendResult, sendResult } from './balancer.js';
import { EndpointBalancer } from './endpoint-balancer.js';
import { httpGet } from './http-get.js';

/** One client connection through the Service: the pod kube-proxy picked when it opened, and its keep-alive socket. */
class PinnedConnection {
  /** One socket at most: the connection, reopened through kube-proxy when the pod closes it. */
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  pod: string | undefined;
  port = 0;
  busy = false;
  #socket: Socket | undefined;

  constructor() {
    // A socket back in the pool after an answer is the open connection; one the pod closed (Connection: close, or closed idle) is not.
    this.agent.on('free', (socket: Socket) => {
      if (this.#socket === socket) return;
      this.#socket = socket;
      socket.once('close', () => {
        if (this.#socket === socket) this.#socket = undefined;
      });
    });
  }

  /** The connection is open: the next request goes over it, to the same pod. */
  get open(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed;
  }
}

/**
 * In-cluster clients that keep their connections (an HTTP client's keep-alive
 * pool through a ClusterIP Service): kube-proxy picks the pod when a
 * connection opens (conntrack), and the connection stays on that pod, whatever
 * the endpoints do, until one side closes it. A request goes over an idle open
 * connection; one the pod closed is opened again through kube-proxy's current
 * rules; when every connection is busy the pool grows. So a pod that drains
 * keeps its clients until it tells them to go (`Connection: close`) or closes
 * their connections, and a connection it closes as the client reuses it is a
 * reset request: the race a keep-alive client meets at a server's shutdown.
 */
export class PinnedConnectionBalancer extends EndpointBalancer {
  readonly #connections: PinnedConnection[] = [];
  #next = 0;

  constructor(...args: ConstructorParameters<typeof EndpointBalancer>) {
    super(...args);
    // The pool's connections, opened as the first requests go out: each to the pod kube-proxy picks then.
    for (let i = 0; i < (args[1].pinnedConnections ?? 1); i += 1) this.#connections.push(new PinnedConnection());
  }

  override async send(path: string): Promise<SendResult> {
    const connection = this.#idle();
    if (!connection.open) {
      const target = this.pick();
      if (!target) return { outcome: 'no-endpoint', pod: undefined };
      connection.pod = target.pod;
      connection.port = target.appPort;
    }
    connection.busy = true;
    try {
      return sendResult(await httpGet({ port: connection.port, path, timeoutMs: this.requestTimeoutMs, agent: connection.agent, bodyLimit: 256 }), connection.pod!);
    } finally {
      connection.busy = false;
    }
  }

  override close(): void {
    super.close();
    for (const connection of this.#connections) connection.agent.destroy();
  }

  /** The next idle connection, round-robin; a new one when every connection is busy. */
  #idle(): PinnedConnection {
    for (let i = 0; i < this.#connections.length; i += 1) {
      const connection = this.#connections[(this.#next + i) % this.#connections.length]!;
      if (!connection.busy) {
        this.#next = (this.#next + i + 1) % this.#connections.length;
        return connection;
      }
    }
    const connection = new PinnedConnection();
    this.#connections.push(connection);
    return connection;
  }
}
