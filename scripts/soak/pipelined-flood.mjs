// A pipelining attacker: opens `connections` sockets to podwarden, writes
// `requests` copies of one request on each in a single write (as a client
// that never waits for an answer), then reads what comes back (or not, with
// `read: false`) until `holdMs` has passed or the server closes the socket.
// The attack of docs/threat-model.md ("pipelined /metrics"): ten sockets of
// 1,500 `GET /metrics` each.
//
// As a module: flood(options) → Promise<report>.
// As a script: node pipelined-flood.mjs <port> [--connections N] [--requests N]
//   [--method GET] [--path /metrics] [--header 'name: value']… [--no-read]
//   [--hold-ms N] [--host 127.0.0.1]; prints one JSON report line.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The request text, `Host` first, headers as given. */
export function requestText({ method = 'GET', path = '/metrics', headers = [] } = {}) {
  return `${method} ${path} HTTP/1.1\r\nHost: podwarden\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
}

/**
 * Run one flood. The report counts, over all sockets: responses seen (status
 * lines), bytes received, sockets the server closed before `holdMs`, and
 * socket errors by code.
 */
export function flood({ port, host = '127.0.0.1', connections = 10, requests = 1500, request = requestText(), read = true, holdMs = 12_000 }) {
  const payload = request.repeat(requests);
  const start = performance.now();
  const report = { connections, requests, bytesSent: payload.length * connections, bytesReceived: 0, responses: 0, closedByServer: 0, errors: {} };
  const statusLine = /HTTP\/1\.1 \d{3} /g;
  return new Promise((resolve) => {
    let open = connections;
    for (let i = 0; i < connections; i++) {
      const socket = net.connect(port, host, () => socket.write(payload));
      let tail = '';
      let serverClosed = true;
      const timer = setTimeout(() => {
        serverClosed = false;
        socket.destroy();
      }, holdMs);
      if (read) {
        socket.setEncoding('latin1').on('data', (chunk) => {
          report.bytesReceived += chunk.length;
          // Keep a few bytes so a status line split across reads is still counted once.
          const text = tail + chunk;
          report.responses += (text.match(statusLine) ?? []).length - (tail.match(statusLine) ?? []).length;
          tail = text.slice(-12);
        });
      } else {
        socket.pause();
      }
      socket.on('error', (err) => (report.errors[err.code ?? err.message] = (report.errors[err.code ?? err.message] ?? 0) + 1));
      socket.on('close', () => {
        clearTimeout(timer);
        if (serverClosed) report.closedByServer++;
        if (--open === 0) resolve({ ...report, ms: Math.round(performance.now() - start) });
      });
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      connections: { type: 'string', default: '10' },
      requests: { type: 'string', default: '1500' },
      method: { type: 'string', default: 'GET' },
      path: { type: 'string', default: '/metrics' },
      header: { type: 'string', multiple: true, default: [] },
      'no-read': { type: 'boolean', default: false },
      'hold-ms': { type: 'string', default: '12000' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const port = Number(positionals[0]);
  if (!Number.isInteger(port) || port <= 0) {
    process.stderr.write('usage: node pipelined-flood.mjs <port> [--connections N] [--requests N] [--method M] [--path P] [--header H]… [--no-read] [--hold-ms N]\n');
    process.exit(2);
  }
  const report = await flood({
    port,
    host: values.host,
    connections: Number(values.connections),
    requests: Number(values.requests),
    request: requestText({ method: values.method, path: values.path, headers: values.header }),
    read: !values['no-read'],
    holdMs: Number(values['hold-ms']),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
