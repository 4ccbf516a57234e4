// A kubelet-like prober: GETs each path on a fresh connection every
// `intervalMs`, with `User-Agent: kube-probe/1.31` and a `timeoutMs` deadline
// (kubelet's timeoutSeconds: 1), and counts answers by path and status.
// Success, as kubelet judges it, is a status from 200 to 399.
//
// As a module: createPoller(options) → { stop(), report(), window() }.
// As a script: node kube-poller.mjs <base-url> [path…]; it polls until stdin
// ends, prints a JSON report line for each "report" line read from stdin (all
// it saw), for each "window" line (what it saw since the last "window"), and
// a last one when stdin ends. Environment: POLL_INTERVAL_MS (100),
// POLL_TIMEOUT_MS (1000).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

/** One GET on a new connection; resolves with the status, or an error string, and the time it took. */
function probeOnce(url, timeoutMs) {
  const start = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, ms: performance.now() - start });
    };
    const req = http.get(url, { agent: false, headers: { 'user-agent': 'kube-probe/1.31', connection: 'close', accept: '*/*' } }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (err) => done({ error: err.code ?? err.message }));
    });
    req.on('error', (err) => done({ error: err.code ?? err.message }));
    const timer = setTimeout(() => {
      done({ error: 'timeout' });
      req.destroy();
    }, timeoutMs);
  });
}

/** Count one answer (or error) in tally `t`; the last 50 failures are kept. */
function record(t, path, r) {
  const s = t.byPath[path];
  s.count++;
  s.totalMs += r.ms;
  s.maxMs = Math.max(s.maxMs, r.ms);
  let failure;
  if (r.error) {
    s.errors[r.error] = (s.errors[r.error] ?? 0) + 1;
    failure = { path, error: r.error, at: new Date().toISOString() };
  } else {
    s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
    if (r.status < 200 || r.status > 399) failure = { path, status: r.status, at: new Date().toISOString() };
  }
  if (failure) {
    t.failureCount++;
    t.failures.push(failure);
    if (t.failures.length > 50) t.failures.shift();
  }
}

/** Start polling `paths` of `base`. */
export function createPoller({ base, paths = ['/livez', '/readyz'], intervalMs = 100, timeoutMs = 1000 }) {
  const tally = () => ({ byPath: Object.fromEntries(paths.map((p) => [p, { count: 0, statuses: {}, errors: {}, maxMs: 0, totalMs: 0 }])), failures: [], failureCount: 0 });
  const total = tally();
  let current = tally();
  const busy = new Set();
  let stopped = false;
  let inFlight = 0;
  let skipped = 0;
  const tick = () => {
    if (stopped) return;
    for (const path of paths) {
      // kubelet never runs one probe twice at once; neither does this.
      if (busy.has(path)) {
        skipped++;
        continue;
      }
      busy.add(path);
      inFlight++;
      void probeOnce(`${base}${path}`, timeoutMs).then((r) => {
        busy.delete(path);
        inFlight--;
        for (const t of [total, current]) record(t, path, r);
      });
    }
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  const reportOf = (t) => ({
    kind: 'report',
    skipped,
    inFlight,
    failures: t.failures,
    failureCount: t.failureCount,
    paths: Object.fromEntries(
      Object.entries(t.byPath).map(([p, s]) => [p, { count: s.count, statuses: s.statuses, errors: s.errors, maxMs: Math.round(s.maxMs), meanMs: s.count ? Math.round((s.totalMs / s.count) * 10) / 10 : 0 }]),
    ),
  });
  const report = () => reportOf(total);
  return {
    report,
    /** What it saw since the last call (or the start); a failure before it is not in the next window. */
    window() {
      const seen = reportOf(current);
      current = tally();
      return seen;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      const deadline = performance.now() + timeoutMs + 500;
      while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return report();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [base, ...paths] = process.argv.slice(2);
  const poller = createPoller({
    base,
    paths: paths.length > 0 ? paths : undefined,
    intervalMs: Number(process.env.POLL_INTERVAL_MS ?? 100),
    timeoutMs: Number(process.env.POLL_TIMEOUT_MS ?? 1000),
  });
  const print = (report) => process.stdout.write(`${JSON.stringify(report)}\n`);
  let buffer = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line === 'report') print(poller.report());
      else if (line === 'window') print(poller.window());
    }
  });
  process.stdin.on('end', async () => {
    print({ ...(await poller.stop()), final: true });
    process.exit(0);
  });
}
