/**
 * Shared by the kustomize tests: a copy of deploy/kustomize with the overlays' token
 * files, `kubectl kustomize` on it with every object validated, the workloads of a
 * build, and the chart's timing rule checked on what a build wires.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IConfigMap, IContainer, IPodSpec } from 'kubernetes-models/v1';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { type K8sObject, containerEnv, kubectl, loadRenderedConfig, parseDocs, podwardenContainer, repoRoot, validateObject } from './support.js';
import { graceSecondsOf, minDrainDelaySeconds, minGraceSeconds, minMaxHoldSeconds, readinessDetectionSeconds } from './drain-rules.js';

/** The token the copies' token files carry. */
export const token = 'a'.repeat(64);

/** The overlays deploy/kustomize ships, relative to the repository. */
export const overlays = {
  example: 'deploy/kustomize/example',
  existing: 'deploy/kustomize/existing-workloads/overlay',
  podwardenFirst: 'deploy/kustomize/existing-workloads/podwarden-first',
} as const;

/** The token files the overlays read (each kept out of git by its .gitignore). */
export const tokenFiles = ['deploy/kustomize/example/drain-token.env', 'deploy/kustomize/existing-workloads/overlay/drain-token.env'] as const;

const copies: string[] = [];

/** Remove every copy made so far (after the tests). */
export function removeCopies(): void {
  for (const root of copies.splice(0)) rmSync(root, { recursive: true, force: true });
}

/**
 * A copy of deploy/kustomize at <root>/deploy/kustomize, with the overlays' token files
 * when `withTokens`, else without them (even when the checkout has its own). Returns <root>.
 */
export function copy(withTokens = true): string {
  const root = mkdtempSync(path.join(tmpdir(), 'podwarden-kustomize-'));
  copies.push(root);
  cpSync(path.join(repoRoot, 'deploy/kustomize'), path.join(root, 'deploy/kustomize'), { recursive: true });
  for (const file of tokenFiles) {
    if (withTokens) writeFileSync(path.join(root, file), `token=${token}\n`);
    else rmSync(path.join(root, file), { force: true });
  }
  return root;
}

/** `kubectl kustomize dir`, every object validated against its Kubernetes schema; throws with kubectl's stderr when the build fails. */
export function build(dir: string): K8sObject[] {
  const result = kubectl(['kustomize', dir]);
  if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  const docs = parseDocs(result.stdout);
  for (const doc of docs) validateObject(doc);
  return docs;
}

/** `kubectl kustomize dir` that is expected to fail: its stderr. */
export function buildError(dir: string): string {
  const result = kubectl(['kustomize', dir]);
  if (result.code === 0) throw new Error(`kubectl kustomize ${dir} succeeded but was expected to fail`);
  return result.stderr;
}

/** Read a YAML file of a copy, change it, write it back. */
export function editYaml(file: string, change: (doc: Record<string, unknown>) => void): void {
  const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(doc);
  writeFileSync(file, stringifyYaml(doc));
}

/** A workload (Deployment, StatefulSet, …) of a build, or of a source file. */
export interface Workload extends K8sObject {
  spec: { template: { spec: IPodSpec } } & Record<string, unknown>;
}

export function workload(docs: readonly K8sObject[], kind: string, name: string): Workload {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as Workload;
}

/** The objects of a YAML file in the repository (a workload before the component). */
export function sourceDocs(file: string): K8sObject[] {
  return parseDocs(readFileSync(path.join(repoRoot, file), 'utf8'));
}

export function container(spec: IPodSpec, name: string): IContainer {
  const found = spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** The podwarden.yaml of the ConfigMap a pod spec's podwarden-config volume mounts. */
export function configTextOf(docs: readonly K8sObject[], spec: IPodSpec): string {
  const name = spec.volumes?.find((v) => v.name === 'podwarden-config')?.configMap?.name;
  const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === name) as IConfigMap | undefined;
  const text = configMap?.data?.['podwarden.yaml'];
  if (text === undefined) throw new Error(`no ConfigMap ${String(name)} with podwarden.yaml`);
  return text;
}

/**
 * The chart's rule (docs/helm.md, "The rule") for one wired pod spec, with the
 * ingress-nginx profile the component's config is for (propagation 8 s, margin 2 s,
 * the app's shutdown 5 s, podwarden's stop 2 s): the parts it breaks, empty when it
 * holds. The config is what podwarden loads, with the env its container gets.
 */
export async function timingRuleBreaks(docs: readonly K8sObject[], spec: IPodSpec, app: IContainer): Promise<string[]> {
  const config = await loadRenderedConfig(configTextOf(docs, spec), containerEnv(podwardenContainer(spec).container));
  const grace = graceSecondsOf(spec) * 1000;
  const { drainDelay } = config.shutdown;
  const { maxHold } = config.drain;
  // Counted at the kubelet's defaults where the probe or its fields are missing: the stricter reading.
  const detection = readinessDetectionSeconds(app.readinessProbe ?? {}) * 1000;
  // The rule in seconds, read back in whole milliseconds, as the config holds them.
  const ms = (seconds: number) => Math.round(seconds * 1000);
  const breaks: string[] = [];
  if (drainDelay < ms(minDrainDelaySeconds({ propagationSeconds: 8, readinessDetectionSeconds: detection / 1000, marginSeconds: 2 }))) {
    breaks.push(`drainDelay ${drainDelay}ms < propagation 8000ms + readiness detection ${detection}ms + margin 2000ms`);
  }
  if (grace < ms(minGraceSeconds({ drainDelaySeconds: drainDelay / 1000, shutdownSeconds: 5, stopSeconds: 2 }))) breaks.push(`grace ${grace}ms < drainDelay ${drainDelay}ms + app 5000ms + podwarden 2000ms`);
  if (maxHold < ms(minMaxHoldSeconds({ graceSeconds: grace / 1000, drainDelaySeconds: drainDelay / 1000 }))) breaks.push(`maxHold ${maxHold}ms < grace ${grace}ms - drainDelay ${drainDelay}ms`);
  return breaks;
}

/** Every YAML file under deploy/kustomize of the repository, as text: what the docs may quote. */
export function shippedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry)) files.set(path.relative(repoRoot, full), readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(repoRoot, 'deploy/kustomize'));
  return files;
}

/** The fenced blocks of one language in a markdown text. */
export function fencedBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
}

/** A section of a markdown file: from its heading to the next heading of the same level. */
export function markdownSection(file: string, heading: string): string {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const level = heading.split(' ')[0] ?? '##';
  const rest = text.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n${level} `));
  return end < 0 ? rest : rest.slice(0, end);
}
