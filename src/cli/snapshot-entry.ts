import { readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { runProcess } from './commands.js';
import './serve.js';

/**
 * The `podwarden` process as a V8 startup snapshot (docs/performance.md):
 * `scripts/bundle-cli.mjs` bundles this file into one CommonJS script,
 * `node --snapshot-blob podwarden.blob --build-snapshot dist/cli/snapshot.cjs`
 * evaluates it (every module `serve` loads, so zod's config schema, pino and
 * prom-client are built then), and `node --snapshot-blob podwarden.blob serve`
 * starts from that heap and runs the command line like `dist/cli/main.js`.
 */

// Read once, when the snapshot is built: the blob is made for one install.
const version = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

v8.startupSnapshot.setDeserializeMainFunction(() => {
  runProcess(process.argv.slice(1), () => version);
});
