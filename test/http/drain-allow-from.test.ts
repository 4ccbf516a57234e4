import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../../src/core/server.js';
import { isPodwardenError } from '../../src/errors.js';
import { addHttpService } from '../../src/http/http-service.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** This machine's own addresses that are not loopback: a connection to one, from it, has it as its source. */
const local = Object.values(networkInterfaces())
  .flat()
  .filter((i) => i !== undefined && !i.internal && !i.address.startsWith('fe80'));
const ipv4 = local.find((i) => i?.family === 'IPv4')?.address;
const ipv6 = local.find((i) => i?.family === 'IPv6')?.address;

/** GET `path` on `host:port` from `localAddress`. */
function getFrom(port: number, host: string, localAddress: string, path = '/drain', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function logLines() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  return { lines, logger };
}

async function drainCounts(): Promise<string> {
  return (await h!.get('/metrics')).body
    .split('\n')
    .filter((l) => l.startsWith('podwarden_drain_requests_total{'))
    .join('\n');
}

describe.runIf(ipv4)('/drain with drain.allowFrom (a real listener on every address)', () => {
  it('refuses a source outside the list with 403 before the token, counts it as forbidden-source and logs it; nothing changes', async () => {
    const { lines, logger } = logLines();
    h = await startHarness({ server: { shutdown: { drainDelay: 50 } }, http: { host: '0.0.0.0', drain: { token: 'tok-1', allowFrom: ['10.255.0.0/16'] } }, logger });
    const port = h.http.address()!.port;
    for (const headers of [{ authorization: 'Bearer tok-1' }, { authorization: 'Bearer tok-1', 'x-forwarded-for': '127.0.0.1' }, {}] as Array<Record<string, string>>) {
      const refused = await getFrom(port, ipv4!, ipv4!, '/drain', headers);
      expect(refused).toEqual({ status: 403, body: 'forbidden: /drain is not accepted from this address (drain.allowFrom)\n' });
    }
    expect(h.server.phase).toBe('running');
    expect(await getFrom(port, ipv4!, ipv4!, '/readyz')).toEqual({ status: 200, body: 'ok' });
    expect(await drainCounts()).toContain('podwarden_drain_requests_total{result="forbidden-source"} 3');
    expect(await drainCounts()).toContain('podwarden_drain_requests_total{result="unauthorized"} 0');
    // The first refusal is logged at once; the other two are folded into the line that ends the window.
    expect(lines.filter((l) => l.event === 'drain-request')).toEqual([expect.objectContaining({ result: 'forbidden-source', remote: ipv4, count: 1 })]);
  });

  it('accepts loopback (any of 127.0.0.0/8) without listing it, then checks the token', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 50 } }, http: { host: '0.0.0.0', drain: { token: 'tok-2', allowFrom: ['10.255.0.0/16'] } } });
    const port = h.http.address()!.port;
    expect((await getFrom(port, '127.0.0.1', '127.0.0.2')).status).toBe(401);
    expect(await getFrom(port, '127.0.0.1', '127.0.0.2', '/drain', { authorization: 'Bearer tok-2' })).toEqual({ status: 200, body: 'drained\n' });
  });

  it('accepts a listed address or CIDR; an IPv4 client of a dual-stack listener (::ffff:a.b.c.d) matches IPv4 rules', async () => {
    for (const [host, allowFrom] of [
      ['0.0.0.0', [ipv4!]],
      ['::', [`${ipv4}/24`]],
      ['::', ['fd00:dead::/32', ipv4!]],
    ] as const) {
      h = await startHarness({ server: { shutdown: { drainDelay: 20 } }, http: { host, drain: { allowUnauthenticated: true, allowFrom } } });
      expect(await getFrom(h.http.address()!.port, ipv4!, ipv4!), `${host} ${allowFrom.join(',')}`).toEqual({ status: 200, body: 'drained\n' });
      await h.close();
      h = undefined;
    }
  });

  it.runIf(ipv6)('checks IPv6 sources against IPv6 rules', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 20 } }, http: { host: '::', drain: { allowUnauthenticated: true, allowFrom: [`${ipv6}/128`] } } });
    const port = h.http.address()!.port;
    expect((await getFrom(port, ipv4!, ipv4!)).status).toBe(403);
    expect((await getFrom(port, ipv6!, ipv6!)).status).toBe(200);
  });

  it('hostIPs stands for the addresses given as the node\'s', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 20 } }, http: { host: '0.0.0.0', drain: { allowUnauthenticated: true, allowFrom: ['hostIPs'], hostIPs: ['10.255.0.9'] } } });
    expect((await getFrom(h.http.address()!.port, ipv4!, ipv4!)).status).toBe(403);
    await h.close();
    h = await startHarness({ server: { shutdown: { drainDelay: 20 } }, http: { host: '0.0.0.0', drain: { allowUnauthenticated: true, allowFrom: ['hostIPs'], hostIPs: ['10.255.0.9', ipv4!] } } });
    expect((await getFrom(h.http.address()!.port, ipv4!, ipv4!)).status).toBe(200);
  });

  it('an empty list restricts nothing', async () => {
    h = await startHarness({ server: { shutdown: { drainDelay: 20 } }, http: { host: '0.0.0.0', drain: { allowUnauthenticated: true, allowFrom: [] } } });
    expect((await getFrom(h.http.address()!.port, ipv4!, ipv4!)).status).toBe(200);
  });
});

describe('drain.allowFrom as a library option', () => {
  it('refuses a bad entry, or hostIPs without addresses, at setup, naming the entry', () => {
    const cases: Array<[string[], string[] | undefined, RegExp]> = [
      [['10.0.0.0/33'], undefined, /^invalid option drain\.allowFrom\[0\]: "10\.0\.0\.0\/33" has a bad prefix length; use 0–32 after the "\/"$/],
      [['::1', 'node-a'], undefined, /^invalid option drain\.allowFrom\[1\]: "node-a" is not an IPv4 or IPv6 address/],
      [['fd00::/129'], undefined, /use 0–128/],
      [['10.0.0.0/x'], undefined, /bad prefix length/],
      [['hostIPs'], undefined, /^invalid option drain\.allowFrom\[0\]: "hostIPs" needs the node's addresses/],
      [['hostIPs'], ['10.0.0.1', 'nope'], /^invalid option drain\.hostIPs\[1\]: "nope" is not/],
    ];
    for (const [allowFrom, hostIPs, message] of cases) {
      let err: unknown;
      try {
        addHttpService(new Server({ handleSignals: false }), { port: 0, drain: { allowFrom, hostIPs } });
      } catch (e) {
        err = e;
      }
      expect(isPodwardenError(err, 'PODWARDEN_ERR_INVALID_OPTION'), allowFrom.join(',')).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });
});
