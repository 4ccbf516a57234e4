#!/usr/bin/env node
// Writes charts/podwarden/README.md from the chart's values.yaml comments and Chart.yaml.
//   node scripts/gen-chart-readme.mjs                write the file
//   node scripts/gen-chart-readme.mjs --check        exit 1 when the file is out of date
//   node scripts/gen-chart-readme.mjs --stdout       print it
//   --chart DIR                                      another chart folder (default charts/podwarden)
//
// How values.yaml is read:
// - `# -- text` above a key (or at the end of its line) is the value's description; the comment
//   lines after it, up to a blank comment line, continue it. `# -- (int) text` gives the type;
//   without it the type is read from the default, or for a null default from
//   values.schema.json (the value's `type`, null aside).
// - Other comment paragraphs above a key are section text: they introduce the keys that follow.
// - A key with a description is one row of the table, its whole default in the row. Its
//   children get rows of their own only when they have descriptions too.
// - A map without a description is not a row; its keys are. A value that has no description
//   of its own and none on a map above it is an error: the script names it and exits 1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isScalar, isSeq, parse, parseDocument } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A comment split into section text (paragraphs without `--`) and the description (the `--` paragraph). */
function splitComment(text) {
  const section = [];
  let description;
  let type;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    const [first, ...rest] = paragraph;
    const described = /^--(?:\s+|$)(?:\(([^)]+)\)\s*)?(.*)$/.exec(first.trimStart());
    if (described) {
      type = described[1];
      description = [described[2], ...rest];
    } else {
      section.push(paragraph);
    }
    paragraph = [];
  };
  for (const raw of (text ?? '').split('\n')) {
    // yaml keeps the space after `#`; drop exactly that one, so deeper indentation stays.
    const line = raw.startsWith(' ') ? raw.slice(1) : raw;
    if (line.trim() === '') flush();
    else paragraph.push(line);
  }
  flush();
  return { section, description, type };
}

const schemaTypeNames = { integer: 'int', number: 'number', boolean: 'bool', array: 'list', object: 'object', string: 'string' };

/** The types values.schema.json allows at `path` (null aside), e.g. `int or string`; undefined when it says none. */
function schemaType(schema, path) {
  const deref = (node) => {
    const ref = /^#\/definitions\/(.+)$/.exec(node?.$ref ?? '');
    return ref ? deref(schema.definitions?.[ref[1]]) : node;
  };
  let node = deref(schema);
  for (const key of path.split('.')) node = deref(node?.properties?.[key]);
  const types = new Set();
  const collect = (n) => {
    const resolved = deref(n);
    for (const t of [resolved?.type ?? []].flat()) if (t !== 'null') types.add(schemaTypeNames[t] ?? t);
    for (const branch of [...(resolved?.oneOf ?? []), ...(resolved?.anyOf ?? [])]) collect(branch);
  };
  collect(node);
  return types.size > 0 ? [...types].join(' or ') : undefined;
}

function typeOf(value) {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

/**
 * The rows and section texts of values.yaml, in file order, and the problems found.
 * Row: { path, type, value, description, line }. Section: { path, text }.
 */
function readValues(source, file = 'values.yaml', schema = {}) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const entries = [];
  const problems = [];
  const where = (node) => `${file}:${lineCounter.linePos(node.range?.[0] ?? 0).line}`;

  function walk(map, prefix, covered) {
    map.items.forEach((pair, index) => {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const path = prefix ? `${prefix}.${key}` : key;
      // The comment above a map's first key belongs to the map node itself.
      const above = [index === 0 ? map.commentBefore : undefined, pair.key?.commentBefore].filter(Boolean).join('\n\n');
      const parts = splitComment(above);
      // `key: value # -- text` (a scalar's or an empty collection's own line).
      if (!parts.description && !isMap(pair.value) && !isSeq(pair.value)) {
        const inline = splitComment(pair.value?.comment);
        if (inline.description) Object.assign(parts, { description: inline.description, type: inline.type });
      }
      if (parts.section.length > 0) entries.push({ kind: 'section', path, depth: prefix.split('.').filter(Boolean).length, text: parts.section });
      const value = pair.value?.toJSON?.() ?? (isScalar(pair.value) ? pair.value.value : null);
      const nested = isMap(pair.value) && pair.value.items.length > 0;
      if (parts.description) {
        const type = parts.type ?? typeOf(value) ?? schemaType(schema, path);
        if (!type) {
          problems.push(`${where(pair.key)}: ${path} defaults to null and values.schema.json gives no type for it: write it in the comment, e.g. \`# -- (int) ${parts.description[0]}\``);
        }
        entries.push({ kind: 'row', path, type, value, description: parts.description, line: where(pair.key) });
      } else if (!nested && !covered) {
        problems.push(`${where(pair.key)}: ${path} has no description: write \`# -- what it is\` above it (or above a map that holds it)`);
      }
      if (nested) walk(pair.value, path, covered || Boolean(parts.description));
    });
  }

  if (!isMap(doc.contents)) throw new Error(`${file}: the top level is not a map of values`);
  walk(doc.contents, '', false);
  return { entries, problems };
}

/** Escape markdown outside code spans (`*`, `<`, `|`), and `|` inside them (a table cell ends at a bare `|`). */
function inline(text) {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part.replaceAll('|', '\\|') : part.replaceAll('\\', '\\\\').replaceAll('*', '\\*').replaceAll('<', '&lt;').replaceAll('|', '\\|')))
    .join('');
}

/**
 * A description for a table cell: wrapped lines joined. An indented line (a list the
 * comment lays out) starts a line of its own, unless it is indented deeper than the
 * indented line before it, which it then continues.
 */
function cell(lines) {
  let out = '';
  let listIndent = Infinity;
  lines.forEach((line, i) => {
    const indent = /^\s*/.exec(line)[0].length;
    const text = inline(line.trim().replace(/\s{2,}/g, ' '));
    if (i === 0) out = text;
    else if (indent > 0 && indent <= listIndent) {
      out += `<br>${text}`;
      listIndent = indent;
    } else out += ` ${text}`;
  });
  return out;
}

/** Section text as markdown: wrapped lines joined into paragraphs, indented lines as a code block. */
function prose(paragraphs) {
  const out = [];
  for (const paragraph of paragraphs) {
    let text = [];
    let code = [];
    const flushText = () => text.length > 0 && (out.push(inline(text.join(' '))), (text = []));
    const flushCode = () => code.length > 0 && (out.push(['```text', ...code, '```'].join('\n')), (code = []));
    for (const line of paragraph) {
      if (/^\s/.test(line)) {
        flushText();
        code.push(line.trimStart());
      } else {
        flushCode();
        text.push(line.trim());
      }
    }
    flushText();
    flushCode();
  }
  return out.join('\n\n');
}

function defaultCell(value) {
  const text = value === undefined ? 'null' : JSON.stringify(value);
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text.replaceAll('|', '\\|')}${fence}`;
}

const tableHead = '| Value | Type | Default | Description |\n|---|---|---|---|';

/**
 * The values part of the README. A top-level key gets a section of its own when it has more
 * than one row (or is a map without a description); the other top-level values share the
 * first section. Section text opens a new table, led by its key when it is nested.
 */
function renderValues(entries) {
  const topKey = (path) => path.split('.')[0];
  const rows = entries.filter((e) => e.kind === 'row');
  const ownsSection = (key) => rows.filter((r) => topKey(r.path) === key).length > 1 || !rows.some((r) => r.path === key);
  const sections = new Map([['', []]]);
  for (const entry of entries) {
    const name = ownsSection(topKey(entry.path)) ? topKey(entry.path) : '';
    if (!sections.has(name)) sections.set(name, []);
    sections.get(name).push(entry);
  }
  const out = [];
  for (const [name, list] of sections) {
    out.push(`### ${name || 'General'}`);
    let inTable = false;
    for (const entry of list) {
      if (entry.kind === 'section') {
        out.push(`${entry.depth > 0 ? `**\`${entry.path}\`**: ` : ''}${prose(entry.text)}`);
        inTable = false;
        continue;
      }
      out.push(`${inTable ? '' : `${tableHead}\n`}| \`${entry.path}\` | ${entry.type} | ${defaultCell(entry.value)} | ${cell(entry.description)} |`);
      inTable = true;
    }
  }
  // Rows of one table follow each other without a blank line.
  return out.join('\n\n').replace(/ \|\n\n\| `/g, ' |\n| `');
}

/** The whole README of the chart in `chartDir`; throws with every problem when a value has no description. */
function renderChartReadme(chartDir) {
  const valuesFile = join(chartDir, 'values.yaml');
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  const schemaFile = join(chartDir, 'values.schema.json');
  const schema = existsSync(schemaFile) ? JSON.parse(readFileSync(schemaFile, 'utf8')) : {};
  const shown = relative(root, valuesFile);
  const { entries, problems } = readValues(readFileSync(valuesFile, 'utf8'), shown.startsWith('..') ? valuesFile : shown, schema);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n`);
  const description = String(chart.description ?? '').trim();
  return `# ${chart.name} Helm chart

<!-- Generated by scripts/gen-chart-readme.mjs from values.yaml and Chart.yaml: edit those and run \`node scripts/gen-chart-readme.mjs\`. -->

${inline(description)}

Chart version \`${chart.version}\`, podwarden \`${chart.appVersion}\`, Kubernetes \`${chart.kubeVersion}\`.

The guide — what the chart wires and why, timing profiles, the drain token,
monitoring, adding podwarden to an existing workload — is
[docs/helm.md](../../docs/helm.md). Before upgrading, read [UPGRADING.md](UPGRADING.md).
The alerts have runbooks in [docs/runbooks.md](../../docs/runbooks.md).

## Install

From the repository root; \`drain.token\` is the one value without a default:

<!-- docs-test: covered — test/chart/chart-readme.test.ts -->
\`\`\`sh
helm install shop charts/podwarden --namespace shop --create-namespace --set drain.token=$(openssl rand -hex 32)
\`\`\`

Keep the token in a values file of yours: every upgrade needs the same one.

## Values

Every value with its type, default and description, in the order of \`values.yaml\`.

${renderValues(entries)}
`;
}

function main(argv) {
  let chartDir = join(root, 'charts', 'podwarden');
  let mode = 'write';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--chart' && argv[i + 1]) chartDir = resolve(argv[++i]);
    else if (arg === '--check' || arg === '--stdout') mode = arg.slice(2);
    else {
      process.stderr.write(`unknown argument ${arg}; usage: node scripts/gen-chart-readme.mjs [--check | --stdout] [--chart DIR]\n`);
      return 2;
    }
  }
  const target = join(chartDir, 'README.md');
  let text;
  try {
    text = renderChartReadme(chartDir);
  } catch (err) {
    process.stderr.write(`cannot generate ${target}:\n${err.message}`);
    return 1;
  }
  if (mode === 'stdout') {
    process.stdout.write(text);
  } else if (mode === 'check') {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (current !== text) {
      process.stderr.write(`${target} is out of date; run: node scripts/gen-chart-readme.mjs\n`);
      return 1;
    }
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
