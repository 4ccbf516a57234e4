/**
 * ```yaml blocks: Kubernetes objects (every document has `apiVersion` and
 * `kind`) are validated against the Kubernetes schemas, unknown fields
 * included; a podwarden config (a mapping of podwarden's top-level keys) is
 * checked by `podwarden validate`, the built CLI, in a folder of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { type K8sObject, repoRoot, validateObject } from '../chart/support.js';
import { cleanEnv } from '../helpers/child.js';
import { markHint } from './block-plan.js';
import type { CodeBlock } from './markdown-blocks.js';
import { Job } from './process-group.js';

const validateTimeoutMs = 30_000;
const configKeys = new Set(Object.keys(configSchema.shape));

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Check a YAML block; resolves with what it was ('Kubernetes objects' or 'podwarden configs'), rejects with what is wrong. */
export async function checkYaml(block: CodeBlock): Promise<'Kubernetes objects' | 'podwarden configs'> {
  const where = `${block.file}:${block.line}`;
  const parsed = parseAllDocuments(block.text);
  const errors = parsed.flatMap((doc) => doc.errors.map((e) => e.message));
  if (errors.length > 0) throw new Error(`${where}: not valid YAML: ${errors.join('; ')}\n${markHint(block)}`);
  const docs: unknown[] = parsed.map((doc) => doc.toJS() as unknown).filter((doc) => doc !== null && doc !== undefined);

  if (docs.length > 0 && docs.every((doc) => isMapping(doc) && 'apiVersion' in doc && 'kind' in doc)) {
    for (const doc of docs as K8sObject[]) {
      try {
        validateObject(doc);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}\n${markHint(block)}`, { cause: error });
      }
    }
    return 'Kubernetes objects';
  }

  const [config] = docs;
  if (docs.length === 1 && isMapping(config) && Object.keys(config).every((key) => configKeys.has(key))) {
    const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-docs-config-'));
    try {
      writeFileSync(path.join(dir, 'podwarden.yaml'), block.text);
      const validate = new Job(process.execPath, [path.join(repoRoot, 'dist/cli/main.js'), 'validate', 'podwarden.yaml'], { cwd: dir, env: cleanEnv() });
      const exit = await validate.waitExit(validateTimeoutMs, `${where}: podwarden validate`);
      if (exit.code !== 0) throw new Error(`${where}: \`podwarden validate\` exited with ${exit.code ?? exit.signal}:\n${validate.output}\n${markHint(block)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return 'podwarden configs';
  }

  throw new Error(
    `${where}: neither Kubernetes objects (apiVersion and kind) nor a podwarden config (keys among ${[...configKeys].join(', ')})\n${markHint(block)}`,
  );
}
