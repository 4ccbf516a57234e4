/**
 * docs/helm.md, "Dependencies: startup, not readiness": its values render, and podwarden
 * reads the shared dependency's check as a member of /startupz only.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IConfigMap } from 'kubernetes-models/v1';
import { loadRenderedConfig, one, render, repoRoot } from './support.js';

const heading = '## Dependencies: startup, not readiness';

/** The ```yaml block of the section. */
function valuesBlock(): string {
  const text = readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8');
  const start = text.indexOf(`${heading}\n`);
  expect(start, `docs/helm.md has "${heading}"`).toBeGreaterThanOrEqual(0);
  const section = text.slice(start, text.indexOf('\n## ', start + heading.length));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`docs/helm.md, "${heading}", has no yaml block`);
  return block;
}

describe('docs/helm.md: a shared dependency in startup only', () => {
  it('renders, and podwarden counts postgres in /startupz only and the app in readiness and startup', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'podwarden-deps-')), 'values.yaml');
    writeFileSync(file, valuesBlock());
    const configText = one<IConfigMap>(render({ valuesFiles: [file] }).docs, 'ConfigMap', '-config').data?.['podwarden.yaml'] ?? '';
    expect((parse(configText) as { services: Array<{ url?: string }> }).services[0]?.url).toBe('http://127.0.0.1:8080/healthz');
    const config = await loadRenderedConfig(configText);
    const probesOf = (name: string) => [...(config.services.find((s) => s.name === name)?.probes ?? [])].sort();
    expect(probesOf('postgres')).toEqual(['startup']);
    expect(probesOf('app')).toEqual(['readiness', 'startup']);
  });
});
