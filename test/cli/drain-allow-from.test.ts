import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPodwardens, runCli, startPodwarden } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';

/** Issue 14, part 1: `drain.allowFrom: [hostIPs]` in a real `podwarden serve`, with the node's addresses from `PODWARDEN_HOST_IPS`. */

const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

afterEach(cleanupPodwardens);

const args = ['--host', '0.0.0.0', '--drain-delay', '100ms', '--drain-allow-unauthenticated', '--drain-token-file', '/nonexistent/podwarden-token'];

function drainFrom(port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, localAddress: address, port, path: '/drain', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });
}

describe.runIf(outside)('podwarden serve: drain.allowFrom with hostIPs', () => {
  it('accepts /drain from an address in PODWARDEN_HOST_IPS and from loopback; refuses others (403, forbidden-source)', async () => {
    let serve = await startPodwarden({ args: [...args, '--drain-allow-from', 'hostIPs'], env: { PODWARDEN_HOST_IPS: '10.255.0.9,fd00:dead::9' } });
    expect(await serve.waitFor((l) => l.event === 'start')).toMatchObject({ drainAllowFrom: ['hostIPs'], hostIPs: ['10.255.0.9', 'fd00:dead::9'] });
    expect(await drainFrom(serve.port, outside!)).toBe(403);
    expect((await serve.get('/metrics')).body).toContain('podwarden_drain_requests_total{result="forbidden-source"} 1');
    expect(await drainFrom(serve.port, '127.0.0.1')).toBe(200);
    serve.process.kill();
    await serve.process.exited;

    serve = await startPodwarden({ args: [...args, '--drain-allow-from', 'hostIPs'], env: { PODWARDEN_HOST_IPS: `10.255.0.9,${outside}` } });
    expect(await drainFrom(serve.port, outside!)).toBe(200);
  });

  it('hostIPs without PODWARDEN_HOST_IPS: exit 2 before any port opens, naming the variable and the fix', async () => {
    const result = await runCli(['serve', ...args, '--port', String(await freePort())], { PODWARDEN_DRAIN_ALLOW_FROM: 'hostIPs' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('drain.allowFrom[0] (from PODWARDEN_DRAIN_ALLOW_FROM): "hostIPs" needs PODWARDEN_HOST_IPS');
    expect(result.stderr).toContain('status.hostIPs');
    expect(result.stdout).not.toContain('listening');
  });
});
