import type { Registry } from 'prom-client';
import { type FamilyOptions, OwnFamily, type OwnSeries, type SampleData, formatValue, labelObject, labelText } from './family.js';

/** One series of a histogram: per-bucket counts, sum and count as plain numbers; every line's `name{labels} ` text built once. */
export class HistogramSeries implements OwnSeries {
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the `+Inf` bucket is `count`. */
  readonly #perBucket: number[];
  /** `name_bucket{le="…",labels} ` for every bound and `+Inf`, then `name_sum{labels} ` and `name_count{labels} `. */
  readonly #heads: readonly string[];
  #shown = -1;
  #lines = '';

  constructor(
    readonly labelValues: readonly string[],
    name: string,
    labelNames: readonly string[],
    bounds: readonly number[],
  ) {
    this.#bounds = bounds;
    this.#perBucket = bounds.map(() => 0);
    const labels = labelText(labelNames, labelValues);
    const own = labels ? `{${labels}} ` : ' ';
    const withLe = labels ? `,${labels}} ` : '} ';
    this.#heads = [...bounds.map(formatValue), '+Inf'].map((le) => `${name}_bucket{le="${le}"${withLe}`).concat(`${name}_sum${own}`, `${name}_count${own}`);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.#perBucket[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }

  get changed(): boolean {
    return this.count !== this.#shown;
  }

  lines(): string {
    if (this.count !== this.#shown) {
      this.#shown = this.count;
      const heads = this.#heads;
      const n = this.#perBucket.length;
      let out = '';
      let cumulative = 0;
      for (let i = 0; i < n; i++) {
        cumulative += this.#perBucket[i]!;
        out += `${heads[i]}${cumulative}\n`;
      }
      out += `${heads[n]}${this.count}\n${heads[n + 1]}${formatValue(this.sum)}\n${heads[n + 2]}${this.count}\n`;
      this.#lines = out;
    }
    return this.#lines;
  }

  data(labelNames: readonly string[], name: string): SampleData[] {
    const labels = labelObject(labelNames, this.labelValues);
    let cumulative = 0;
    const buckets = this.#bounds.map((le, i) => {
      cumulative += this.#perBucket[i]!;
      return { labels: { le, ...labels }, value: cumulative, metricName: `${name}_bucket` };
    });
    return [
      ...buckets,
      { labels: { le: '+Inf', ...labels }, value: this.count, metricName: `${name}_bucket` },
      { labels, value: this.sum, metricName: `${name}_sum` },
      { labels, value: this.count, metricName: `${name}_count` },
    ];
  }

  reset(): void {
    this.#perBucket.fill(0);
    this.sum = 0;
    this.count = 0;
    this.#shown = -1;
  }
}

/** A histogram family of {@link HistogramSeries}; `labels(...)` creates a series (at zero) on first use. */
export class HistogramFamily extends OwnFamily<HistogramSeries> {
  readonly buckets: readonly number[];

  constructor(registry: Registry, options: FamilyOptions & { readonly buckets: readonly number[] }) {
    super(registry, 'histogram', options);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  protected createSeries(labelValues: readonly string[]): HistogramSeries {
    return new HistogramSeries(labelValues, this.sampleName, this.labelNames, this.buckets);
  }
}
