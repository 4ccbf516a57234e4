/**
 * The commands docs/helm.md and the README give, run as written with bash in a copy of
 * the repository's chart and kustomize folders: `helm install` as a client-side dry run
 * (no cluster here), the kustomize example as is.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import { fencedBlocks, markdownSection } from './kustomize-build.js';
import { envValue, helmBinary, helmEnv, one, parseDocs, podSpecOf, podwardenContainer, repoRoot, requireTool } from './support.js';

/** The ```sh blocks of a section of a markdown file (from its heading to the next of the same level). */
function shellBlocks(file: string, heading: string): string[] {
  return fencedBlocks(markdownSection(file, heading), 'sh');
}

function bash(script: string): { status: number | null; stdout: string; stderr: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'podwarden-docs-'));
  for (const dir of ['charts/podwarden', 'deploy/kustomize']) cpSync(path.join(repoRoot, dir), path.join(root, dir), { recursive: true });
  const tools = [path.dirname(helmBinary()), path.dirname(requireTool('kubectl', 'run `bash scripts/tools/helm.sh`'))];
  const env = { ...helmEnv(), PATH: [...tools, process.env.PATH ?? ''].join(path.delimiter) };
  return spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: root, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
}

/** The install command of a document, as a client-side dry run. */
function dryRunInstall(file: string, heading: string): { stdout: string; stderr: string; status: number | null } {
  const install = shellBlocks(file, heading).find((b) => b.startsWith('helm install '));
  expect(install, `${file} shows helm install under ${heading}`).toBeDefined();
  expect(install).toContain('--set drain.token=$(openssl rand -hex 32)');
  return bash(`${(install ?? '').trimEnd()} --dry-run=client`);
}

describe('documented commands', () => {
  it('docs/helm.md: the install command renders and installs (client-side dry run)', () => {
    const result = dryRunInstall('docs/helm.md', '## Install');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('NOTES:');
    const docs = parseDocs(result.stdout.slice(result.stdout.indexOf('---'), result.stdout.indexOf('NOTES:')));
    const sidecar = podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container;
    expect(envValue(sidecar, 'PODWARDEN_DRAIN_TOKEN')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('README.md: the install command renders and installs (client-side dry run)', () => {
    const result = dryRunInstall('README.md', '## Install with Helm');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('NOTES:');
  });

  it('docs/helm.md: the command for an older cluster renders podwarden as a regular container', () => {
    const [script] = shellBlocks('docs/helm.md', '### Older clusters');
    expect(script).toContain('--kube-version 1.27');
    const result = bash(script ?? '');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(podwardenContainer(podSpecOf(one<IDeployment>(parseDocs(result.stdout), 'Deployment'))).place).toBe('containers');
  });

  it('docs/helm.md: the kustomize example builds with a token made as shown', () => {
    const [script] = shellBlocks('docs/helm.md', '## Kustomize');
    expect(script).toContain('openssl rand -hex 32');
    const result = bash(script ?? '');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(envValue(podwardenContainer(podSpecOf(one<IDeployment>(parseDocs(result.stdout), 'Deployment'))).container, 'PODWARDEN_DRAIN_TOKEN')).toMatch(/^[0-9a-f]{64}$/);
  });
});
