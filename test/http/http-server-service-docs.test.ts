/**
 * The httpServerService programs README.md and docs/http.md show, run as real
 * programs: `podwarden` imported from the build, the documented ports swapped
 * for free ones and the 10 s drain delay for 600 ms (the test's time). Each
 * starts, answers, drains on SIGTERM (readiness 503, the app still answering,
 * with `Connection: close`) and exits 0 with the report's code.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, type IncomingMessage, request } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeProcess } from '../helpers/child.js';
import { sleep } from '../helpers/core.js';
import { freePort } from '../helpers/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const distIndex = pathToFileURL(path.join(root, 'dist/index.js')).href;

/** The ```js block under `heading` (up to the next heading of its level or above) that contains `marker`. */
function jsBlock(file: string, heading: string, marker: string): string {
  const text = readFileSync(path.join(root, file), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const rest = text.slice(start + heading.length + 2);
  const level = heading.split(' ')[0]!;
  const end = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  const block = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes(marker));
  if (block === undefined) throw new Error(`${file} shows no js block with ${marker} under "${heading}"`);
  return block;
}

function get(port: number, pathname: string, agent: Agent | false = false): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Poll until `pathname` answers on `port`; the program must still run. */
async function answered(port: number, pathname: string, program: NodeProcess) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!program.alive) throw new Error(`the program exited (${JSON.stringify(program.exit ?? { code: program.child.exitCode, signal: program.child.signalCode })}) before it listened:\n${program.output}`);
    try {
      return await get(port, pathname);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`nothing answered on ${port} within 15 s:\n${program.output}`, { cause: error });
      await sleep(25);
    }
  }
}

describe.each([
  { file: 'README.md', heading: '### Your HTTP server as a service', name: 'readme' },
  { file: 'docs/http.md', heading: '## Your HTTP server as a service', name: 'http-md' },
])('$file: the httpServerService program', ({ file, heading, name }) => {
  it('starts, answers, drains on SIGTERM with Connection: close, and exits 0', async () => {
    const block = jsBlock(file, heading, 'httpServerService(app');
    for (const text of ["from 'podwarden'", 'port: 8080', 'port: 7654', "drainDelay: '10s'"]) expect(block).toContain(text);
    const [appPort, healthPort] = [await freePort(), await freePort()];
    // Inside the repository, so that `fastify` resolves from its node_modules.
    const dir = path.join(root, '.cache/doc-programs');
    mkdirSync(dir, { recursive: true });
    const program = path.join(dir, `${name}-http-server-service.mjs`);
    writeFileSync(
      program,
      block
        .replaceAll("from 'podwarden'", `from '${distIndex}'`)
        .replaceAll('port: 8080', `port: ${appPort}`)
        .replaceAll('port: 7654', `port: ${healthPort}`)
        .replaceAll("drainDelay: '10s'", "drainDelay: '600ms'"),
    );
    const child = new NodeProcess([program]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await answered(appPort, '/', child)).toMatchObject({ status: 200, body: 'hello\n' });
      expect((await answered(healthPort, '/readyz', child)).status).toBe(200);
      expect((await get(appPort, '/', agent)).headers.connection).toBe('keep-alive');
      child.signal('SIGTERM');
      const deadline = Date.now() + 5000;
      while ((await get(healthPort, '/readyz')).status !== 503) {
        if (Date.now() > deadline) throw new Error(`/readyz still 200 after SIGTERM:\n${child.output}`);
        await sleep(10);
      }
      const during = await get(appPort, '/', agent);
      expect(during).toMatchObject({ status: 200, body: 'hello\n' });
      expect(during.headers.connection).toBe('close');
      const exit = await child.exited;
      expect(exit.code, child.output).toBe(0);
    } finally {
      agent.destroy();
      child.kill();
    }
  });
});
