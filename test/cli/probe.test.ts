import { type Server as NetServer, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { type Harness, startHarness } from '../http/harness.js';
import { runCli } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

let h: Harness | undefined;
let silent: NetServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  silent = undefined;
});

describe('podwarden probe (exec probe / Docker HEALTHCHECK)', () => {
  it('exits 0 when the probe answers 200 and 1 when it answers 503, printing the answer', async () => {
    h = await startHarness({ services: { db: {} } });
    const url = ['--url', h.base];
    const live = await runCli(['probe', 'livez', ...url]);
    expect(live).toMatchObject({ code: 0, stdout: '200 ok\n' });
    expect(live.ms).toBeLessThan(2000);
    const ready = await runCli(['probe', 'readyz', ...url]);
    expect(ready.code).toBe(1);
    expect(ready.stdout).toContain('503 [+]podwarden ok\n[-]db failed: reason withheld');
    expect((await runCli(['probe', 'startupz/podwarden', ...url])).code).toBe(0);
    expect((await runCli(['probe', 'readyz/db', ...url])).code).toBe(1);
    expect((await runCli(['probe', 'readyz/nope', ...url])).code).toBe(1);
    const verbose = await runCli(['probe', 'livez', '--verbose', ...url]);
    expect(verbose.stdout).toContain('livez check passed');

    h.services.db!.ready();
    await until(() => h!.server.service('db')?.state === 'ready');
    expect((await runCli(['probe', 'readyz', ...url])).code).toBe(0);
  });

  it('finds the server from PODWARDEN_PORT by default', async () => {
    h = await startHarness();
    const port = String(h.http.address()!.port);
    expect((await runCli(['probe', 'livez'], { PODWARDEN_PORT: port })).code).toBe(0);
  });

  it('exits 1 fast when nothing listens or nothing answers in time', async () => {
    const port = await freePort();
    const refused = await runCli(['probe', 'livez', '--url', `http://127.0.0.1:${port}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ECONNREFUSED');

    silent = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const hung = await runCli(['probe', 'readyz', '--timeout', '300ms', '--url', `http://127.0.0.1:${(silent.address() as { port: number }).port}`]);
    expect(hung.code).toBe(1);
    expect(hung.stderr).toContain('no answer within 300ms');
    expect(hung.ms).toBeLessThan(2000);
  });

  it('--timeout takes the duration grammar: 1m is a timeout, 1sec, 5 s and 2w are refused with the grammar', async () => {
    const port = await freePort();
    expect((await runCli(['probe', 'livez', '--timeout', '1m', '--url', `http://127.0.0.1:${port}`])).code).toBe(1);
    for (const text of ['1sec', '5 s', '2w']) {
      const result = await runCli(['probe', 'livez', '--timeout', text]);
      expect(result.code, text).toBe(2);
      expect(result.stderr).toBe(`podwarden probe: --timeout ${JSON.stringify(text)} is not a duration; write a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0\n`);
    }
    expect((await runCli(['probe', 'livez', '--timeout', '0'])).stderr).toContain('--timeout "0" is too short; the minimum is 1ms');
  });

  it('exits 2 on bad usage', async () => {
    for (const args of [['probe'], ['probe', 'healthz'], ['probe', 'livez', 'readyz'], ['probe', 'livez', '--timeout', 'soon'], ['probe', 'livez', '--url', 'ftp://x'], ['probe', 'livez', '--nope']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});
