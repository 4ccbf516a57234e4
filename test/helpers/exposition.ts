/** One sample of a Prometheus text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function number(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Sample lines (not comments, not blank) whose metric name starts with `prefix`. */
export function sampleLines(exposition: string, prefix = ''): string[] {
  return exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#') && line.startsWith(prefix));
}

/** Every sample, in order; throws on a line that is neither a comment nor a sample. Label values stay escaped as written. */
export function parseExposition(exposition: string): Sample[] {
  return sampleLines(exposition).map((line) => {
    const m = sampleLine.exec(line);
    if (!m?.[1] || m[3] === undefined) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (m[2] ?? '').matchAll(labelPair)) labels[label!] = value!;
    return { name: m[1], labels, value: number(m[3]) };
  });
}

/** The value of the sample named `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = Object.entries(labels);
  const found = parseExposition(exposition).find(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([label, value]) => s.labels[label] === value),
  );
  return found?.value;
}

/** Metric name → label → every value seen. */
export function labelValues(exposition: string): Map<string, Map<string, Set<string>>> {
  const series = new Map<string, Map<string, Set<string>>>();
  for (const sample of parseExposition(exposition)) {
    const labels = series.get(sample.name) ?? new Map<string, Set<string>>();
    series.set(sample.name, labels);
    for (const [label, value] of Object.entries(sample.labels)) {
      const values = labels.get(label) ?? new Set<string>();
      labels.set(label, values);
      values.add(value);
    }
  }
  return series;
}

/** The `# TYPE` lines: family name → type. */
export function families(exposition: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}
