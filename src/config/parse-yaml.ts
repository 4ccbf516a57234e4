import { YAML11_SCHEMA, YAMLException, loadAll } from 'js-yaml';
import type { ConfigProblem } from './format-issues.js';

/** Config text as a mapping, or what is wrong with it. */
export type ParsedYaml = { value: Record<string, unknown> } | { problems: ConfigProblem[] };

/** Alias nodes (`*name`) a config may hold. */
const maxAliases = 100;

/** A `%YAML 1.1` directive, on its own line before the document's `---`. */
const yaml11Directive = /^%YAML[ \t]+1\.1[ \t]*(?:#.*)?$/m;

/**
 * Values the document may expand to, counting every use of an alias in full:
 * what a walk of the config (validation, redaction, a module's options) could
 * meet. Twenty times the largest config the tests accept (5,000 services in a
 * chain), so only an alias bomb reaches it.
 */
const maxExpandedValues = 1_000_000;

/**
 * Parse config text as YAML (JSON is YAML) with js-yaml's YAML 1.2 core schema
 * (1.1's for a file that says `%YAML 1.1`): the mapping, or the first problem
 * with its line and column. Duplicate keys are
 * problems; no source text is quoted. js-yaml runs about seven times faster than
 * a parser that keeps a document model, which every start pays (docs/performance.md).
 */
export function parseYaml(text: string): ParsedYaml {
  let documents: unknown[];
  try {
    // maxDepth (100 levels) is js-yaml's default. A file that declares YAML 1.1 gets 1.1's types (`yes` is true, `010` is 8).
    documents = loadAll(text, { maxAliases, ...(declaresYaml11(text) ? { schema: YAML11_SCHEMA } : {}) });
  } catch (err) {
    return { problems: [problemOf(err)] };
  }
  if (documents.length > 1) return { problems: [{ path: '', message: `malformed YAML: the config is one document; this text holds ${documents.length} (separated by ---)` }] };
  const value = documents[0];
  if (value === null || value === undefined) return { value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problems: [{ path: '', message: 'the config must be a mapping with keys such as server, shutdown, drain, metrics, log, services' }] };
  }
  if (expandsBeyond(value, maxExpandedValues)) {
    return { problems: [{ path: '', message: `malformed YAML: its aliases expand to more than ${maxExpandedValues.toLocaleString('en-US')} values` }] };
  }
  return { value: value as Record<string, unknown> };
}

/** Whether `text` starts with a `%YAML 1.1` directive: directives come before the first `---`. */
function declaresYaml11(text: string): boolean {
  const start = text.search(/^---/m);
  return start > 0 && yaml11Directive.test(text.slice(0, start));
}

/** The parser's reason and position. Its message also quotes the source around the mistake, which could be a secret: not used. */
function problemOf(err: unknown): ConfigProblem {
  if (!(err instanceof YAMLException)) return { path: '', message: `malformed YAML: ${(err as Error | undefined)?.name ?? 'error'}` };
  const mark = err.mark;
  return { path: mark ? `line ${mark.line + 1}, column ${mark.column + 1}` : '', message: `malformed YAML: ${reasonOf(err.reason)}` };
}

/** js-yaml's reason up to what it quotes from the source (`unidentified alias "…"`, `unknown tag !<…>`, `…: name`), which could be a secret. */
function reasonOf(reason: string): string {
  return reason.split(/\s*(?:"|'|!<|: )/)[0] || 'error';
}

/**
 * Whether walking `value`, each alias in full, meets more than `limit` values.
 * Values are counted as they are found, before they are queued, so the walk
 * stops at the limit and holds at most that many.
 */
function expandsBeyond(value: object, limit: number): boolean {
  let found = 1;
  const stack: object[] = [value];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const children = Object.values(next);
    found += children.length;
    if (found > limit) return true;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return false;
}
