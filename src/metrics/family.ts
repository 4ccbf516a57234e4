import type { Metric, Registry } from 'prom-client';

/** The types of podwarden's own families. */
export type FamilyType = 'counter' | 'gauge' | 'histogram';

/** One sample as prom-client's `registry.metrics()` and `getMetricsAsJSON()` read it. */
export interface SampleData {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** A family as prom-client reads it from `get()`. */
export interface FamilyData {
  name: string;
  help: string;
  type: FamilyType;
  aggregator: 'sum';
  values: SampleData[];
}

/** What every family is made from. */
export interface FamilyOptions {
  /** The full name, prefix included (counters end in `_total`). */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Called before each render: sets the values that are read at scrape time. */
  readonly collect?: () => void;
}

/** A sample value as the text formats spell it. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** `a="x",b="y"`, label values escaped (backslash, newline, double quote). */
export function labelText(names: readonly string[], values: readonly string[]): string {
  return names.map((name, i) => `${name}="${(values[i] ?? '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',');
}

/** The `# HELP` and `# TYPE` lines; OpenMetrics names a counter family without its `_total`. */
function header(name: string, help: string, type: FamilyType, openMetrics: boolean): string {
  const family = openMetrics && type === 'counter' ? name.replace(/_total$/, '') : name;
  return `# HELP ${family} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${family} ${type}\n`;
}

/** A series of a family: it renders its own lines and says whether they changed since. */
export interface OwnSeries {
  readonly labelValues: readonly string[];
  /** True when the value differs from what the last rendering showed. */
  readonly changed: boolean;
  /** Its sample lines, each ending in a newline; reformatted only when `changed`. */
  lines(): string;
  /** prom-client's view of its samples, for a family with `labelNames` named `name`. */
  data(labelNames: readonly string[], name: string): SampleData[];
  reset(): void;
}

/**
 * One of podwarden's families, registered in a prom-client registry as a
 * custom metric. Each series builds its `name{labels} ` text once and holds
 * plain numbers; a scrape formats only the values that changed, and a family
 * none of whose values changed renders as its previous text.
 * `registry.metrics()` still reads it, through `get()`.
 */
export abstract class OwnFamily<S extends OwnSeries> {
  /** Writable: prom-client's OpenMetrics mode renames counters in place. */
  name: string;
  /** The name as given, which the sample lines use whatever prom-client does to `name`. */
  protected readonly sampleName: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[];
  readonly #collect: (() => void) | undefined;
  readonly #headers: readonly [string, string];
  readonly #byKey = new Map<string, S>();
  readonly #series: S[] = [];
  /** The series' lines of the last rendering, reused from one to the next. */
  readonly #lines: string[] = [];
  #body: string | undefined;
  /** The last rendering with its header, per format (text, OpenMetrics). */
  #texts: [string | undefined, string | undefined] = [undefined, undefined];

  constructor(registry: Registry, type: FamilyType, options: FamilyOptions) {
    this.name = options.name;
    this.sampleName = options.name;
    this.help = options.help;
    this.type = type;
    this.labelNames = options.labelNames ?? [];
    this.#collect = options.collect;
    this.#headers = [header(options.name, options.help, type, false), header(options.name, options.help, type, true)];
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values (one per label name, in order), created on first use. */
  labels(...values: string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let found = this.#byKey.get(key);
    if (!found) {
      found = this.createSeries(values);
      this.#byKey.set(key, found);
      this.#series.push(found);
      this.#body = undefined;
    }
    return found;
  }

  /** The family in the text format (`openMetrics`: OpenMetrics 1.0.0), every line ending in a newline. */
  exposition(openMetrics: boolean): string {
    this.#refresh();
    const i = openMetrics ? 1 : 0;
    return (this.#texts[i] ??= this.#headers[i] + this.#body);
  }

  /** Collect, then render the lines again when a series was added or a value changed. */
  #refresh(): void {
    this.#collect?.();
    if (this.#body !== undefined && !this.#changed()) return;
    // join() makes one flat string, which the final join copies instead of walking a tree of concatenations.
    const lines = this.#lines;
    for (let i = 0; i < this.#series.length; i++) lines[i] = this.#series[i]!.lines();
    this.#body = lines.join('');
    this.#texts = [undefined, undefined];
  }

  #changed(): boolean {
    for (const s of this.#series) if (s.changed) return true;
    return false;
  }

  /** prom-client's view, for `registry.metrics()` and `getMetricsAsJSON()`. */
  async get(): Promise<FamilyData> {
    this.#collect?.();
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.#series.flatMap((s) => s.data(this.labelNames, this.name)) };
  }

  /** Zero every series (prom-client's `registry.resetMetrics()`); the series stay. */
  reset(): void {
    for (const s of this.#series) s.reset();
  }

  protected abstract createSeries(labelValues: readonly string[]): S;
}

/** The labels of a series as an object, for prom-client. */
export function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((name, i) => (out[name] = values[i] ?? ''));
  return out;
}

/** One series of a counter or gauge: a plain number and its `name{labels} ` text, built once. */
export class Series implements OwnSeries {
  /** The current value; bumping it directly is the cheapest way to count. */
  value = 0;
  #shown = Number.NaN;
  #line = '';

  constructor(
    readonly labelValues: readonly string[],
    readonly head: string,
  ) {}

  set(value: number): void {
    this.value = value;
  }

  inc(by = 1): void {
    this.value += by;
  }

  get changed(): boolean {
    return this.value !== this.#shown;
  }

  lines(): string {
    if (this.value !== this.#shown) {
      this.#shown = this.value;
      this.#line = `${this.head}${formatValue(this.value)}\n`;
    }
    return this.#line;
  }

  data(labelNames: readonly string[]): SampleData[] {
    return [{ labels: labelObject(labelNames, this.labelValues), value: this.value }];
  }

  reset(): void {
    this.value = 0;
  }
}

/** A counter or gauge family of {@link Series}. */
export class ScalarFamily extends OwnFamily<Series> {
  constructor(registry: Registry, type: 'counter' | 'gauge', options: FamilyOptions) {
    super(registry, type, options);
  }

  protected createSeries(labelValues: readonly string[]): Series {
    const labels = labelText(this.labelNames, labelValues);
    return new Series(labelValues, labels ? `${this.sampleName}{${labels}} ` : `${this.sampleName} `);
  }
}

/** A counter family; count with `labels(...).inc()` or by bumping `value`. */
export function counterFamily(registry: Registry, options: FamilyOptions): ScalarFamily {
  return new ScalarFamily(registry, 'counter', options);
}

/** A gauge family; series appear when first used, so a gauge can be absent until it is set. */
export function gaugeFamily(registry: Registry, options: FamilyOptions): ScalarFamily {
  return new ScalarFamily(registry, 'gauge', options);
}
