import Negotiator from 'negotiator';

/** The formats one endpoint offers, in order of preference when the client has none; the first is the default. */
export interface Offer<F extends string> {
  /** Media types (with parameters) and the format each stands for. */
  readonly types: ReadonlyArray<readonly [mediaType: string, format: F]>;
}

/** Distinct `Accept` values remembered per offer: Prometheus and kubelet send one value each, every time. */
const rememberedAccepts = 32;

/**
 * Picks a format for an `Accept` header (RFC 9110 §12.5.1: q-values, media
 * ranges, case-insensitive types; parameters must match). No header, `*\/*`,
 * or nothing acceptable gets the default: a probe or a scrape is answered
 * rather than refused. Results are remembered per header value (up to
 * {@link rememberedAccepts}), so a repeated header is negotiated once.
 */
export function negotiator<F extends string>(offer: Offer<F>): (accept: string | undefined) => F {
  const mediaTypes = offer.types.map(([type]) => type);
  const formatOf = new Map(offer.types);
  const fallback = offer.types[0]![1];
  const remembered = new Map<string, F>();
  return (accept) => {
    if (accept === undefined || accept === '*/*') return fallback;
    let format = remembered.get(accept);
    if (format === undefined) {
      const best = new Negotiator({ headers: { accept } }).mediaType(mediaTypes);
      format = best === undefined ? fallback : formatOf.get(best)!;
      if (remembered.size >= rememberedAccepts) remembered.clear();
      remembered.set(accept, format);
    }
    return format;
  };
}

/** Probe endpoints: text (kube-apiserver's format), or the JSON report. */
export const healthFormat = negotiator({
  types: [
    ['text/plain', 'text'],
    ['application/json', 'json'],
  ],
});

/**
 * Prometheus' escaping schemes. podwarden's metric names are all valid
 * legacy names, which every scheme leaves as they are, so an exposition
 * asked for with any of them is the same bytes.
 */
const escapings = ['allow-utf-8', 'underscores', 'dots', 'values'];

/** `/metrics`: the Prometheus text format 0.0.4, or OpenMetrics 1.0.0. */
export const metricsFormat = negotiator({
  types: [
    ['text/plain;version=0.0.4', 'text'],
    ...escapings.map((e) => [`text/plain;version=0.0.4;escaping=${e}`, 'text'] as const),
    ['application/openmetrics-text;version=1.0.0', 'openmetrics'],
    ...escapings.map((e) => [`application/openmetrics-text;version=1.0.0;escaping=${e}`, 'openmetrics'] as const),
  ],
});
