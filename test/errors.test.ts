import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PodwardenError, errorCodes, isPodwardenError, podwardenError } from '../src/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const src = new URL('../src/', import.meta.url);

/** The codes of every `podwardenError('PODWARDEN_ERR_…'` call in src/. */
const raised = new Set(
  readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(new URL(file, src), 'utf8').matchAll(/\bpodwardenError\(\s*'(PODWARDEN_ERR_[A-Z_]+)'/g)].map((m) => m[1])),
);

describe('error codes', () => {
  it.each(errorCodes)('%s is documented in docs/errors.md', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it.each(errorCodes)('%s is raised somewhere in src/', (code) => {
    expect(raised).toContain(code);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\| `(PODWARDEN_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...errorCodes].sort());
  });

  it('builds errors with the code and a filled-in message', () => {
    const err = podwardenError('PODWARDEN_ERR_UNKNOWN_DEPENDENCY', 'api', 'db');
    expect(err).toBeInstanceOf(PodwardenError);
    expect(err.code).toBe('PODWARDEN_ERR_UNKNOWN_DEPENDENCY');
    expect(err.message).toMatch(/^service "api" depends on "db", which is not registered/);
    expect(isPodwardenError(err, 'PODWARDEN_ERR_UNKNOWN_DEPENDENCY')).toBe(true);
    expect(isPodwardenError(err, 'PODWARDEN_ERR_CONFIG')).toBe(false);
    expect(isPodwardenError(new Error('x'))).toBe(false);
  });
});
