import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readDuration } from '../core/duration.js';
import { timelineCommandDefaults } from '../defaults.js';
import { timelineHelp } from './help.js';
import { type CliIo, exitCodes } from './io.js';
import { scanExitLog, timelineFromExitLog } from './timeline-exit-log.js';
import { timelineFromHealth } from './timeline-health.js';
import { TimelineInputError } from './timeline-input.js';
import { type Timeline, renderWaterfall } from './waterfall.js';

/** What `timeline` reads beyond {@link CliIo}: stdin, and the terminal's width when stdout is one. */
export interface TimelineIo extends CliIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly columns: number | undefined;
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`podwarden timeline: ${message}\n\n${timelineHelp}`);
  return exitCodes.usage;
}

/**
 * `podwarden timeline`: the startup and shutdown of a podwarden as a
 * waterfall, from a running one (`--url`, its health endpoints' JSON) or
 * from its log on stdin (the `exit` line). Exit 0 when drawn, 1 when the
 * input cannot be, 2 on bad usage.
 */
export async function runTimeline(args: readonly string[], io: TimelineIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: false, options: { url: { type: 'string' }, timeout: { type: 'string' }, width: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(timelineHelp);
    return exitCodes.ok;
  }
  const read = values.timeout === undefined ? { ms: timelineCommandDefaults.timeout } : readDuration(values.timeout, { min: 1 });
  if (read.problem !== undefined) return usage(io, `--timeout ${JSON.stringify(values.timeout)} ${read.problem}`);
  let columns = io.columns || timelineCommandDefaults.columns;
  if (values.width !== undefined) {
    columns = Number(values.width);
    if (!/^\d+$/.test(values.width) || columns < timelineCommandDefaults.minColumns) return usage(io, `--width ${JSON.stringify(values.width)} is not a number of columns of at least ${timelineCommandDefaults.minColumns}`);
  }
  let base: URL | undefined;
  if (values.url !== undefined) {
    try {
      base = new URL(values.url.endsWith('/') ? values.url : `${values.url}/`);
    } catch {
      base = undefined;
    }
    if (base?.protocol !== 'http:') return usage(io, `--url ${JSON.stringify(values.url)} is not an http:// URL like http://127.0.0.1:7654 (podwarden's health port)`);
  } else if (io.stdin.isTTY) {
    return usage(io, 'nothing to draw: pipe in the log of a podwarden that has exited (kubectl logs POD -c podwarden --previous | podwarden timeline), or ask a running one with --url');
  }

  let timeline: Timeline;
  try {
    timeline = base ? await timelineFromHealth(base, read.ms) : timelineFromExitLog(await scanExitLog(createInterface({ input: io.stdin, crlfDelay: Infinity })));
  } catch (err) {
    if (!(err instanceof TimelineInputError)) throw err;
    io.stderr.write(`podwarden timeline: ${err.message}\n`);
    return exitCodes.failure;
  }
  io.stdout.write(renderWaterfall(timeline, columns));
  return exitCodes.ok;
}
