// Turn the collected runs into summaries, ratios, markdown and JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineLine } from './machine.mjs';
import { fmt, ratio, summarize } from './stats.mjs';

/** Summaries per column, and ratios to the figure's node:http and fastify baselines. */
const noiseColumn = { key: 'noisePct', label: 'noise', unit: '% of server core used by others', better: 'lower', noRatio: true };

export function summarizeFigure(figure, targets, { runs, errors }, skipped) {
  const measuredNoise = [...runs.values()].some((list) => list.some((r) => Number.isFinite(r.noisePct)));
  const columns = measuredNoise ? [...figure.columns, noiseColumn] : figure.columns;
  const out = { title: figure.title, baselines: figure.baselines, baselineLabels: figure.baselineLabels, columns, targets: {}, skipped };
  for (const t of targets) {
    const list = runs.get(t.name) ?? [];
    const summary = {};
    const text = {};
    for (const c of columns) {
      if (c.text) text[c.key] = [...new Set(list.map((r) => String(r[c.key])))];
      else summary[c.key] = summarize(list.map((r) => r[c.key]));
    }
    out.targets[t.name] = { label: t.label, runs: list, errors: errors.get(t.name) ?? [], summary, text };
  }
  for (const t of Object.values(out.targets)) {
    for (const c of columns) {
      if (c.text || c.noRatio) continue;
      const s = t.summary[c.key];
      s.xNode = ratio(s.median, out.targets[figure.baselines.node]?.summary[c.key]?.median);
      s.xFastify = ratio(s.median, out.targets[figure.baselines.fastify]?.summary[c.key]?.median);
    }
  }
  // Tables a figure derives from its summaries (the scale figure's growth per service).
  if (figure.tables) out.tables = figure.tables(out);
  return out;
}

/** A figure with one baseline (no `fastify` entry) shows one ratio per cell. */
function cell(s, column, oneBaseline) {
  if (!s || s.n === 0) return '–';
  const range = s.n > 1 ? ` [${fmt(s.min)}–${fmt(s.max)}]` : '';
  if (column.noRatio) return `${fmt(s.median)}${range}`;
  const r = (x) => (Number.isFinite(x) ? `×${x.toFixed(2)}` : '–');
  return `${fmt(s.median)}${range} ${r(s.xNode)}${oneBaseline ? '' : `/${r(s.xFastify)}`}`;
}

export function toMarkdown(results) {
  const { machine, command } = results;
  const lines = [
    `# podwarden benchmark (${machine.mode} mode)`,
    '',
    `Machine: ${machineLine(machine)}.`,
    `Commit ${machine.commit ?? '?'}, ${machine.date}. Command: \`${command}\`.`,
    '',
    'Cells: median [min–max] over the runs, then ×a/×b = ratio of the median to the',
    'node:http / fastify baseline run of the same invocation (named under each table).',
    '"noise" is the share of the server core that other processes used during a run',
    `(runs above ${results.options.maxNoisePct} % are retried up to ${results.options.noiseRetries} times; the quietest counts).`,
    '',
    '## Targets',
    '',
    '| goal | server | value | met |',
    '|---|---|---|---|',
  ];
  for (const g of results.goals) {
    const met = g.met === undefined ? 'not measured' : g.met ? 'yes' : '**no**';
    lines.push(`| ${g.goal} | ${g.target} | ${fmt(g.value)} ${g.unit} | ${met} |`);
  }
  for (const [id, f] of Object.entries(results.figures)) {
    const oneBaseline = f.baselines.fastify === undefined;
    const baselines = oneBaseline
      ? `Baseline: ×a = ${f.baselineLabels?.node ?? 'node:http'} (\`${f.baselines.node}\`)`
      : f.baselineLabels
        ? `Baselines: ×a = ${f.baselineLabels.node} (\`${f.baselines.node}\`), ×b = ${f.baselineLabels.fastify} (\`${f.baselines.fastify}\`)`
        : `Baselines: node:http = \`${f.baselines.node}\`, fastify = \`${f.baselines.fastify}\``;
    lines.push('', `## ${f.title}`, '', `${baselines}. Figure id \`${id}\`.`, '');
    lines.push(`| server | ${f.columns.map((c) => (c.unit && !c.noRatio ? `${c.label} (${c.unit})` : c.label)).join(' | ')} | runs |`);
    lines.push(`|---|${f.columns.map(() => '---').join('|')}|---|`);
    for (const [name, t] of Object.entries(f.targets)) {
      const cells = f.columns.map((c) => (c.text ? t.text[c.key].join(', ') : cell(t.summary[c.key], c, oneBaseline)));
      const runs = `${t.runs.length}${t.errors.length ? ` (${t.errors.length} failed)` : ''}`;
      lines.push(`| ${name} | ${cells.join(' | ')} | ${runs} |`);
    }
    for (const [name, why] of Object.entries(f.skipped)) lines.push(`| ${name} | skipped: ${why} |${f.columns.map(() => '').join('|')}|`);
    const failures = Object.entries(f.targets).flatMap(([name, t]) => t.errors.slice(0, 1).map((e) => `- ${name}: ${e}`));
    if (failures.length) lines.push('', 'First failure per server:', '', ...failures);
    for (const table of f.tables ?? []) {
      lines.push('', `### ${table.title}`, '', table.note, '', `| ${table.header.join(' | ')} |`, `|${table.header.map(() => '---').join('|')}|`);
      for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export function writeResults(results, dir, names) {
  mkdirSync(dir, { recursive: true });
  const md = toMarkdown(results);
  for (const name of names) {
    writeFileSync(join(dir, `${name}.md`), md);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  }
  return md;
}
