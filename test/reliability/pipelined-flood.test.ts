import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { type Podwarden, cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';
import { faulty } from './support/faulty-service.js';
import { Poller, type PollerReport } from './support/poller.js';

/**
 * The pipelined flood of docs/threat-model.md against the real `podwarden
 * serve`: connections that each write many requests at once and never wait
 * for an answer. Node hands a whole TCP read (~1,700 such requests) to the
 * request handler before it pauses; podwarden must close such a connection
 * before it renders anything, so a kubelet-like poller (its own process)
 * sees only 200 and memory stays bounded, also when the attack doubles.
 */

const floodScript = fileURLToPath(new URL('../../scripts/soak/pipelined-flood.mjs', import.meta.url));
const run = promisify(execFile);
const MiB = 1024 * 1024;

/** An attack; `closes`: whether podwarden closes every connection (the default) or only those past the total limit. */
interface Variant {
  readonly name: string;
  readonly connections: number;
  readonly requests: number;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: string[];
  readonly read?: boolean;
  readonly closes?: 'some';
}

interface FloodReport {
  readonly responses: number;
  readonly bytesReceived: number;
  readonly closedByServer: number;
  readonly ms: number;
}

/** The attack, from a process of its own: `connections` sockets, each writing `requests` copies of one request at once. */
async function flood(pw: Podwarden, options: Omit<Variant, 'name'>): Promise<FloodReport> {
  // A client that never reads never learns that podwarden closed its connection, and one within the limits is kept open: give up after 3 s.
  const holdMs = options.read === false || options.closes === 'some' ? 3000 : 10_000;
  const args = [floodScript, String(pw.port), '--connections', String(options.connections), '--requests', String(options.requests), '--hold-ms', String(holdMs)];
  if (options.method) args.push('--method', options.method);
  if (options.path) args.push('--path', options.path);
  for (const header of options.headers ?? []) args.push('--header', header);
  if (options.read === false) args.push('--no-read');
  const { stdout } = await run(process.execPath, args, { timeout: 20_000 });
  return JSON.parse(stdout) as FloodReport;
}

/** podwarden's peak resident memory since it started (the kernel's high-water mark), in bytes. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
}

async function startTarget(): Promise<{ pw: Podwarden; poller: Poller }> {
  const pw = await startPodwarden({ config: { services: [faulty('app', 'steady')] }, env: { PODWARDEN_DRAIN_TOKEN: 'flood-suite-token-5d1e' } });
  await pw.waitState('app', 'ready');
  const poller = new Poller(pw.base);
  await sleep(300);
  await poller.window();
  return { pw, poller };
}

/** The poller's window saw only 200s: no timeouts, no 503 from event-loop lag, no refused connection. */
function expectProbesClean(report: PollerReport): void {
  expect(report.failures).toEqual([]);
  for (const path of ['/livez', '/readyz']) {
    expect(Object.keys(report.paths[path]!.statuses), path).toEqual(['200']);
    expect(report.paths[path]!.count, path).toBeGreaterThan(5);
  }
}

let target: { pw: Podwarden; poller: Poller } | undefined;
afterEach(async () => {
  target?.poller.kill();
  target = undefined;
  await cleanupPodwardens();
});
afterAll(cleanupPodwardens);

const variants: readonly Variant[] = [
  { name: 'GET /metrics, as published (10 × 1,500)', connections: 10, requests: 1500 },
  { name: 'GET /metrics, never reading an answer', connections: 10, requests: 1500, read: false },
  { name: 'HEAD /metrics', connections: 10, requests: 1500, method: 'HEAD' },
  { name: 'GET /metrics as OpenMetrics', connections: 10, requests: 1500, headers: ['Accept: application/openmetrics-text;version=1.0.0'] },
  { name: 'GET /readyz?verbose', connections: 10, requests: 1500, path: '/readyz?verbose' },
  { name: 'GET /readyz as JSON', connections: 10, requests: 1500, path: '/readyz', headers: ['Accept: application/json'] },
  { name: 'GET /readyz/app, per service', connections: 10, requests: 1500, path: '/readyz/app' },
  { name: 'many sockets: 200 × 40 GET /metrics', connections: 200, requests: 40 },
  { name: 'many sockets within the per-connection limit: 300 × 8 GET /metrics', connections: 300, requests: 8, closes: 'some' },
];

describe('pipelined floods (the real podwarden serve, a kubelet-like poller throughout)', () => {
  beforeEach(async () => {
    target = await startTarget();
  });

  it.each(variants)('$name: connections closed unanswered past the limit, probes only 200, peak RSS ≤ 128 MiB', async (variant) => {
    const { pw, poller } = target!;
    const report = await flood(pw, variant);
    if (variant.closes === 'some') {
      // Answered as they come while fewer than 64 pipelined answers are outstanding in all; never more than 8 a connection.
      expect(report.responses).toBeLessThanOrEqual(variant.connections * 8);
    } else if (variant.read !== false) {
      // Every connection is closed by podwarden long before the attacker would have given up, having answered at most the limit.
      expect(report.closedByServer).toBe(variant.connections);
      expect(report.ms).toBeLessThan(8000);
      expect(report.responses).toBeLessThanOrEqual(variant.connections * 8);
    }
    await sleep(1500);
    expectProbesClean(await poller.window());
    expect(peakRss(pw.pid)).toBeLessThanOrEqual(128 * MiB);
    // Still serving scrapes.
    const scrape = await pw.get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain('podwarden_service_ready{name="app"} 1');
  });

  it('doubling the attack, in requests or in connections, leaves peak RSS within 10 %', async () => {
    const { pw, poller } = target!;
    await flood(pw, { connections: 10, requests: 1500 });
    await sleep(500);
    const once = peakRss(pw.pid);
    await flood(pw, { connections: 10, requests: 3000 });
    await flood(pw, { connections: 20, requests: 1500 });
    await sleep(500);
    const doubled = peakRss(pw.pid);
    expectProbesClean(await poller.window());
    expect(doubled).toBeLessThanOrEqual(once * 1.1);
    expect(doubled).toBeLessThanOrEqual(128 * MiB);
  });
});

describe('pipelining within the limit', () => {
  beforeEach(async () => {
    target = await startTarget();
  });

  /** Write `count` requests at once on one connection; resolve with the status lines read and whether podwarden closed it. */
  function pipeline(pw: Podwarden, count: number, request: string): Promise<{ statuses: number[]; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect(pw.port, '127.0.0.1', () => socket.write(request.repeat(count)));
      let text = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        text += chunk;
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === count) finish(false);
      });
      socket.on('error', () => {});
      socket.on('close', () => finish(true));
      const timer = setTimeout(() => finish(false), 5000);
      function finish(closed: boolean) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), closed });
      }
    });
  }

  it('eight pipelined requests on one connection are all answered, in order; a ninth closes the connection, and so do sixteen in one read', async () => {
    const { pw } = target!;
    const probe = 'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n';
    const scrape = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
    expect(await pipeline(pw, 8, probe)).toEqual({ statuses: Array(8).fill(200), closed: false });
    expect(await pipeline(pw, 8, scrape)).toEqual({ statuses: Array(8).fill(200), closed: false });
    const nine = await pipeline(pw, 9, scrape);
    expect(nine.closed).toBe(true);
    expect(nine.statuses.length).toBeLessThan(9);
    const warned = await pw.waitFor((line) => line.event === 'connection-refused');
    expect(warned).toMatchObject({ level: 'warn', reason: 'per-connection', count: 1 });
    // Past twice the limit in one read, the read is never parsed: nothing is answered.
    expect(await pipeline(pw, 17, probe)).toEqual({ statuses: [], closed: true });
  });
});
