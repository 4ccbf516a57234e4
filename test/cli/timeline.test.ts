import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/child.js';
import { cleanupPodwardens, cliPath, startPodwarden, tempDir, writeConfig } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { faulty } from '../reliability/support/faulty-service.js';
import { formatMs } from '../../src/cli/waterfall.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  await cleanupPodwardens();
  for (const server of servers.splice(0)) server.close();
});

/** `podwarden timeline ARGS`, with `input` on its stdin (empty when not given). */
async function timeline(args: readonly string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, 'timeline', ...args], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** One row of the chart, cut where the renderer puts its fields: `  name |bar| start took  MARK`. */
interface Row {
  readonly name: string;
  readonly bar: string;
  readonly start: string;
  readonly took: string;
  readonly mark: string;
  readonly length: number;
}

function parseRow(line: string): Row {
  const open = line.indexOf('|');
  const close = line.lastIndexOf('|');
  const rest = line.slice(close + 1);
  return { name: line.slice(2, open).trim(), bar: line.slice(open + 1, close), start: rest.slice(1, 9).trim(), took: rest.slice(10, 18).trim(), mark: rest.slice(18).trim(), length: line.length };
}

/** The chart's parts: each heading with its rows (the lines between its axis and the blank line). */
function partsOf(stdout: string): Map<string, { heading: string; axis: string; rows: Row[] }> {
  const lines = stdout.split('\n');
  const parts = new Map<string, { heading: string; axis: string; rows: Row[] }>();
  for (let i = 0; i < lines.length; i++) {
    const heading = lines[i]!;
    const part = /^(startup|shutdown) /.exec(heading)?.[1];
    if (!part) continue;
    const rows: Row[] = [];
    let j = i + 2;
    for (; lines[j] !== ''; j++) rows.push(parseRow(lines[j]!));
    parts.set(part, { heading, axis: lines[i + 1]!, rows });
    i = j;
  }
  return parts;
}

/** Where a bar's run (`#` or `!`) starts and how long it is, and where its wait (`.`) starts. */
function barShape(bar: string) {
  const first = bar.search(/[.#!]/);
  const run = bar.search(/[#!]/);
  const last = Math.max(bar.lastIndexOf('#'), bar.lastIndexOf('!'), bar.lastIndexOf('.'));
  return { first, runStart: run === -1 ? last + 1 : run, end: last + 1 };
}

/** Parse `548 ms` / `1.31 s` back to milliseconds. */
const msOf = (figure: string) => (figure.endsWith(' ms') ? Number(figure.slice(0, -3)) : Number(figure.slice(0, -2)) * 1000);

interface Check {
  name: string;
  state: string;
  waitStartedAt?: string;
  startedAt?: string;
  readyAt?: string;
  readyDurationSeconds?: number;
}

describe('podwarden timeline --url (a running podwarden)', () => {
  it('draws each service from the health answers: start order, offsets and durations as the JSON says, bars in proportion', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'marker');
    const config = {
      shutdown: { drainDelay: '0s' },
      services: [
        { name: 'marker', type: 'file', path: marker, interval: '50ms' },
        faulty('worker', 'ready-after', { delayMs: 400 }, { dependsOn: ['marker'] }),
        faulty('quick', 'steady'),
      ],
    };
    const pw = await startPodwarden({ config });
    // The file appears later: marker takes that long, and worker waits on it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    writeFileSync(marker, '');
    await pw.waitState('worker', 'ready', 15_000);
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');

    const { code, stdout, stderr } = await timeline(['--url', pw.base, '--width', '100']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^podwarden at ${pw.base}/: phase running at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));
    expect(lines[1]).toBe('');
    const startup = partsOf(stdout).get('startup')!;
    expect(partsOf(stdout).has('shutdown')).toBe(false);
    expect(startup.heading).toMatch(/^startup \S+ m?s: 4 of 4 services ready$/);
    expect(startup.axis).toMatch(/^ {2}step {13}0 +\S+ m?s {4}start {5}took$/);
    expect(stdout.endsWith('\n. waiting to start (dependencies)  # starting, to first ready, or stopping\n')).toBe(true);

    // The truth: the JSON answers the command read.
    const checks = new Map<string, Check>();
    for (const probe of ['readyz', 'startupz']) {
      for (const check of (JSON.parse((await pw.get(`/${probe}`, { headers: { accept: 'application/json' } })).body) as { checks: Check[] }).checks) {
        if (check.state) checks.set(check.name, check);
      }
    }
    const t = (iso: string | undefined) => Date.parse(iso!);
    const origin = Math.min(...[...checks.values()].map((c) => t(c.waitStartedAt)));
    const end = Math.max(...[...checks.values()].map((c) => t(c.readyAt)));
    expect(startup.heading).toBe(`startup ${formatMs(end - origin)}: 4 of 4 services ready`);

    const rows = startup.rows;
    expect(rows.map((r) => r.name).sort()).toEqual(['start marker', 'start podwarden', 'start quick', 'start worker']);
    // Start order: by when each started; worker only after marker was ready.
    const starts = rows.map((r) => msOf(r.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(rows.at(-1)!.name).toBe('start worker');
    const width = 100 - (2 + 'start podwarden'.length + 2 + 1 + 18);
    for (const row of rows) {
      const check = checks.get(row.name.slice('start '.length))!;
      expect(row.length, row.name).toBe(100);
      expect(row.mark).toBe('');
      expect(row.bar).toMatch(/^ *\.*#+ *$/);
      expect(row.bar).toHaveLength(width);
      // Figures: when it started (after its wait) and how long until first ready, within a ms of the answer's.
      expect(Math.abs(msOf(row.start) - (t(check.startedAt) - origin)), row.name).toBeLessThanOrEqual(2);
      expect(Math.abs(msOf(row.took) - check.readyDurationSeconds! * 1000), row.name).toBeLessThanOrEqual(2);
      // Bars: from the wait's start to ready, on the startup's scale: positions within a column, lengths within one of their durations.
      const shape = barShape(row.bar);
      const column = (ms: number) => ((ms - origin) / (end - origin)) * width;
      expect(Math.abs(shape.first - column(t(check.waitStartedAt))), row.name).toBeLessThanOrEqual(1);
      expect(Math.abs(shape.runStart - column(t(check.startedAt))), row.name).toBeLessThanOrEqual(1.5);
      expect(Math.abs(shape.end - column(t(check.readyAt))), row.name).toBeLessThanOrEqual(2);
      expect(Math.abs(shape.end - shape.runStart - Math.max(1, (check.readyDurationSeconds! * 1000 * width) / (end - origin))), row.name).toBeLessThanOrEqual(1);
    }
    const worker = rows.find((r) => r.name === 'start worker')!;
    const markerRow = rows.find((r) => r.name === 'start marker')!;
    expect(msOf(markerRow.took)).toBeGreaterThanOrEqual(500);
    expect(msOf(worker.took)).toBeGreaterThanOrEqual(400);
    expect(msOf(worker.start)).toBeGreaterThanOrEqual(msOf(markerRow.start) + msOf(markerRow.took) - 2);
    // worker waited on marker: dots up to where marker's bar ends.
    expect(Math.abs(barShape(worker.bar).runStart - barShape(markerRow.bar).end)).toBeLessThanOrEqual(1);
    expect(worker.bar.indexOf('.')).toBe(barShape(worker.bar).first);
  });

  it('marks what is still starting or pending, ends it at the answer, and takes the terminal width of 80 when piped', async () => {
    const dir = tempDir();
    const config = {
      services: [
        { name: 'marker', type: 'file', path: path.join(dir, 'never'), interval: '50ms' },
        faulty('worker', 'steady', {}, { dependsOn: ['marker'] }),
      ],
    };
    const pw = await startPodwarden({ config });
    await pw.waitState('podwarden', 'ready');
    const { code, stdout } = await timeline(['--url', pw.base]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/: phase starting at /);
    const startup = partsOf(stdout).get('startup')!;
    expect(startup.heading).toMatch(/^startup \S+ m?s: 1 of 3 services ready$/);
    const rows = new Map(startup.rows.map((r) => [r.name, r]));
    expect([...rows.keys()]).toEqual(['start podwarden', 'start marker', 'start worker']);
    // The widest mark ends at column 80; rows without one leave its place empty.
    expect(rows.get('start podwarden')).toMatchObject({ mark: '', length: 80 - '  STARTING'.length });
    expect(rows.get('start marker')).toMatchObject({ mark: 'STARTING', length: 80 });
    expect(rows.get('start worker')!.length).toBe(80 - 1);
    // Still running: its bar reaches the end of the chart.
    expect(rows.get('start marker')!.bar).toMatch(/^#+$/);
    // Never started: waiting all along, no start and no duration.
    expect(rows.get('start worker')).toMatchObject({ mark: 'PENDING', start: '-', took: '-' });
    expect(rows.get('start worker')!.bar).toMatch(/^\.+$/);
  });

  it('a drain in progress is a note pointing at the exit log', async () => {
    const pw = await startPodwarden({ config: { shutdown: { drainDelay: '30s' }, drain: { allowUnauthenticated: true } } });
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    void pw.get('/drain').catch(() => undefined);
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'draining');
    const { code, stdout } = await timeline(['--url', pw.base]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /\nphase draining, \d+\.\d s of the 30\.0 s drain delay left: the shutdown's waterfall is in the exit log once podwarden has exited \(kubectl logs POD -c podwarden --previous \| podwarden timeline\)\.\n\. waiting to start/,
    );
    pw.signal('SIGINT');
  });
});

/** Run `podwarden serve` with `config` to completion: SIGTERM once `ready` says so; its stdout as written. */
async function exitLogOf(config: Record<string, unknown>, ready: (line: Record<string, unknown>) => boolean, env: Record<string, string> = {}): Promise<{ log: string; code: number | null }> {
  const dir = tempDir();
  const port = await freePort();
  const child = spawn(process.execPath, [cliPath, 'serve', '--config', writeConfig(dir, config), '--port', String(port), '--host', '127.0.0.1'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let signalled = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
    if (signalled) return;
    for (const line of log.split('\n')) {
      try {
        if (ready(JSON.parse(line) as Record<string, unknown>)) {
          signalled = true;
          child.kill('SIGTERM');
          return;
        }
      } catch {
        // a partial line
      }
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { log, code };
}

describe('podwarden timeline < exit log', () => {
  it("draws the startup and the shutdown of a real run from its exit line: the drain, the stops in order, the failure and the overrun marked", async () => {
    const config = {
      shutdown: { drainDelay: '500ms', stopBudget: '3s' },
      services: [
        { name: 'marker', type: 'file', path: '/', interval: '50ms' },
        faulty('worker', 'ready-after', { delayMs: 300 }, { dependsOn: ['marker'] }),
        faulty('slow', 'slow-stop', { stopMs: 1500 }, { stopTimeout: '300ms' }),
        faulty('broken', 'throw-at-start', { reason: 'boom: no database' }),
      ],
    };
    const { log, code } = await exitLogOf(config, (l) => l.event === 'service-state' && l.service === 'worker' && l.state === 'ready');
    expect(code).toBe(1);
    const exitLine = log.split('\n').find((l) => l.includes('"event":"exit"'))!;
    const exit = JSON.parse(exitLine) as {
      exitCode: number;
      timeline: Array<{ phase: string; sinceStartMs: number }>;
      services: Array<{ service: string; state: string; readyMs?: number; stopMs?: number; overran: boolean; dependsOn?: string[]; sinceStartMs: Record<string, number> }>;
    };
    // The exit line keeps its fields and gains each service's offsets.
    const byName = new Map(exit.services.map((s) => [s.service, s]));
    expect(byName.get('worker')).toMatchObject({ state: 'stopped', dependsOn: ['marker'], overran: false });
    expect(Object.keys(byName.get('worker')!.sinceStartMs)).toEqual(['waitStarted', 'started', 'ready', 'stopRequested', 'stopped']);
    expect(Object.keys(byName.get('broken')!.sinceStartMs)).toEqual(['waitStarted', 'started', 'failed']);
    expect(byName.get('slow')).toMatchObject({ overran: true });
    expect(byName.get('slow')!.sinceStartMs.stopped).toBeUndefined();
    const w = byName.get('worker')!;
    expect(w.sinceStartMs.ready! - w.sinceStartMs.started!).toBeGreaterThanOrEqual(w.readyMs! - 1);
    expect(w.sinceStartMs.ready! - w.sinceStartMs.started!).toBeLessThanOrEqual(w.readyMs! + 1);

    const { code: drawn, stdout, stderr } = await timeline(['--width', '100'], log);
    expect(stderr).toBe('');
    expect(drawn).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^podwarden's exit log: exit code 1 at \d{4}-[\dT:.-]+Z$/);
    const parts = partsOf(stdout);
    const startup = parts.get('startup')!;
    const shutdown = parts.get('shutdown')!;
    const phaseAt = (phase: string) => exit.timeline.find((p) => p.phase === phase)!.sinceStartMs;
    expect(startup.heading).toBe(`startup ${formatMs(phaseAt('running'))}: 4 of 5 services ready`);
    expect(shutdown.heading).toBe(`shutdown ${formatMs(phaseAt('terminated') - phaseAt('draining'))}: SIGTERM, exit code 1`);

    // Startup: services in start order, offsets and durations as the exit line says.
    const up = startup.rows;
    expect(up.map((r) => r.name).slice(-1)).toEqual(['start worker']);
    expect(up.map((r) => r.name).sort()).toEqual(['start broken', 'start marker', 'start podwarden', 'start slow', 'start worker']);
    for (const row of up) {
      const s = byName.get(row.name.slice('start '.length))!;
      expect(row.start, row.name).toBe(formatMs(s.sinceStartMs.started!));
      if (s.readyMs !== undefined) expect(Math.abs(msOf(row.took) - s.readyMs), row.name).toBeLessThanOrEqual(1);
    }
    const broken = up.find((r) => r.name === 'start broken')!;
    expect(broken.mark).toBe('FAILED');
    // Any time between its turn to start and its start (a busy machine) is drawn as waiting; what it ran is all failure.
    expect(broken.bar).toMatch(/^ *\.*!+ *$/);
    // It failed as it started: its span ends at the failure, not with the startup.
    const b = byName.get('broken')!.sinceStartMs;
    expect(Math.abs(msOf(broken.took) - (b.failed! - b.started!))).toBeLessThanOrEqual(1);
    expect(up.filter((r) => r.mark !== '').map((r) => r.name)).toEqual(['start broken']);

    // Shutdown: the drain first, then each stop in the order they ended; the overrun last, marked.
    const down = shutdown.rows;
    expect(down[0]).toMatchObject({ name: 'podwarden.drain', start: '0 ms', mark: '' });
    expect(Math.abs(msOf(down[0]!.took) - (phaseAt('drained') - phaseAt('draining')))).toBeLessThanOrEqual(1);
    expect(msOf(down[0]!.took)).toBeGreaterThanOrEqual(499);
    const stops = down.slice(1);
    expect(stops.map((r) => r.name).sort()).toEqual(['stop broken', 'stop marker', 'stop podwarden', 'stop slow', 'stop worker'].filter((n) => byName.get(n.slice(5))!.sinceStartMs.stopRequested !== undefined));
    const stopped = (r: Row) => byName.get(r.name.slice('stop '.length))!.sinceStartMs.stopped ?? Infinity;
    expect(stops.map(stopped)).toEqual(stops.map(stopped).sort((a, b) => a - b));
    expect(stops.at(-1)).toMatchObject({ name: 'stop slow', mark: 'OVERRAN' });
    expect(stops.at(-1)!.bar).toMatch(/^ +!+ *$/);
    expect(msOf(stops.at(-1)!.took)).toBeGreaterThanOrEqual(300);
    for (const row of stops.slice(0, -1)) {
      expect(row.mark, row.name).toBe('');
      expect(Math.abs(msOf(row.took) - byName.get(row.name.slice(5))!.stopMs!), row.name).toBeLessThanOrEqual(1);
      expect(Math.abs(msOf(row.start) - (byName.get(row.name.slice(5))!.sinceStartMs.stopRequested! - phaseAt('draining'))), row.name).toBeLessThanOrEqual(1);
    }
    // Stops come after the drain on the bar: nothing of them left of where the drain's bar ends.
    const drainEnd = barShape(down[0]!.bar).end;
    for (const row of stops) expect(barShape(row.bar).first, row.name).toBeGreaterThanOrEqual(drainEnd - 1);
    for (const row of [...up, ...down]) expect(row.bar).toHaveLength(100 - (2 + 'podwarden.drain'.length + 2 + 1 + 18 + 2 + 'OVERRAN'.length));

    expect(stdout).toContain('\nwhy:\n  start broken: boom: no database\n\n');
    expect(stdout.endsWith('\n. waiting to start (dependencies)  # starting, to first ready, or stopping  ! failed, blocked or overran\n')).toBe(true);

    // kubectl logs --timestamps puts a time before each line; the chart is the same. Two runs: the last is drawn.
    const stamped = log.split('\n').map((l) => (l ? `2026-12-06T03:00:00.000000000Z ${l}` : l)).join('\n');
    expect((await timeline(['--width', '100'], stamped)).stdout).toBe(stdout);
    const twice = await timeline(['--width', '100'], `${log}${log}`);
    expect(twice.stdout).toBe(stdout.replace('\n. waiting to start', '\nstdin held 2 exit lines (one per run): this is the last run.\n. waiting to start'));
  });
});

/** `command` run by bash in a pseudo-terminal (util-linux `script`), as in an interactive shell; its output with the terminal's \r\n undone. */
async function inTerminal(command: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output: output.replaceAll('\r\n', '\n') };
}

interface OtlpSpan {
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe('the waterfall and the exported spans of one run agree', () => {
  it('every row is its span: the same steps, offsets and durations (within the log\'s millisecond rounding)', async () => {
    const spans: OtlpSpan[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const sent = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const rs of sent.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    servers.push(collector);
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
    const config = {
      shutdown: { drainDelay: '300ms', stopBudget: '3s' },
      services: [
        { name: 'marker', type: 'file', path: '/', interval: '50ms' },
        faulty('worker', 'ready-after', { delayMs: 250 }, { dependsOn: ['marker'] }),
        faulty('slow', 'slow-stop', { stopMs: 200 }),
        faulty('broken', 'throw-at-start'),
      ],
    };
    const { log } = await exitLogOf(config, (l) => l.event === 'service-state' && l.service === 'worker' && l.state === 'ready', env);
    const { stdout } = await timeline(['--width', '120'], log);
    const parts = partsOf(stdout);

    const ms = (nanos: string) => Number(BigInt(nanos) / 1000n) / 1000;
    const byName = new Map(spans.map((span) => [span.name, span]));
    const number = (span: OtlpSpan, key: string) => {
      const value = span.attributes.find((a) => a.key === key)?.value;
      return value === undefined ? undefined : Number(Object.values(value)[0]);
    };
    for (const [part, root] of [['startup', 'podwarden.startup'], ['shutdown', 'podwarden.shutdown']] as const) {
      const rootSpan = byName.get(root)!;
      const { heading, rows } = parts.get(part)!;
      const total = ms(rootSpan.endTimeUnixNano) - ms(rootSpan.startTimeUnixNano);
      const shown = /^\w+ (\S+ m?s):/.exec(heading)![1]!;
      expect(Math.abs(msOf(shown) - total), heading).toBeLessThanOrEqual(msOf(shown) < 1000 ? 2 : 10);
      const children = spans.filter((span) => span.name.startsWith(part === 'startup' ? 'start ' : 'stop ') || (part === 'shutdown' && span.name === 'podwarden.drain'));
      expect(rows.map((r) => r.name).sort()).toEqual(children.map((c) => c.name).sort());
      for (const row of rows) {
        const span = byName.get(row.name)!;
        const wait = number(span, 'podwarden.service.dependency_wait_ms') ?? 0;
        const workStart = ms(span.startTimeUnixNano) + (part === 'startup' ? wait : 0);
        expect(Math.abs(msOf(row.start) - (workStart - ms(rootSpan.startTimeUnixNano))), `${row.name} start`).toBeLessThanOrEqual(2);
        expect(Math.abs(msOf(row.took) - (ms(span.endTimeUnixNano) - workStart)), `${row.name} took`).toBeLessThanOrEqual(2);
      }
    }
    expect(parts.get('startup')!.rows.find((r) => r.name === 'start broken')!.mark).toBe('FAILED');
  });
});

describe('podwarden timeline in a terminal', () => {
  it("draws as wide as the terminal, and with nothing piped in and no --url says what to do (exit 2)", async () => {
    const dir = tempDir();
    const config = { shutdown: { drainDelay: '0s' }, services: [{ name: 'marker', type: 'file', path: '/', interval: '50ms' }] };
    const { log } = await exitLogOf(config, (l) => l.event === 'phase' && l.phase === 'running');
    const logFile = path.join(dir, 'podwarden.log');
    writeFileSync(logFile, log);
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} timeline`;

    const wide = await inTerminal(`stty cols 132; ${cli} < ${JSON.stringify(logFile)}`);
    expect(wide.code).toBe(0);
    const rows = [...partsOf(wide.output).values()].flatMap((p) => p.rows);
    expect(rows.map((r) => r.name).sort()).toEqual(['podwarden.drain', 'start marker', 'start podwarden', 'stop marker', 'stop podwarden']);
    for (const row of rows) expect(row.length, row.name).toBe(132);

    const bare = await inTerminal(`stty cols 132; ${cli}`);
    expect(bare.code).toBe(2);
    expect(bare.output).toMatch(
      /^podwarden timeline: nothing to draw: pipe in the log of a podwarden that has exited \(kubectl logs POD -c podwarden --previous \| podwarden timeline\), or ask a running one with --url\n\nUsage: podwarden timeline --url URL/,
    );
  });
});

describe('podwarden timeline refuses what it cannot draw', () => {
  it('no exit line on stdin, or one from an older podwarden: exit 1 with what to pipe in', async () => {
    const none = await timeline([], '{"level":"info","event":"phase","phase":"running"}\nnot json\n');
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toBe(
      'podwarden timeline: no "exit" event in the 2 lines read from stdin: podwarden logs one when it terminates; pipe in the log of a podwarden that has exited, e.g. `kubectl logs POD -c podwarden --previous | podwarden timeline`, or ask a running one with --url\n',
    );
    const old = JSON.stringify({ event: 'exit', exitCode: 0, reason: 'SIGTERM', timeline: [{ phase: 'starting', at: '2026-12-06T03:00:00.000Z', sinceStartMs: 0 }], services: [{ service: 'app', state: 'stopped', restarts: 0, overran: false }] });
    const older = await timeline([], `${old}\n`);
    expect(older.code).toBe(1);
    expect(older.stderr).toBe(
      'podwarden timeline: the exit line\'s service "app" has no "sinceStartMs" (when it started, became ready and stopped): the log is from a podwarden older than this command; run its own version\'s tools, or upgrade it\n',
    );
  });

  it('an unreachable URL, an answer that is not the JSON health report, or one without times: exit 1 naming it', async () => {
    const port = await freePort();
    const refused = await timeline(['--url', `http://127.0.0.1:${port}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^podwarden timeline: http://127\\.0\\.0\\.1:${port}/(startupz|readyz|livez): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; is podwarden listening there\\? From outside the pod: kubectl port-forward pod/POD 7654, then --url http://127\\.0\\.0\\.1:7654\\n$`));

    const serve = async (type: string, body: string) => {
      const server = createServer((_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const text = await serve('text/plain', 'ok');
    const notJson = await timeline(['--url', text]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^podwarden timeline: http:\/\/127\.0\.0\.1:\d+\/(startupz|readyz|livez) answered 200 text\/plain, not podwarden's JSON health report: --url takes podwarden's health port \(server\.port, 7654 by default\), not the metrics port or the app's\n$/);

    const old = await serve('application/json', JSON.stringify({ probe: 'readyz', status: 'ok', phase: 'running', checks: [{ name: 'app', status: 'ok', state: 'ready', startedAt: '2026-12-06T03:00:00.000Z' }] }));
    const noTimes = await timeline(['--url', old]);
    expect(noTimes.code).toBe(1);
    expect(noTimes.stderr).toBe(
      `podwarden timeline: the JSON answer of ${old}/livez has no start times (checks[].waitStartedAt, answeredAt): it comes from a podwarden older than this command; upgrade it, or pipe its exit log into podwarden timeline\n`,
    );
  });

  it('bad usage: exit 2 with the help', async () => {
    for (const [args, message] of [
      [['--url', 'ftp://x'], '--url "ftp://x" is not an http:// URL like http://127.0.0.1:7654 (podwarden\'s health port)'],
      [['--url', 'http://[x'], '--url "http://[x" is not an http:// URL like http://127.0.0.1:7654 (podwarden\'s health port)'],
      [['--width', '20'], '--width "20" is not a number of columns of at least 40'],
      [['--width', 'wide'], '--width "wide" is not a number of columns of at least 40'],
      [['--timeout', '5 s'], '--timeout "5 s" is not a duration; write a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0'],
      [['--nope'], "Unknown option '--nope'"],
      [['readyz'], "Unexpected argument 'readyz'"],
    ] as const) {
      const result = await timeline(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], args.join(' ')).toContain(`podwarden timeline: ${message}`);
      expect(result.stderr).toContain('Usage: podwarden timeline --url URL [options]');
    }
  });
});
