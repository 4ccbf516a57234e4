import type { SpanPlan } from '../tracing/span-plan.js';

/**
 * What `podwarden timeline` draws: the startup and, once there was one, the
 * shutdown, as the span plans the traces are made from, so a waterfall and a
 * trace of the same run cannot disagree.
 */
export interface Timeline {
  /** What the plans were read from, for the first line. */
  readonly source: string;
  readonly startup: SpanPlan;
  readonly shutdown: SpanPlan | undefined;
  /** Lines printed under the chart. */
  readonly notes: readonly string[];
}

/** One row of a part: a step, where its bar starts and ends, and how it ended. */
interface Row {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** When its own work began: a service's first start after waiting on its dependencies; `undefined` when it never started. */
  readonly workStart: number | undefined;
  readonly mark: string;
  readonly problem: boolean;
  /** Why it failed, when the plan says more than its state. */
  readonly why: string | undefined;
}

/** The narrowest bar drawn, whatever the width. */
const minBar = 10;
const startColumn = 'start';
const tookColumn = 'took';
const figureWidth = 8;
/** The last line: what the bars' characters mean. */
const legend = '. waiting to start (dependencies)  # starting, to first ready, or stopping';
const problemLegend = '! failed, blocked or overran';

/** `548 ms`, `1.31 s`, `12.3 s`, `125 s`. */
export function formatMs(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 9_995) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 99_950) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 1000)} s`;
}

const attribute = (plan: SpanPlan, key: string) => plan.attributes[key];

/** The startup's rows, in start order: who waited, who started when, who never got ready. */
function startupRows(plan: SpanPlan): Row[] {
  const rows = plan.children.map((child) => {
    const state = String(attribute(child, 'podwarden.service.state') ?? '');
    const wait = attribute(child, 'podwarden.service.dependency_wait_ms');
    const mark = child.error === undefined ? '' : startupMark(state);
    return {
      name: child.name,
      start: child.start,
      end: child.end,
      workStart: typeof wait === 'number' ? Math.min(child.end, child.start + wait) : undefined,
      mark,
      problem: mark !== '' && mark !== 'STARTING' && mark !== 'PENDING',
      why: child.error !== undefined && child.error !== state ? child.error : undefined,
    };
  });
  // Stable: services that started together keep the order they were added in; those that never started come last.
  return rows.sort((a, b) => (a.workStart ?? Infinity) - (b.workStart ?? Infinity));
}

function startupMark(state: string): string {
  if (state === 'failed' || state === 'blocked' || state === 'starting' || state === 'pending') return state.toUpperCase();
  return 'NOT READY';
}

/** The shutdown's rows: the drain, then each stop in the order they ended. */
function shutdownRows(plan: SpanPlan): Row[] {
  return plan.children.map((child) => {
    let mark = '';
    if (child.name === 'podwarden.drain' && attribute(child, 'podwarden.drain.completed') === false) mark = 'CUT SHORT';
    else if (attribute(child, 'podwarden.service.overran') === true) mark = 'OVERRAN';
    else if (attribute(child, 'podwarden.service.state') === 'failed') mark = 'FAILED';
    const why = child.error !== undefined && child.error !== 'overran its stop timeout' ? child.error : undefined;
    return { name: child.name, start: child.start, end: child.end, workStart: child.start, mark, problem: mark === 'OVERRAN' || mark === 'FAILED', why };
  });
}

function startupHeading(plan: SpanPlan): string {
  const total = Number(attribute(plan, 'podwarden.services') ?? plan.children.length);
  const ready = Number(attribute(plan, 'podwarden.services.ready') ?? 0);
  return `startup ${formatMs(plan.end - plan.start)}: ${ready} of ${total} services ready`;
}

function shutdownHeading(plan: SpanPlan): string {
  const reason = attribute(plan, 'podwarden.shutdown.reason');
  const code = attribute(plan, 'podwarden.exit_code');
  return `shutdown ${formatMs(plan.end - plan.start)}: ${String(reason)}, exit code ${String(code)}`;
}

/**
 * A step's bar: `.` while it waited on dependencies, `#` while it ran (`!`
 * when it failed or overran). It starts at the column of its start; the
 * lengths follow the durations (so a wait of a millisecond draws no dot),
 * and a step that ran shows at least one mark.
 */
function bar(row: Row, from: number, span: number, width: number): string {
  const columns = (ms: number) => Math.round((ms / span) * width);
  const within = (n: number, min: number, max: number) => Math.max(min, Math.min(max, n));
  const start = within(columns(row.start - from), 0, width - 1);
  const room = width - start;
  let dots: number;
  let ran: number;
  if (row.workStart === undefined) {
    dots = within(columns(row.end - row.start), 1, room);
    ran = 0;
  } else {
    ran = within(columns(row.end - row.workStart), 1, room);
    dots = within(columns(row.workStart - row.start), 0, room - ran);
  }
  return ' '.repeat(start) + '.'.repeat(dots) + (row.problem ? '!' : '#').repeat(ran) + ' '.repeat(room - dots - ran);
}

/** Cut a name to `width` characters, marking the cut. */
const fit = (name: string, width: number) => (name.length <= width ? name.padEnd(width) : `${name.slice(0, width - 1)}~`);

/**
 * The waterfall as text: per part a heading, an axis and one row per step
 * (its name; a bar on the part's own scale from when it began waiting; when
 * its work started, as an offset into the part, and how long that took, to
 * first readiness or to stopped; and a mark when it failed, overran or is
 * still in progress), then why steps failed, the notes and a legend. Plain
 * ASCII, `columns` wide.
 */
export function renderWaterfall(timeline: Timeline, columns: number): string {
  const parts: Array<{ heading: string; plan: SpanPlan; rows: Row[] }> = [{ heading: startupHeading(timeline.startup), plan: timeline.startup, rows: startupRows(timeline.startup) }];
  if (timeline.shutdown) parts.push({ heading: shutdownHeading(timeline.shutdown), plan: timeline.shutdown, rows: shutdownRows(timeline.shutdown) });
  const all = parts.flatMap((p) => p.rows);
  const nameWidth = Math.min(Math.max(4, ...all.map((r) => r.name.length)), Math.max(12, Math.floor(columns / 3)));
  const markWidth = Math.max(0, ...all.map((r) => r.mark.length));
  // `  name |bar| start took  MARK`
  const fixed = 2 + nameWidth + ' |'.length + '| '.length + figureWidth + 1 + figureWidth + (markWidth > 0 ? 2 + markWidth : 0);
  const width = Math.max(minBar, columns - fixed);

  const lines = [timeline.source, ''];
  for (const { heading, plan, rows } of parts) {
    const span = Math.max(plan.end - plan.start, 1);
    const total = formatMs(plan.end - plan.start);
    lines.push(heading);
    lines.push(`  ${fit('step', nameWidth)}  0${total.padStart(width - 1)} ${startColumn.padStart(figureWidth)} ${tookColumn.padStart(figureWidth)}`.trimEnd());
    for (const row of rows) {
      const started = row.workStart === undefined ? ['-', '-'] : [formatMs(row.workStart - plan.start), formatMs(row.end - row.workStart)];
      const figures = started.map((f) => f.padStart(figureWidth)).join(' ');
      lines.push(`  ${fit(row.name, nameWidth)} |${bar(row, plan.start, span, width)}| ${figures}${row.mark ? `  ${row.mark}` : ''}`);
    }
    lines.push('');
  }
  const why = all.filter((r) => r.why !== undefined);
  if (why.length > 0) {
    lines.push('why:');
    for (const row of why) lines.push(`  ${row.name}: ${row.why}`);
    lines.push('');
  }
  for (const note of timeline.notes) lines.push(note);
  lines.push(`${legend}${all.some((r) => r.problem) ? `  ${problemLegend}` : ''}`);
  return `${lines.join('\n')}\n`;
}
