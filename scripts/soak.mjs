#!/usr/bin/env node
// The soak run: `podwarden serve` (dist/) for a while with checks that flap,
// services that crash and are restarted and exec checks that leave children
// behind, while a kubelet-like poller probes it every 100 ms and /metrics is
// scraped every second. Every cycle also brings a pipelined flood (ten
// connections of 1,500 requests each, written at once: /metrics, HEAD, OpenMetrics,
// ?verbose in turn; see docs/threat-model.md). After every cycle it samples
// podwarden's open descriptors, its descendant processes and its resident memory.
//
// Exact (the run fails otherwise): no poller or scrape failure; descriptors,
// descendants and processes started by exec checks back to their baseline
// (taken after the warm-up) at the end of every cycle; a clean stop at the
// end; peak RSS (the kernel's high-water mark) at most 128 MiB. Reported: RSS
// growth after the warm-up (goal < 5 %), and V8's used heap.
//
//   node scripts/soak.mjs [--minutes N | --seconds N] [--cycle-seconds N] [--warmup-cycles N] [--json FILE]
//
// Defaults: SOAK_MINUTES (30), SOAK_CYCLE_SECONDS (10), one warm-up cycle.
// Progress goes to stderr, the summary (JSON) to stdout and to --json FILE.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { flood, requestText } from './soak/pipelined-flood.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    'cycle-seconds': { type: 'string' },
    'warmup-cycles': { type: 'string' },
    json: { type: 'string' },
  },
});
const durationMs = values.seconds !== undefined ? Number(values.seconds) * 1000 : Number(values.minutes ?? process.env.SOAK_MINUTES ?? 30) * 60_000;
const cycleMs = Number(values['cycle-seconds'] ?? process.env.SOAK_CYCLE_SECONDS ?? 10) * 1000;
const warmupCycles = Number(values['warmup-cycles'] ?? 1);
const cycles = Math.max(warmupCycles + 1, Math.round(durationMs / cycleMs));
if (!(cycleMs > 0) || !(durationMs > 0)) {
  process.stderr.write('soak: --minutes, --seconds and --cycle-seconds must be positive numbers\n');
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`soak: ${line}\n`);
const mark = `podwarden-soak-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-soak-'));

/** A port that was free a moment ago. */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// ---- what podwarden checks: a target whose /health flips, a file an exec check tests ----
let healthy = true;
const target = http.createServer((req, res) => {
  res.writeHead(req.url === '/health' && !healthy ? 503 : 200, { 'content-type': 'text/plain' }).end('ok');
});
await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
const targetPort = target.address().port;
const flagFile = path.join(dir, 'up');
// Up at start, as the target is: the two flip together, so every aggregate
// check is ready for part of each flip and /readyz answers 200 as well as 503
// (out of phase, only a race between the two checks ever let a 200 through).
writeFileSync(flagFile, '');
const flipper = setInterval(() => {
  healthy = !healthy;
  if (existsSync(flagFile)) unlinkSync(flagFile);
  else writeFileSync(flagFile, '');
}, 1700);

const modulePath = fileURLToPath(new URL('./soak/soak-services.mjs', import.meta.url));
const execEnv = { SOAK_MARK: mark };
const port = await freePort();
const config = {
  shutdown: { drainDelay: '500ms', stopBudget: '5s', stopTimeout: '2s' },
  drain: { tokenFile: path.join(dir, 'no-token') },
  services: [
    { name: 'target', type: 'tcp', host: '127.0.0.1', port: targetPort, interval: '500ms' },
    { name: 'flappy-http', type: 'http', url: `http://127.0.0.1:${targetPort}/health`, interval: '200ms', timeout: '500ms', failureThreshold: 1 },
    { name: 'flappy-exec', type: 'exec', command: ['sh', '-c', `test -e ${flagFile}`], env: execEnv, interval: '300ms', timeout: '1s', failureThreshold: 1 },
    { name: 'leaves-children', type: 'exec', command: ['sh', '-c', 'sleep 30 & (sleep 30 &) ; exit 0'], env: execEnv, interval: '250ms', timeout: '1s' },
    // Never ready and always failing: kept out of the aggregate probes, as one would a check that only feeds metrics.
    { name: 'times-out', type: 'exec', command: ['sh', '-c', 'sleep 30'], env: execEnv, interval: '1s', timeout: '300ms', probes: [] },
    { name: 'flappy-module', type: 'module', module: modulePath, options: { behaviour: 'flap', periodMs: 900 } },
    { name: 'crash-loop', type: 'module', module: modulePath, options: { behaviour: 'crash-loop', lifeMs: 1500 }, restart: 'on-failure', probes: [] },
    { name: 'worker', type: 'module', module: modulePath, options: { behaviour: 'worker', periodMs: 100 }, dependsOn: ['target'] },
  ],
};
const configFile = path.join(dir, 'podwarden.json');
writeFileSync(configFile, JSON.stringify(config, null, 2));

// ---- podwarden itself ----
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PODWARDEN_')));
const cli = path.join(root, 'dist/cli/main.js');
// Run it as the `podwarden` command runs: with the Node options of its shebang line.
const nodeOptions = (/^#!.*\bnode\b(.*)$/m.exec(readFileSync(cli, 'utf8').split('\n')[0] ?? '')?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
const child = spawn(process.execPath, [...nodeOptions, cli, 'serve', '--config', configFile, '--port', String(port), '--host', '127.0.0.1'], {
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
// Interrupted (Ctrl-C in `make soak`): take podwarden and the poller down too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    child.kill('SIGKILL');
    poller?.kill();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
const pid = child.pid;
const events = new Map();
let listening = false;
let stderr = '';
let buffer = '';
child.stdout.setEncoding('utf8').on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) !== -1) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    events.set(entry.event, (events.get(entry.event) ?? 0) + 1);
    if (entry.event === 'listening') listening = true;
    if (entry.event === 'exit') events.set('exit-report', entry);
  }
});
child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const problems = [];
/** The kubelet-like poller, once started. */
let poller;
function finish(summary) {
  clearInterval(flipper);
  target.close();
  target.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
  const text = JSON.stringify(summary, null, 2);
  if (values.json) writeFileSync(values.json, `${text}\n`);
  process.stdout.write(`${text}\n`);
  process.exit(summary.ok ? 0 : 1);
}

for (let waited = 0; !listening; waited += 50) {
  if (waited > 15_000 || child.exitCode !== null) {
    finish({ ok: false, problems: [`podwarden did not start: ${stderr}`] });
  }
  await sleep(50);
}

// ---- the poller and the scraper ----
/**
 * The kubelet-like poller runs in a process of its own, so this one's /proc
 * scans cannot delay it: 100 ms interval, 1 s timeout, a report per request.
 */
function startPoller(url, paths) {
  const poll = spawn(process.execPath, [fileURLToPath(new URL('./soak/kube-poller.mjs', import.meta.url)), url, ...paths], {
    env: { ...env, POLL_INTERVAL_MS: '100', POLL_TIMEOUT_MS: '1000' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  let pending = '';
  poll.stdout.setEncoding('utf8').on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const report = JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      waiting.shift()?.(report);
    }
  });
  const next = () => new Promise((resolve) => waiting.push(resolve));
  return {
    report() {
      const answer = next();
      poll.stdin.write('report\n');
      return answer;
    },
    stop() {
      const answer = next();
      poll.stdin.end();
      return answer;
    },
    kill() {
      poll.kill('SIGKILL');
    },
  };
}

const base = `http://127.0.0.1:${port}`;
/**
 * Paths that must answer 200 whatever the checks do. /readyz and /startupz
 * answer 200 or 503 as the checks flap: there, only a timeout, an error or
 * another status fails.
 */
const strictPaths = ['/livez', '/readyz/podwarden', '/startupz/podwarden'];
const flexiblePaths = ['/readyz', '/startupz'];
poller = startPoller(base, [...strictPaths, ...flexiblePaths]);
const scrapes = { count: 0, failures: 0, last: '' };
/** Memory of the current cycle, sampled every second: RSS from /proc, V8's used heap from the scrape. */
let memory = { rss: [], heap: [] };
const scraper = setInterval(() => {
  try {
    memory.rss.push(rssMiB());
  } catch {
    // exited
  }
  const req = http.get(`${base}/metrics`, { agent: false, timeout: 5000 }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (c) => (body += c));
    res.on('end', () => {
      scrapes.count++;
      if (res.statusCode !== 200) scrapes.failures++;
      else {
        scrapes.last = body;
        const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(body);
        if (heap) memory.heap.push(Math.round((Number(heap[1]) / 2 ** 20) * 10) / 10);
      }
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    scrapes.count++;
    scrapes.failures++;
  });
}, 1000);

// ---- sampling ----
function processes() {
  const all = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.push({ pid: Number(entry), state: fields[0], ppid: Number(fields[1]) });
    } catch {
      // exited meanwhile
    }
  }
  return all;
}
function descendantsOf(all) {
  const found = [];
  let frontier = new Set([pid]);
  while (frontier.size > 0) {
    const next = all.filter((p) => frontier.has(p.ppid));
    found.push(...next);
    frontier = new Set(next.map((p) => p.pid));
  }
  return found;
}
function marked() {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`SOAK_MARK=${mark}`)) count++;
    } catch {
      // exited, or not ours
    }
  }
  return count;
}
function sampleOnce() {
  const all = processes();
  const descendants = descendantsOf(all);
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    descendants: descendants.filter((p) => p.state !== 'Z').length,
    zombies: descendants.filter((p) => p.state === 'Z' && p.ppid === pid).length,
    marked: marked(),
  };
}
function rssMiB() {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}
/**
 * The quiet level of each count: its minimum over a window of samples (an
 * exec attempt or a probe may be in flight at any one instant). Stops early
 * once every count is at or below `target`.
 */
async function quietLevel(target, windowMs = 3000) {
  const level = { fds: Infinity, descendants: Infinity, zombies: Infinity, marked: Infinity };
  const end = performance.now() + windowMs;
  while (performance.now() < end) {
    const s = sampleOnce();
    for (const key of Object.keys(level)) level[key] = Math.min(level[key], s[key]);
    if (target && Object.keys(level).every((key) => level[key] <= target[key])) break;
    await sleep(15);
  }
  return level;
}

// ---- the pipelined floods ----
const floodKinds = [
  requestText({ path: '/metrics' }),
  requestText({ method: 'HEAD', path: '/metrics' }),
  requestText({ path: '/metrics', headers: ['Accept: application/openmetrics-text;version=1.0.0'] }),
  requestText({ path: '/readyz?verbose' }),
];
const floods = { count: 0, connections: 0, closedByServer: 0, responses: 0 };
async function floodOnce(cycle) {
  const report = await flood({ port, connections: 10, requests: 1500, request: floodKinds[cycle % floodKinds.length], holdMs: 5000 });
  floods.count++;
  floods.connections += report.connections;
  floods.closedByServer += report.closedByServer;
  floods.responses += report.responses;
}
function peakRssMiB() {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

// ---- the cycles ----
log(`podwarden pid ${pid} on ${base}; ${cycles} cycles of ${cycleMs / 1000}s (${warmupCycles} to warm up)`);
const started = performance.now();
const rows = [];
let baseline;
for (let cycle = 1; cycle <= cycles; cycle++) {
  await sleep(Math.max(0, started + cycle * cycleMs - performance.now()));
  if (child.exitCode !== null) {
    problems.push(`podwarden exited during cycle ${cycle}: ${stderr}`);
    break;
  }
  const level = await quietLevel(baseline);
  // Mid-cycle, so its connections are gone by the next sample.
  void floodOnce(cycle);
  const { rss, heap } = memory;
  memory = { rss: [], heap: [] };
  const row = {
    cycle,
    seconds: Math.round((performance.now() - started) / 1000),
    ...level,
    rssMiB: rssMiB(),
    rssMinMiB: Math.min(...rss),
    rssMaxMiB: Math.max(...rss),
    heapUsedMinMiB: heap.length > 0 ? Math.min(...heap) : undefined,
  };
  rows.push(row);
  if (cycle === warmupCycles) baseline = { fds: level.fds, descendants: level.descendants, zombies: level.zombies, marked: level.marked };
  const report = await poller.report();
  const failures = strictPaths.reduce((n, p) => n + Object.entries(report.paths[p].statuses).filter(([s]) => s !== '200').reduce((m, [, c]) => m + c, 0), 0);
  log(
    `cycle ${cycle}/${cycles} t=${row.seconds}s fds=${row.fds} descendants=${row.descendants} zombies=${row.zombies} exec-leftovers=${row.marked} rss=${row.rssMinMiB}–${row.rssMaxMiB}MiB heap≥${row.heapUsedMinMiB}MiB ` +
      `probes=${Object.values(report.paths).reduce((n, p) => n + p.count, 0)} errors=${report.failures.filter((f) => f.error).length} non-200=${failures} scrapes=${scrapes.count}/${scrapes.failures} failed` +
      (cycle === warmupCycles ? ' (baseline)' : ''),
  );
  if (baseline && cycle > warmupCycles) {
    for (const key of Object.keys(baseline)) {
      if (row[key] !== baseline[key]) problems.push(`cycle ${cycle}: ${key} ${row[key]}, baseline ${baseline[key]}`);
    }
  }
}

// ---- the end: stop polling, SIGTERM, the exit ----
clearInterval(scraper);
const peakMiB = peakRssMiB();
if (peakMiB > 128) problems.push(`peak RSS ${peakMiB} MiB, above 128 MiB`);
if (floods.closedByServer !== floods.connections) problems.push(`podwarden closed ${floods.closedByServer} of ${floods.connections} flooding connections`);
const pollerReport = await poller.stop();
const metrics = scrapes.last;
const sample = (name, labels) => {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};
const stopAt = performance.now();
child.kill('SIGTERM');
const exit = await Promise.race([exited, sleep(30_000).then(() => ({ code: 'no exit within 30 s' }))]);
const stopMs = Math.round(performance.now() - stopAt);
if (typeof exit.code !== 'number') {
  child.kill('SIGKILL');
  problems.push(`podwarden did not exit: ${exit.code}`);
}
await sleep(300);
const leftovers = marked();
if (leftovers > 0) problems.push(`${leftovers} processes started by exec checks outlived podwarden`);
if (events.get('deadline')) problems.push('the hard deadline passed at shutdown');
const exitReport = events.get('exit-report');
if (exitReport?.overran?.length) problems.push(`services overran at shutdown: ${exitReport.overran.join(', ')}`);

const errorCount = Object.values(pollerReport.paths).reduce((n, p) => n + Object.values(p.errors).reduce((a, b) => a + b, 0), 0);
const strictNon200 = strictPaths.reduce((n, p) => n + Object.entries(pollerReport.paths[p].statuses).filter(([s]) => s !== '200').reduce((m, [, c]) => m + c, 0), 0);
const otherStatuses = flexiblePaths.flatMap((p) => Object.keys(pollerReport.paths[p].statuses).filter((s) => s !== '200' && s !== '503').map((s) => `${p} ${s}`));
if (errorCount > 0) problems.push(`the poller saw ${errorCount} failed probes (timeouts or connection errors): ${JSON.stringify(pollerReport.failures.filter((f) => f.error).slice(0, 5))}`);
if (strictNon200 > 0) problems.push(`the poller saw ${strictNon200} non-200 answers from ${strictPaths.join(', ')}`);
if (otherStatuses.length > 0) problems.push(`unexpected answers: ${otherStatuses.join(', ')}`);
if (scrapes.failures > 0) problems.push(`${scrapes.failures} of ${scrapes.count} scrapes failed`);

// RSS is a sawtooth (V8 grows its heap, then a major collection returns it), so two
// single samples say little. Growth compares the low-water marks (what is retained)
// of the first and the last third of the run after its first fifth (at least the
// warm-up): a leak raises the troughs, garbage only the peaks.
const memoryFrom = Math.max(warmupCycles + 1, Math.ceil(rows.length / 5));
const settled = rows.filter((r) => r.cycle >= memoryFrom);
const third = Math.max(1, Math.floor(settled.length / 3));
const low = (list, key) => Math.min(...list.map((r) => r[key]).filter((v) => v !== undefined));
const growth = (key) => {
  if (settled.length < 2) return {};
  const first = low(settled.slice(0, third), key);
  const last = low(settled.slice(-third), key);
  return { firstMiB: first, lastMiB: last, growthPct: Math.round(((last - first) / first) * 1000) / 10 };
};
const rssGrowth = growth('rssMinMiB');
const heapGrowth = growth('heapUsedMinMiB');
finish({
  ok: problems.length === 0,
  problems,
  minutes: Math.round(((performance.now() - started) / 60_000) * 10) / 10,
  cycleSeconds: cycleMs / 1000,
  warmupCycles,
  node: process.version,
  nodeOptions,
  baseline,
  cycles: rows,
  memory: {
    fromCycle: memoryFrom,
    peakMiB,
    rss: { ...rssGrowth, maxMiB: Math.max(...rows.map((r) => r.rssMaxMiB)), goalMet: rssGrowth.growthPct === undefined ? undefined : rssGrowth.growthPct < 5 },
    heapUsed: heapGrowth,
  },
  poller: { probes: Object.fromEntries(Object.entries(pollerReport.paths).map(([p, s]) => [p, { count: s.count, statuses: s.statuses, errors: s.errors, maxMs: s.maxMs, meanMs: s.meanMs }])) },
  scrapes: { count: scrapes.count, failures: scrapes.failures },
  floods,
  activity: {
    serviceStateChanges: events.get('service-state') ?? 0,
    restarts: sample('podwarden_service_restarts_total', 'name="crash-loop"'),
    checkFailures: Object.fromEntries(['flappy-http', 'flappy-exec', 'times-out'].map((n) => [n, sample('podwarden_check_failures_total', `name="${n}"`)])),
    checkAttempts: Object.fromEntries(['leaves-children', 'flappy-exec', 'times-out', 'flappy-http'].map((n) => [n, sample('podwarden_check_duration_seconds_count', `name="${n}"`)])),
  },
  exit: { code: exit.code, stopMs, reportExitCode: exitReport?.exitCode, failedAtExit: exitReport?.failed },
});
