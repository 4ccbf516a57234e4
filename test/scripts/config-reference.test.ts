import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../scripts/config-reference.js';
import { overrideTable } from '../../src/config/env-overrides.js';
import { serviceSchemas } from '../../src/config/service-schemas.js';

const committed = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');

describe('docs/config.md', () => {
  it('is what scripts/gen-config-reference.mjs generates from the schema (run it when this fails)', () => {
    const generated = execFileSync(process.execPath, ['scripts/gen-config-reference.mjs', '--stdout'], { encoding: 'utf8' });
    expect(generated).toBe(renderConfigReference());
    expect(committed).toBe(generated);
  });

  it('lists every override and every check type', () => {
    for (const o of overrideTable) expect(committed).toContain(`| \`${o.env}\` |`);
    expect(committed).toContain('`PODWARDEN_CONFIG`');
    expect(committed).toContain('`PODWARDEN_DRAIN_TOKEN`');
    for (const schema of serviceSchemas) expect(committed).toContain(`### \`type: ${String(schema.shape.type.def.values[0])}\``);
  });
});
