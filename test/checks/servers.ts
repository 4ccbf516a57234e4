import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { onTestFinished } from 'vitest';
import { freePort } from '../helpers/ports.js';

/** Servers the check tests start, turn down and up again, and make slow. */

/** Track sockets so `down()` can cut them, as a crashed process would. */
function trackSockets(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: net.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}

async function close(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
}

/** A certificate for localhost and 127.0.0.1, made with openssl now; undefined when openssl is missing. */
export function selfSignedCert(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'podwarden-tls-'));
  // openssl comes with Debian; scripts/tools/openssl.sh installs it when missing.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
}

/** An HTTP(S) server whose status, body and delay the test sets, and that it can turn down and up. */
export async function testHttpServer(tls?: { key: string; cert: string }, atPort = 0) {
  const behaviour = { status: 200, body: 'ok', delayMs: 0 };
  const requests: http.IncomingHttpHeaders[] = [];
  const handler: http.RequestListener = (req, res) => {
    requests.push(req.headers);
    const timer = setTimeout(() => res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end(behaviour.body), behaviour.delayMs);
    res.on('close', () => clearTimeout(timer));
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  const sockets = trackSockets(server);
  let connections = 0;
  server.on(tls ? 'secureConnection' : 'connection', () => connections++);
  const port = await listen(server, atPort);
  onTestFinished(() => close(server, sockets));
  return {
    port,
    url: (path = '/health') => `${tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`,
    requests,
    /** Connections accepted so far. */
    connections: () => connections,
    /** Connections open now. */
    openConnections: () => sockets.size,
    set(next: Partial<typeof behaviour>) {
      Object.assign(behaviour, next);
    },
    down: () => close(server, sockets),
    up: async () => void (await listen(server, port)),
  };
}

/**
 * An HTTP/1.1 server that answers the first request on each connection (200,
 * kept alive) and resets the connection when a second request comes on it: a
 * server that dropped an idle keep-alive connection just as a client reused it.
 */
export async function testResettingHttpServer() {
  let connections = 0;
  let requests = 0;
  const server = net.createServer((socket) => {
    connections++;
    let answered = false;
    socket.on('data', () => {
      requests++;
      if (answered) {
        socket.resetAndDestroy();
        return;
      }
      answered = true;
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
    });
    socket.on('error', () => {});
  });
  const sockets = trackSockets(server);
  const port = await listen(server, 0);
  onTestFinished(() => close(server, sockets));
  return { url: `http://127.0.0.1:${port}/health`, connections: () => connections, requests: () => requests };
}

/** A TCP listener the test can turn down and up on the same port. */
export async function testTcpListener(atPort = 0) {
  const server = net.createServer((socket) => socket.end());
  const sockets = trackSockets(server);
  const port = await listen(server, atPort);
  onTestFinished(() => close(server, sockets));
  return { port, down: () => close(server, sockets), up: async () => void (await listen(server, port)) };
}

/** A real gRPC server serving grpc.health.v1, on a port that stays the same across restarts. */
export async function testGrpcHealthServer(statuses: Record<string, 'SERVING' | 'NOT_SERVING'>, atPort = 0) {
  const health = new HealthImplementation(statuses);
  const port = atPort || (await freePort());
  let server: grpc.Server | undefined;
  const up = async () => {
    const next = new grpc.Server();
    health.addToServer(next);
    await new Promise<void>((resolve, reject) =>
      next.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    server = next;
  };
  const down = async () => void server?.forceShutdown();
  await up();
  onTestFinished(down);
  return { port, health, up, down };
}
