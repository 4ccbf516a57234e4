import type * as z from 'zod/mini';
import { isSecretPath } from './redact.js';
import { showValue } from './schema-helpers.js';

/** One problem found in a config: where, and what is wrong and allowed. */
export interface ConfigProblem {
  /** Field path as a user reads it, e.g. `services[1].interval`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** Render a problem as one line: `services[1].interval: "5x" is not a duration; …`. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path || '(top level)'}: ${problem.message}`;
}

/** `['services', 1, 'headers', 'X-Key']` → `services[1].headers.X-Key`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][\w-]{0,59}$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    // Shortened: a key is text from the config, which may be huge.
    else out += `[${showValue(String(key))}]`;
  }
  return out;
}

/**
 * The closest candidate to `word` by edit distance, when it is close enough to
 * be a likely typo: at most max(2, a third of the word's length) edits, and
 * fewer edits than the shorter of the two has characters, so a name that
 * shares nothing with the word (`zz` → `b`) is never suggested. The one rule
 * for unknown keys, `dependsOn` and `drain.appCheck`.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    // The distance is at least the difference in length; and a name of more than 64 characters is no typo of a key or
    // a service name (at most 63): each distance costs at most 64 × 64 steps, however long the text.
    if (Math.abs(word.length - candidate.length) >= bestDistance || word.length > 64) continue;
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance && d < Math.min(word.length, candidate.length)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const typeLabels: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

/** The keys an object schema allows, read from the schema instance that raised the issue. */
function allowedKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * The error map podwarden parses with: a message for every generic zod issue
 * that says what was found and what is allowed. Values on secret paths
 * (header and exec env values) are never shown.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  const secret = isSecretPath(iss.path ?? []);
  const found = secret ? '(value withheld)' : showValue(iss.input);
  switch (iss.code) {
    case 'invalid_type': {
      const expected = typeLabels[iss.expected] ?? iss.expected;
      return iss.input === undefined ? `is required; use ${expected}` : `${found} is not ${expected}`;
    }
    case 'invalid_value':
      return `${found} is not allowed; use ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys': {
      const allowed = allowedKeys(iss.inst);
      const allowedText = allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
      if (iss.keys.length === 1) {
        const guess = closest(iss.keys[0] ?? '', allowed);
        return `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}${allowedText}`;
      }
      const listed = iss.keys.slice(0, 10).map((k) => showValue(k)).join(', ');
      return `unknown keys ${listed}${iss.keys.length > 10 ? ` and ${iss.keys.length - 10} more` : ''}${allowedText}`;
    }
    case 'too_small':
      return iss.origin === 'array' ? `needs at least ${String(iss.minimum)} entries` : `${found} is too small; the minimum is ${String(iss.minimum)}`;
    case 'too_big':
      return iss.origin === 'array' ? `has more than ${String(iss.maximum)} entries` : `${found} is too large; the maximum is ${String(iss.maximum)}`;
    case 'invalid_key':
      return `key ${showValue(iss.input)} is not valid`;
    case 'invalid_format':
      return `${found} is not valid (${iss.format})`;
    default:
      return undefined;
  }
};

/** Turn zod's issues into problems, one per unknown key, with readable paths. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], prefix: ReadonlyArray<PropertyKey> = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest: the one whose issues go deepest.
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        problems.push(...problemsFromIssues(best, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) {
      problems.push({ path: formatPath([...path, issue.keys[0] ?? '']), message: issue.message });
      continue;
    }
    problems.push({ path: formatPath(path), message: issue.message });
  }
  return problems;
}
