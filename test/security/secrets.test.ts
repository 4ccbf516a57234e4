import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { type Podwarden, cleanupPodwardens, runCli, startPodwarden, tempDir, writeConfig } from '../helpers/podwarden.js';
import { faulty } from '../reliability/support/faulty-service.js';

/**
 * Secrets in a real `podwarden serve`: the drain token (from the environment
 * or its file), header values and exec env values never reach the log, stderr,
 * a probe answer or the metrics, whatever the log level and whatever the
 * checks print; `podwarden validate` withholds them too.
 */

afterAll(cleanupPodwardens);

const secret = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;

/** Everything the process wrote, plus what it serves. */
async function everything(pw: Podwarden): Promise<string> {
  const answers = await Promise.all(['/readyz?verbose', '/livez?verbose', '/startupz?verbose', '/metrics'].map((p) => pw.get(p)));
  const json = await pw.get('/readyz', { headers: { accept: 'application/json' } });
  return [pw.process.lines.map((l) => JSON.stringify(l)).join('\n'), pw.process.stderr, ...answers.map((a) => a.body), json.body].join('\n');
}

describe('secrets never leave podwarden', () => {
  it('the drain token, from the environment: not logged (even at trace), not in the command line, not given to exec checks', async () => {
    const token = secret('token');
    const wrong = secret('wrong');
    const dir = tempDir();
    const out = path.join(dir, 'exec-env');
    const pw = await startPodwarden({
      config: {
        log: { level: 'trace' },
        shutdown: { drainDelay: '200ms' },
        services: [{ name: 'env-dump', type: 'exec', command: ['sh', '-c', `env > ${out}`], interval: '200ms' }],
      },
      env: { PODWARDEN_DRAIN_TOKEN: token },
    });
    await pw.waitState('env-dump', 'ready');
    for (const authorization of [`Bearer ${wrong}`, `Basic ${token}`, `Bearer ${token}x`, token, `Bearer  ${token}`.toUpperCase()]) {
      expect((await pw.get('/drain', { headers: { authorization } })).status, authorization).toBe(401);
    }
    expect(await pw.metric('podwarden_drain_requests_total', { result: 'unauthorized' })).toBe(5);
    expect((await pw.get('/drain', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(readFileSync(`/proc/${pw.pid}/cmdline`, 'utf8')).not.toContain(token);
    expect(readFileSync(out, 'utf8')).not.toContain(token);
    const seen = await everything(pw);
    pw.signal('SIGTERM');
    expect((await pw.exited()).code).toBe(0);
    const all = `${seen}\n${pw.process.lines.map((l) => JSON.stringify(l)).join('\n')}\n${pw.process.stderr}`;
    expect(all).not.toContain(token);
    expect(all).not.toContain(wrong);
    // The refusals were logged (the first at once, the rest folded into the window's line), without what was sent.
    expect(pw.events('drain-request').filter((l) => l.result === 'unauthorized')).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it('the drain token, from its file: not logged; a bad token file is refused without showing it', async () => {
    const token = secret('filetoken');
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    const pw = await startPodwarden({ config: { log: { level: 'trace' }, shutdown: { drainDelay: '100ms' }, drain: { tokenFile } } });
    expect((await pw.get('/drain', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const seen = await everything(pw);
    pw.signal('SIGTERM');
    await pw.exited();
    expect(seen).not.toContain(token);

    writeFileSync(tokenFile, `two words ${token}\n`);
    const config = writeConfig(dir, { drain: { tokenFile } });
    for (const command of [['serve', '--config', config], ['validate', config]]) {
      const result = await runCli(command);
      expect(result.code, command[0]).toBe(2);
      expect(result.stderr).toContain('drain.tokenFile: the token in');
      expect(`${result.stdout}${result.stderr}`).not.toContain(token);
    }
  });

  it('header values and exec env values: withheld from failure reasons, the log (at trace) and the answers, even with exposeDetails', async () => {
    const headerValue = secret('header');
    const envValue = secret('password');
    // An app that answers 500 and echoes the request headers in its body.
    const app = http.createServer((req, res) => res.writeHead(500).end(JSON.stringify(req.headers)));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as { port: number }).port;
    try {
      const pw = await startPodwarden({
        config: {
          log: { level: 'trace' },
          server: { exposeDetails: true },
          services: [
            { name: 'app', type: 'http', url: `http://127.0.0.1:${appPort}/health`, headers: { Authorization: `Bearer ${headerValue}` }, interval: '100ms', bodyMatch: 'never' },
            { name: 'db', type: 'exec', command: ['sh', '-c', 'echo "login failed for password $PGPASSWORD" >&2; exit 1'], env: { PGPASSWORD: envValue }, interval: '100ms' },
          ],
        },
      });
      // A failing check's first failure is logged at warn (then once per 10 s); its state carries the latest reason.
      await until(() => pw.events('check-failed').some((l) => l.service === 'db') && pw.events('check-failed').some((l) => l.service === 'app'), 10_000, 'failed attempts');
      const db = pw.events('check-failed').find((l) => l.service === 'db')!;
      expect(db.error).toBe('exit code 1, expected 0: login failed for password [redacted]');
      expect(pw.events('check-failed').find((l) => l.service === 'app')!.error).toBe('status 500, expected 200-399');
      const seen = await everything(pw);
      expect(seen).not.toContain(headerValue);
      expect(seen).not.toContain(envValue);
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });

  it('podwarden validate withholds secrets in the file it refuses', async () => {
    const headerValue = secret('header');
    const envValue = secret('env');
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `services:
  - { name: app, type: http, url: "http://127.0.0.1/", headers: { Authorization: { bearer: "${headerValue}" }, "X Key": "${headerValue}" }, interval: 5x }
  - { name: job, type: exec, command: [true], env: { TOKEN: [ "${envValue}" ], "9BAD": "${envValue}" } }
  - { name: url, type: http, url: "http://user:${envValue}@127.0.0.1/" }
`,
    );
    const result = await runCli(['validate', file], { PODWARDEN_DRAIN_TOKEN: `spaced ${envValue}` });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').length).toBeGreaterThanOrEqual(6);
    expect(`${result.stdout}${result.stderr}`).not.toContain(headerValue);
    expect(`${result.stdout}${result.stderr}`).not.toContain(envValue);
  });
});

describe('failure reasons are withheld unless exposeDetails', () => {
  const reason = 'cannot reach db.internal:5432 as admin';

  it('off (the default): probes say "reason withheld"; the reason goes to the log and stderr only', async () => {
    const pw = await startPodwarden({ config: { shutdown: { drainDelay: '100ms' }, services: [faulty('db', 'throw-at-start', { reason }), faulty('cache', 'never-ready')] } });
    await pw.waitState('db', 'failed');
    const answers = await Promise.all(
      ['/readyz', '/readyz?verbose', '/readyz/db', '/readyz/db?verbose', '/startupz?verbose', '/livez?verbose', '/readyz?exclude=cache', '/metrics'].map((p) => pw.get(p)),
    );
    const json = await pw.get('/readyz', { headers: { accept: 'application/json' } });
    for (const answer of [...answers, json]) expect(answer.body).not.toContain('db.internal');
    // Text answers show no state either; JSON shows states (by design), never reasons.
    for (const answer of answers.slice(0, -1)) expect(answer.body).not.toMatch(/starting|failed: failed/);
    expect(answers[1]!.body).toBe('[+]podwarden ok\n[-]db failed: reason withheld\n[-]cache failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    for (const check of JSON.parse(json.body).checks as Array<Record<string, unknown>>) expect(check.name === 'shutdown' || check.reason === undefined, String(check.name)).toBe(true);
    expect(pw.events('service-state').find((l) => l.service === 'db' && l.state === 'failed')?.reason).toBe(reason);
    pw.signal('SIGTERM');
    await pw.exited();
    expect(pw.process.stderr).toContain(reason);
  });

  it('on: the reasons are in the verbose and JSON answers', async () => {
    const pw = await startPodwarden({ config: { server: { exposeDetails: true }, services: [faulty('db', 'throw-at-start', { reason })] } });
    await pw.waitState('db', 'failed');
    expect((await pw.get('/readyz?verbose')).body).toContain(`[-]db failed: ${reason}\n`);
    expect(JSON.parse((await pw.get('/readyz/db', { headers: { accept: 'application/json' } })).body).checks[0].reason).toBe(reason);
  });

  it('answers name no software or version, and echo nothing of the request', async () => {
    const pw = await startPodwarden();
    const probe = `/nothing-${secret('path')}`;
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(`${pw.base}${probe}`, { headers: { 'x-echo': 'echo-me' } }, resolve));
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(res.statusCode).toBe(404);
    expect(body).toBe('not found\n');
    expect(Object.keys(res.headers).sort()).toEqual(['cache-control', 'connection', 'content-length', 'content-type', 'date', 'keep-alive', 'x-content-type-options']);
    const metrics = (await pw.get('/metrics')).body;
    expect(metrics).not.toContain('nothing-');
    // The one version on show: Node's, in prom-client's nodejs_version_info (docs/threat-model.md).
    expect(metrics.split('\n').filter((l) => /version="/.test(l))).toEqual([expect.stringMatching(/^nodejs_version_info\{/)]);
    for (const probe of ['/livez', '/readyz?verbose', '/startupz']) {
      const answer = await pw.get(probe, { headers: { accept: 'application/json' } });
      expect(answer.body).not.toMatch(/version|node|fastify/i);
    }
  });
});
