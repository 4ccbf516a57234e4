import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { type ModuleImporter, setModuleImporter } from '../runtime/import-module.js';
import { runProcess } from './commands.js';
import './serve.js';

/**
 * The `podwarden` process as a V8 startup snapshot (docs/performance.md):
 * `scripts/bundle-cli.mjs` bundles this file into one CommonJS script,
 * `node --snapshot-blob podwarden.blob --build-snapshot dist/cli/snapshot.cjs`
 * evaluates it (every module `serve` loads: zod's config schema, pino,
 * prom-client), and `node --snapshot-blob podwarden.blob -- serve` starts
 * from that heap and runs the command line as `dist/cli/main.js` does. The
 * blob belongs to the Node binary that built it and to this dist/ folder.
 */

// Read when the snapshot is built.
const bundle = __filename;
const version = (JSON.parse(readFileSync(path.join(path.dirname(bundle), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * A script compiled into a snapshot has no `import()`: modules outside the
 * bundle (a module service's file, the grpc packages, resolved from dist/)
 * are imported through vm's default loader, made on first use.
 */
function snapshotImporter(): ModuleImporter {
  let importUrl: ((url: string) => Promise<unknown>) | undefined;
  const { resolve } = createRequire(bundle);
  return async (specifier) => {
    importUrl ??= new vm.Script('(url) => import(url)', { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER }).runInThisContext() as (url: string) => Promise<unknown>;
    return importUrl(specifier.startsWith('file:') ? specifier : pathToFileURL(resolve(specifier)).href);
  };
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  setModuleImporter(snapshotImporter());
  runProcess(process.argv.slice(1), () => version);
});
