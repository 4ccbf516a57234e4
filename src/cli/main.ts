#!/usr/bin/env -S node --max-semi-space-size=4
import { readFileSync } from 'node:fs';
import { runProcess } from './commands.js';

/** The `podwarden` bin; src/cli/snapshot-entry.ts is the same process started from a V8 startup snapshot. */
runProcess(process.argv.slice(2), () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
});
