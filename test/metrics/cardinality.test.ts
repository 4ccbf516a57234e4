import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sampleLines } from '../helpers/exposition.js';
import { type Harness, startHarness } from '../http/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%/?&=+;:@!$\'()*,';
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const randomText = (max: number) => Array.from({ length: 1 + Math.floor(Math.random() * max) }, () => pick([...alphabet])).join('');

/** A random request target: junk paths, unknown names under real endpoints, random queries, bad percent-encoding. */
function randomPath(): string {
  switch (Math.floor(Math.random() * 6)) {
    case 0:
      return `/${randomText(40)}`;
    case 1:
      return `/${pick(['livez', 'readyz', 'startupz', 'metrics', 'drain'])}/${randomText(20)}`;
    case 2:
      return `/${pick(['livez', 'readyz', 'startupz'])}?${pick(['verbose&', ''])}exclude=${encodeURIComponent(randomText(12))}`;
    case 3:
      return `/${randomText(8)}%${pick(['zz', 'G1', '', '%'])}${randomText(8)}`;
    case 4:
      return `/${Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () => encodeURIComponent(randomText(10))).join('/')}`;
    default:
      return `/${randomText(10)}?${randomText(30)}`;
  }
}

/** One request with a raw target (fetch would normalise it). */
function send(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: pick(['GET', 'GET', 'HEAD', 'POST', 'DELETE']), headers: { 'user-agent': pick(['kube-probe/1.' + Math.floor(Math.random() * 99), 'curl/8', randomText(20)]) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end();
  });
}

const total = (text: string) =>
  parseExposition(text)
    .filter((s) => s.name === 'podwarden_probe_requests_total')
    .reduce((sum, s) => sum + s.value, 0);

describe('metric cardinality', () => {
  it('10,000 random request paths leave the number of series unchanged', async () => {
    h = await startHarness();
    const port = h.http.address()!.port;
    const before = await (await fetch(`${h.base}/metrics`)).text();
    const seriesBefore = sampleLines(before, 'podwarden_');
    const statuses = new Map<number, number>();
    const paths: string[] = Array.from({ length: 10_000 }, randomPath);
    for (let i = 0; i < paths.length; i += 100) {
      const codes = await Promise.all(paths.slice(i, i + 100).map((p) => send(port, p)));
      for (const code of codes) statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
    const after = await (await fetch(`${h.base}/metrics`)).text();
    expect(statuses.get(0), 'requests that failed outright').toBeUndefined();
    expect(statuses.get(404)).toBeGreaterThan(5000);
    expect(statuses.get(400), 'malformed URLs').toBeGreaterThan(100);
    const names = (lines: string[]) => lines.map((l) => l.slice(0, l.lastIndexOf(" ")));
    expect(names(sampleLines(after, "podwarden_")).filter((n) => !names(seriesBefore).includes(n))).toEqual([]);
    expect(sampleLines(after, "podwarden_").length).toBe(seriesBefore.length);
    // Every one of them was counted (plus the first scrape).
    expect(total(after) - total(before)).toBe(10_001);
  });
});
