// Loopback listeners the podwarden checks point at, run inside the harness:
// `ok` answers every request 200; `switchable` answers 200 until told to
// hang, then accepts requests and never answers them.
import http from 'node:http';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

export async function startFixtures() {
  const sockets = new Set();
  const track = (server) => server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const ok = http.createServer((req, res) => res.end('ok'));
  track(ok);
  const okPort = await listen(ok);

  let hang = false;
  let held = 0;
  const switchable = http.createServer((req, res) => {
    if (!hang) return res.end('ok');
    held += 1; // never answered; the socket is destroyed on close()
  });
  track(switchable);
  const switchablePort = await listen(switchable);

  return {
    ok: { port: okPort, url: `http://127.0.0.1:${okPort}/health` },
    switchable: {
      port: switchablePort,
      url: `http://127.0.0.1:${switchablePort}/health`,
      setHang(on) {
        hang = on;
        if (!on) held = 0;
      },
      get held() {
        return held;
      },
    },
    close() {
      for (const s of sockets) s.destroy();
      ok.close();
      switchable.close();
    },
  };
}
