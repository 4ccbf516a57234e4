// The floor for "N checks on an interval" in Node: N timers, each doing one
// GET with a 1 s timeout, at most one in flight per check; over keep-alive
// connections, or with a new connection each time (as kubelet probes do).
// Not `import http from 'node:http'`: on Node 24 that ESM import evaluates node:http's lazy exports and loads
// undici (+12 MiB of RSS, +60 ms of CPU at start), which a server written with require() does not pay.
const http = process.getBuiltinModule('node:http');

export function startCheckLoop({ checks, checkUrl, intervalMs, freshConnections }) {
  if (checks <= 0 || !checkUrl) return;
  const agent = freshConnections ? false : new http.Agent({ keepAlive: true, maxSockets: checks });
  for (let i = 0; i < checks; i += 1) {
    let inFlight = false;
    const run = () => {
      if (inFlight) return;
      inFlight = true;
      const req = http.get(checkUrl, { agent, timeout: 1000 }, (res) => {
        res.resume();
        res.on('end', () => { inFlight = false; });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => { inFlight = false; });
    };
    setInterval(run, intervalMs);
  }
}
