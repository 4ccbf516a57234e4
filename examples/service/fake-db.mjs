// A stand-in database for examples/service/server.mjs: a TCP server that
// speaks one line per request and one line per answer, so the example's pool
// opens, uses and closes real connections without a database driver.
//   PING            -> PONG
//   SET <key> <v>   -> OK
//   GET <key>       -> the value, or NIL
// Run it with `node examples/service/fake-db.mjs [port]` (default 15432); it
// prints one JSON line once it listens, and stops on SIGTERM or SIGINT.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

const port = Number(process.argv[2] ?? process.env.DB_PORT ?? 15432);
const data = new Map();
const sockets = new Set();

function answer(line) {
  const [command = '', key, ...rest] = line.trim().split(' ');
  switch (command.toUpperCase()) {
    case 'PING':
      return 'PONG';
    case 'SET':
      if (!key) return 'ERR SET needs a key';
      data.set(key, rest.join(' '));
      return 'OK';
    case 'GET':
      return data.get(key) ?? 'NIL';
    default:
      return `ERR unknown command ${JSON.stringify(command)}`;
  }
}

const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  createInterface({ input: socket }).on('line', (line) => socket.write(`${answer(line)}\n`));
});

server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'fake-db listening', port: server.address().port }));
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const socket of sockets) socket.destroy();
    server.close(() => process.exit(0));
  });
}
