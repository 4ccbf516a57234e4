import { type Document, LineCounter, type YAMLError, isScalar, parseDocument, visit } from 'yaml';
import type { ConfigProblem } from './format-issues.js';

/** Config text as a mapping, or what is wrong with it. */
export type ParsedYaml = { value: Record<string, unknown> } | { problems: ConfigProblem[] };

/**
 * Parse config text as YAML (JSON is YAML): the mapping, or every problem with
 * its line and column. Duplicate keys are problems; no source text is quoted.
 */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // The library's own duplicate-key check is quadratic in the number of keys; duplicateKeys() is not.
  // No library warnings: they go to stderr quoting the source text, which may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  // Positions only: the YAML library's context excerpt could show a secret.
  const problems = located(doc.errors).map((e) => ({ path: at(e.offset), message: `malformed YAML: ${yamlReason(e.error)}` }));
  if (problems.length === 0) problems.push(...duplicateKeys(doc).map((offset) => ({ path: at(offset), message: 'malformed YAML: Map keys must be unique' })));
  if (problems.length > 0) return { problems };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { problems: [{ path: '', message: `malformed YAML: ${yamlReason(err)}` }] };
  }
  if (value === null || value === undefined) return { value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problems: [{ path: '', message: 'the config must be a mapping with keys such as server, shutdown, drain, metrics, log, services' }] };
  }
  return { value: value as Record<string, unknown> };
}

/**
 * Each error with the offset of the mistake. The library places an error at
 * the start of the node it was reading, which is not always where the mistake
 * is: a line indented deeper than the one above continues the plain value
 * above it, and the `key:` on that line turns the value into a key spanning
 * lines. The library then reports MULTILINE_IMPLICIT_KEY (and, at the same
 * start, BLOCK_AS_IMPLICIT_KEY) at the value, a line too early; the mistake
 * is where that key ends, at its colon. The two are one mistake, reported once.
 */
function located(errors: readonly YAMLError[]): { error: YAMLError; offset: number }[] {
  const multiline = new Set(errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
  return errors
    .filter((e) => !(e.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(e.pos[0])))
    .map((error) => ({ error, offset: error.code === 'MULTILINE_IMPLICIT_KEY' ? error.pos[1] : error.pos[0] }));
}

/** Where a mapping repeats a key (offsets of the repeats), in one pass. */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) offsets.push(pair.key.range?.[0] ?? 0);
        else seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

/** The YAML library's reason, without the source text it sometimes quotes after a colon (it could be a secret). */
function yamlReason(err: unknown): string {
  const reason = (((err as Error).message.split('\n')[0] ?? '').split(': ')[0] ?? '').trim();
  // Cut too short to say anything ("The : indicator …"): the library's error code, in words.
  if (reason.length >= 12) return reason;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code.toLowerCase().replace(/_/g, ' ') : reason || 'error';
}
