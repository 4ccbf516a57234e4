/**
 * docs/runbooks.md and the alerts table of docs/metrics.md against the PrometheusRule the
 * chart renders with its defaults: a runbook section for every alert (and none for an alert
 * that is gone) at the anchor its runbook_url names, with the alert's severity and `for`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesOf } from './monitoring-objects.js';
import { repoRoot } from './support.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The `## ` sections of a markdown file, by anchor: heading and body. */
function sections(text: string, level = '##'): Map<string, { heading: string; body: string }> {
  const found = new Map<string, { heading: string; body: string }>();
  const parts = text.split(new RegExp(`^${level} `, 'm')).slice(1);
  for (const part of parts) {
    const [heading = '', ...rest] = part.split('\n');
    found.set(slug(heading), { heading, body: rest.join('\n') });
  }
  return found;
}

/** Every heading anchor of a markdown file. */
function anchors(text: string): Set<string> {
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => slug(heading ?? '')));
}

const rules = rulesOf({ set: { 'metrics.prometheusRule.enabled': true } }).spec.groups.flatMap((g) => g.rules);
const runbooks = read('docs/runbooks.md');

describe('docs/runbooks.md', () => {
  it('has a section for every alert at the anchor of its runbook_url, with its severity and for', () => {
    const bySlug = sections(runbooks);
    expect(rules.length).toBeGreaterThanOrEqual(7);
    for (const rule of rules) {
      const anchor = new URL(rule.annotations.runbook_url ?? '').hash.slice(1);
      const section = bySlug.get(anchor);
      expect(section?.heading, rule.alert).toBe(rule.alert);
      expect(section?.body, rule.alert).toContain(`**Severity** \`${rule.labels.severity}\``);
      if (rule.for) expect(section?.body, rule.alert).toContain(`**fires after** \`${rule.for}\``);
      for (const part of ['**What it means.**', '**Confirm.**', '**Likely causes.**', '**What to do.**']) expect(section?.body, `${rule.alert}: ${part}`).toContain(part);
      // The summary table at the top says the same.
      expect(runbooks, rule.alert).toContain(`| [${rule.alert}](#${anchor}) | \`${rule.labels.severity}\` | ${rule.for ? `\`${rule.for}\`` : '—'} |`);
    }
  });

  it('has no section for an alert the chart does not render', () => {
    const alertSections = [...sections(runbooks).values()].map((s) => s.heading).filter((h) => h.startsWith('Podwarden'));
    expect(alertSections.sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  it('links only to files and headings that exist', () => {
    const files = ['docs/runbooks.md', 'docs/metrics.md', 'docs/helm.md', 'examples/helm/shop/README.md', 'charts/podwarden/README.md', 'charts/podwarden/UPGRADING.md'];
    const problems: string[] = [];
    for (const file of files) {
      for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)\s]*)?\)/g)) {
        if (target && !/^https?:/.test(target) && !existsSync(path.join(repoRoot, path.dirname(file), target))) problems.push(`${file}: ${target} does not exist`);
      }
      for (const [, target, anchor] of read(file).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
        const targetFile = target ? path.join(path.dirname(file), target) : file;
        if (!targetFile.endsWith('.md') || /^https?:/.test(target ?? '')) continue;
        if (!anchors(read(targetFile)).has(anchor ?? '')) problems.push(`${file}: ${target ?? ''}#${anchor ?? ''}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('docs/metrics.md, Alerts', () => {
  it('lists every alert with its for, severity and runbook', () => {
    const alerts = sections(read('docs/metrics.md')).get('alerts')?.body ?? '';
    const rows = [...alerts.matchAll(/^\| `(Podwarden\w+)` \|.*\| (`[^`]+`|—) \| `(\w+)` \| \[runbook\]\(runbooks\.md#(\w+)\) \|$/gm)];
    expect(rows.map(([, alert]) => alert)).toEqual(rules.map((r) => r.alert));
    for (const [, alert, forText, severity, anchor] of rows) {
      const rule = rules.find((r) => r.alert === alert);
      expect(forText, alert).toBe(rule?.for ? `\`${rule.for}\`` : '—');
      expect(severity, alert).toBe(rule?.labels.severity);
      expect(anchor, alert).toBe(alert?.toLowerCase());
    }
  });
});
