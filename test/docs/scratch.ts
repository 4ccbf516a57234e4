/**
 * Where documented blocks run, so that none of them touches the checkout: a
 * copy of the repository's files (node_modules, dist/ and the tools linked,
 * not copied), a folder whose node_modules has `podwarden` for programs, the
 * environment they get, and free ports in place of the documented ones.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { cleanEnv } from '../helpers/child.js';
import { blockPort } from '../helpers/ports.js';
import { helmEnv, repoRoot } from '../chart/support.js';

const folders = new Set<string>();
let binDir: string | undefined;
let programHome: string | undefined;

function scratchDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, prefix));
  if (parent === tmpdir()) folders.add(dir);
  return dir;
}

/** Remove every folder made here. */
export function removeScratch(): void {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
  binDir = undefined;
  programHome = undefined;
}

/** The ports the docs use (podwarden's, the example app's); each block gets free ones in their place. */
export const documentedPorts = [7654, 8080] as const;

/** A free port for each documented one. */
export async function freshPorts(): Promise<ReadonlyMap<number, number>> {
  const ports = new Map<number, number>();
  for (const port of documentedPorts) ports.set(port, await blockPort());
  return ports;
}

/** `text` with each documented port replaced by its free one. */
export function mapPorts(text: string, ports: ReadonlyMap<number, number>): string {
  return text.replace(new RegExp(`\\b(${documentedPorts.join('|')})\\b`, 'g'), (port) => String(ports.get(Number(port)) ?? port));
}

/** A copy of the repository's files (tracked, and new ones git does not ignore) with node_modules, dist/ and .cache/tools linked. */
export function repoCopy(): string {
  const dir = scratchDir('podwarden-docs-repo-');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  for (const file of new Set(listed.split('\0'))) {
    if (file === '' || file === 'node_modules' || !existsSync(path.join(repoRoot, file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(repoRoot, file), path.join(dir, file));
  }
  for (const linked of ['node_modules', 'dist', '.cache/tools']) {
    if (!existsSync(path.join(repoRoot, linked))) continue;
    mkdirSync(path.dirname(path.join(dir, linked)), { recursive: true });
    symlinkSync(path.join(repoRoot, linked), path.join(dir, linked));
  }
  return dir;
}

/**
 * A folder holding `podwarden`, the built CLI, as an install puts it on PATH;
 * beside it a kubeconfig whose cluster refuses at once: without one, kubectl
 * and helm would try localhost:8080, where another test's server may listen.
 */
function podwardenBin(): string {
  if (binDir === undefined) {
    binDir = path.join(scratchDir('podwarden-docs-bin-'), 'bin');
    mkdirSync(binDir);
    symlinkSync(path.join(repoRoot, 'dist/cli/main.js'), path.join(binDir, 'podwarden'));
    writeFileSync(
      path.join(binDir, '..', 'kubeconfig'),
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'none', cluster: { server: 'https://127.0.0.1:1' } }],
        contexts: [{ name: 'none', context: { cluster: 'none', user: 'none' } }],
        users: [{ name: 'none', user: {} }],
        'current-context': 'none',
      }),
    );
  }
  return binDir;
}

/**
 * The environment of a command: the test's own without `PODWARDEN_*`, with
 * `podwarden`, helm and kubectl on PATH, helm's homes in a temp folder, a
 * kubeconfig of no cluster, and podwarden's port, host and drain delay set
 * (the free port, loopback, 0s).
 */
export function commandEnv(ports: ReadonlyMap<number, number>): Record<string, string> {
  const helm = helmEnv();
  const bin = podwardenBin();
  const pathDirs = [bin, path.join(repoRoot, '.cache/tools/bin'), path.dirname(process.execPath), process.env.PATH ?? ''];
  return cleanEnv({
    PATH: pathDirs.join(path.delimiter),
    HELM_CACHE_HOME: helm.HELM_CACHE_HOME!,
    HELM_CONFIG_HOME: helm.HELM_CONFIG_HOME!,
    HELM_DATA_HOME: helm.HELM_DATA_HOME!,
    KUBECONFIG: path.join(bin, '..', 'kubeconfig'),
    PODWARDEN_PORT: String(ports.get(7654)),
    PODWARDEN_HOST: '127.0.0.1',
    PODWARDEN_DRAIN_DELAY: '0s',
  });
}

/** A fresh folder for one program, below one whose node_modules holds `podwarden` (this checkout) and its dependencies. */
export function programDir(): string {
  if (programHome === undefined) {
    programHome = scratchDir('podwarden-docs-programs-');
    const modules = path.join(programHome, 'node_modules');
    mkdirSync(modules);
    for (const entry of readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (!entry.startsWith('.')) symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(modules, entry));
    }
    symlinkSync(repoRoot, path.join(modules, 'podwarden'));
  }
  return scratchDir('program-', programHome);
}
