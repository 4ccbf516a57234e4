import { shutdownCheckName } from '../core/service-names.js';
import { type Answer, fixedAnswers, textAnswer } from './answers.js';
import type { HealthEndpoint } from './health-endpoints.js';
import type { HealthState } from './health-state.js';
import { verdictOf } from './health-verdicts.js';

interface Cached {
  version: number;
  answer: Answer | undefined;
}

/**
 * The text answers of the health endpoints, kube-apiserver style: `ok`, or
 * 503 listing each check as `[+]name ok` / `[-]name failed: reason withheld`
 * and a closing line. Answers without `exclude` are cached until the state
 * changes (unless they show a time left), so a flood of them costs what one
 * costs and kubelet's probe is answered from memory.
 */
export class HealthText {
  readonly #state: HealthState;
  readonly #exposeDetails: boolean;
  /** Cached answers without `exclude`: plain, then `?verbose`. */
  readonly #cache: Record<HealthEndpoint, readonly [Cached, Cached]> = {
    livez: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
    readyz: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
    startupz: [{ version: -1, answer: undefined }, { version: -1, answer: undefined }],
  };

  constructor(state: HealthState, exposeDetails: boolean) {
    this.#state = state;
    this.#exposeDetails = exposeDetails;
  }

  /** The answer of an aggregate endpoint. `exclude` leaves checks out; `verbose` lists every check. */
  answer(endpoint: HealthEndpoint, verbose: boolean, exclude: readonly string[] | undefined): Answer {
    if (exclude !== undefined) return this.#render(endpoint, verbose, exclude).answer;
    const cached = this.#cache[endpoint][verbose ? 1 : 0];
    const version = this.#state.version;
    if (cached.version === version && cached.answer) return cached.answer;
    const { answer, timed } = this.#render(endpoint, verbose, undefined);
    cached.version = version;
    cached.answer = timed ? undefined : answer;
    return answer;
  }

  /** The answer of `/<endpoint>/<name>`: one check; 404 when `name` is not one of `endpoint`'s. */
  answerOne(endpoint: HealthEndpoint, name: string, verbose: boolean): Answer {
    if (!this.#state.has(endpoint, name)) return fixedAnswers.notFound;
    const { failure, detail } = verdictOf(this.#state, endpoint, name);
    if (failure !== undefined) return textAnswer(503, `${this.#failedLine(name, failure)}${endpoint} check failed\n`);
    if (!verbose) return fixedAnswers.ok;
    return textAnswer(200, `${okLine(name, detail)}${endpoint} check passed\n`);
  }

  #render(endpoint: HealthEndpoint, verbose: boolean, exclude: readonly string[] | undefined): { answer: Answer; timed: boolean } {
    const unmatched = exclude ? new Set(exclude) : undefined;
    let lines = '';
    let failed = false;
    let timed = false;
    for (const name of this.#state.namesOf(endpoint)) {
      if (unmatched?.delete(name)) continue;
      const { failure, detail, time } = verdictOf(this.#state, endpoint, name);
      if (failure === undefined) {
        lines += okLine(name, detail);
      } else {
        failed = true;
        lines += this.#failedLine(name, failure);
      }
      timed ||= time && (failure === undefined || this.#shows(name));
    }
    if (unmatched && unmatched.size > 0) {
      lines += `warn: some health checks cannot be excluded: no matches for ${[...unmatched].map((n) => JSON.stringify(n)).join(',')}\n`;
    }
    if (failed) return { answer: textAnswer(503, `${lines}${endpoint} check failed\n`), timed };
    if (!verbose) return { answer: fixedAnswers.ok, timed: false };
    return { answer: textAnswer(200, `${lines}${endpoint} check passed\n`), timed };
  }

  #failedLine(name: string, failure: string): string {
    return `[-]${name} failed: ${this.#shows(name) ? failure : 'reason withheld'}\n`;
  }

  /** Whether `name`'s failure reason is shown: with `exposeDetails`, and always for `shutdown` (the phase is no secret). */
  #shows(name: string): boolean {
    return this.#exposeDetails || name === shutdownCheckName;
  }
}

function okLine(name: string, detail: string | undefined): string {
  return detail === undefined ? `[+]${name} ok\n` : `[+]${name} ok: ${detail}\n`;
}
