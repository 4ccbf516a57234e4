import { Agent, type IncomingMessage, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';

const script = fileURLToPath(new URL('./fixtures/http-server-app.mjs', import.meta.url));
const running: NodeProcess[] = [];
afterEach(() => {
  for (const fixture of running.splice(0)) fixture.kill();
});

async function start(spec: object) {
  const fixture = new NodeProcess([script], { env: { PODWARDEN_FIXTURE: JSON.stringify(spec) } });
  running.push(fixture);
  const web = await fixture.waitFor((l) => l.kind === 'ready' && l.name === 'web');
  const health = await fixture.waitFor((l) => l.kind === 'ready' && l.name === 'podwarden');
  return { fixture, port: web.port as number, healthPort: health.port as number };
}

function get(port: number, path: string, agent: Agent | false = false): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('httpServerService under a real SIGTERM', () => {
  it('drains (readiness 503, the app still answering with Connection: close), lets the request in flight finish, exits 0', async () => {
    const { fixture, port, healthPort } = await start({ drainDelay: 600 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(port, '/', agent)).headers.connection).toBe('keep-alive');
      const slow = get(port, '/slow?ms=900');
      await sleep(50);
      fixture.signal('SIGTERM');
      await fixture.waitFor((l) => l.kind === 'phase' && l.phase === 'draining');
      expect((await get(healthPort, '/readyz')).status).toBe(503);
      const during = await get(port, '/', agent);
      expect(during).toMatchObject({ status: 200, body: 'hello\n' });
      expect(during.headers.connection).toBe('close');
      expect(await slow).toMatchObject({ status: 200, body: 'hello\n' });
      const exit = await fixture.exited;
      expect(exit.code, fixture.output).toBe(0);
      expect(fixture.lines.find((l) => l.kind === 'report')).toMatchObject({ exitCode: 0, lastStop: { connectionsCut: 0 } });
      expect(fixture.lines.find((l) => l.kind === 'log' && l.event === 'http-server-stopped')).toMatchObject({ service: 'web', connectionsCut: 0 });
    } finally {
      agent.destroy();
    }
  });

  it('cuts a request that outlasts the stopTimeout, logs what it cut, and still exits 0 within it', async () => {
    const { fixture, port } = await start({ drainDelay: 100, stopTimeout: 700 });
    const hanging = get(port, '/hang').catch((err: NodeJS.ErrnoException) => err);
    await sleep(50);
    const t0 = Date.now();
    fixture.signal('SIGTERM');
    expect(await hanging).toMatchObject({ code: 'ECONNRESET' });
    const exit = await fixture.exited;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(exit.code, fixture.output).toBe(0);
    expect(fixture.lines.find((l) => l.kind === 'log' && l.event === 'http-server-stopped')).toMatchObject({ service: 'web', inFlight: 1, connectionsCut: 1, requestsCut: 1 });
  });
});
