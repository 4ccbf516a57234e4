import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fixture modules of the reliability suites. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A `module` service entry running fixtures/faulty-service.mjs with `behaviour`. */
export function faulty(name: string, behaviour: string, options: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) {
  return { name, type: 'module', module: path.join(fixturesDir, 'faulty-service.mjs'), options: { behaviour, label: name, ...options }, ...entry };
}
