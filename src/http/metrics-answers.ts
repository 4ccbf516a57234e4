import { type PodwardenMetrics, contentTypeOf } from '../metrics/podwarden-metrics.js';
import { type Answer, fixedAnswers, uncachedAnswer } from './answers.js';

/** The two exposition formats `/metrics` negotiates. */
export type MetricsFormat = 'text' | 'openmetrics';

const headAnswers: Record<MetricsFormat, Answer> = {
  text: { status: 200, headers: ['content-type', contentTypeOf(false), 'cache-control', 'no-store', 'x-content-type-options', 'nosniff'], body: '' },
  openmetrics: { status: 200, headers: ['content-type', contentTypeOf(true), 'cache-control', 'no-store', 'x-content-type-options', 'nosniff'], body: '' },
};

/** `/metrics` answers: `head` for HEAD, `get` for a scrape. */
export interface MetricsAnswers {
  head(format: MetricsFormat): Answer;
  get(format: MetricsFormat): Answer | Promise<Answer>;
}

/**
 * Scrapes of `metrics` as answers. Scrapes that arrive together share one:
 * those that come while a render is in progress share that render
 * ({@link PodwardenMetrics.render}), and those read in the same turn of the
 * event loop as a finished one share its answer. Every request of that turn
 * had arrived before the render began (the loop reads what one poll found),
 * so none sees older state than it asked for; but a flood of a thousand
 * connections, read in one turn, costs one render instead of a thousand.
 * A failed render is shared with no one after it.
 */
export function metricsAnswers(metrics: PodwardenMetrics): MetricsAnswers {
  const thisTurn: Record<MetricsFormat, Answer | undefined> = { text: undefined, openmetrics: undefined };
  const forget = () => {
    thisTurn.text = undefined;
    thisTurn.openmetrics = undefined;
  };
  let forgetting = false;
  const keepForThisTurn = (format: MetricsFormat, answer: Answer) => {
    thisTurn[format] = answer;
    if (forgetting) return;
    forgetting = true;
    // The check phase runs once the poll phase has read all it found.
    setImmediate(() => {
      forgetting = false;
      forget();
    });
  };
  const rendering: Record<MetricsFormat, Promise<Answer> | undefined> = { text: undefined, openmetrics: undefined };
  return {
    head: (format) => headAnswers[format],
    get(format) {
      const shared = thisTurn[format] ?? rendering[format];
      if (shared !== undefined) return shared;
      const answer = metrics.render(format === 'openmetrics').then(
        (exposition) => {
          const rendered = uncachedAnswer(200, exposition.contentType, exposition.body);
          keepForThisTurn(format, rendered);
          return rendered;
        },
        () => fixedAnswers.metricsUnavailable,
      );
      rendering[format] = answer;
      const done = () => {
        rendering[format] = undefined;
      };
      void answer.then(done);
      return answer;
    },
  };
}
