/**
 * The markdown files users copy code from, found by pattern so that a new
 * page is covered as soon as it exists: README.md, docs/*.md,
 * deploy/kustomize/README.md, charts/<chart>/README.md and every README.md
 * under examples/ (not in the charts/ folders `helm dependency build` fills).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

function readmesUnder(root: string, dir: string): string[] {
  if (!existsSync(path.join(root, dir))) return [];
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'charts' ? [] : readmesUnder(root, rel);
    return entry.name === 'README.md' ? [rel] : [];
  });
}

const childDirs = (root: string, dir: string): string[] =>
  existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.posix.join(dir, e.name)) : [];

/** The documented files, relative to `root`, sorted. */
export function documentedFiles(root: string): string[] {
  const docs = existsSync(path.join(root, 'docs')) ? readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [];
  const charts = childDirs(root, 'charts').map((dir) => `${dir}/README.md`);
  const candidates = ['README.md', ...docs, 'deploy/kustomize/README.md', ...charts, ...readmesUnder(root, 'examples')];
  return [...new Set(candidates)].filter((file) => existsSync(path.join(root, file))).sort();
}
