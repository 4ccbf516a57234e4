#!/usr/bin/env -S node --max-semi-space-size=4
// The V8 flag (also in `npm start`, the image's ENTRYPOINT and its compile-cache warm-up): a 4 MiB young
// generation (docs/performance.md). `serve` turns off allocation-site pretenuring itself (runtime/pretenuring.ts).
import { isPodwardenError, podwardenError } from '../errors.js';
import { readFileSync } from '../runtime/files.js';
import { useImageCompileCache } from './compile-cache.js';
import { mainHelp } from './help.js';
import { type CliIo, errorText, exitCodes } from './io.js';

/**
 * The `podwarden` command: `serve`, `validate`, `probe`, `timeline`. Each command is loaded
 * only when it runs, so `probe` starts without fastify, pino or prom-client.
 */
async function main(args: readonly string[], io: CliIo & { exit(code: number): void }): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).runServe(rest, io);
    case 'probe':
      return (await import('./probe.js')).runProbe(rest, io);
    case 'validate':
      return (await import('./validate.js')).runValidate(rest, io);
    case 'timeline':
      return (await import('./timeline.js')).runTimeline(rest, { ...io, stdin: process.stdin, columns: process.stdout.columns });
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(mainHelp);
      return exitCodes.ok;
    case '-v':
    case '--version':
      io.stdout.write(`${version()}\n`);
      return exitCodes.ok;
    case undefined:
      io.stderr.write(mainHelp);
      return exitCodes.usage;
    default:
      throw podwardenError('PODWARDEN_ERR_USAGE', `unknown command ${JSON.stringify(command)}`);
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Before the command's chunk loads, so that it and what it imports come from the cache.
useImageCompileCache();
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, exit: (code: number) => process.exit(code) };
main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isPodwardenError(err, 'PODWARDEN_ERR_USAGE')) {
      process.stderr.write(`podwarden: ${errorText(err)}\n${mainHelp}`);
      process.exit(exitCodes.usage);
    }
    process.stderr.write(`podwarden: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(exitCodes.failure);
  },
);
