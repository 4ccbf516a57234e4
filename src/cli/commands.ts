import { isPodwardenError, podwardenError } from '../errors.js';
import { mainHelp } from './help.js';
import { type CliIo, errorText, exitCodes } from './io.js';

/** What the `podwarden` process runs its commands with. */
export interface ProcessIo extends CliIo {
  exit(code: number): void;
  /** The package version, for `--version`. */
  version(): string;
}

/**
 * The `podwarden` command: `serve`, `validate`, `probe`, `timeline`. Each command is loaded
 * only when it runs, so `probe` starts without pino or prom-client.
 */
export async function runCommand(args: readonly string[], io: ProcessIo): Promise<number> {
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
      io.stdout.write(`${io.version()}\n`);
      return exitCodes.ok;
    case undefined:
      io.stderr.write(mainHelp);
      return exitCodes.usage;
    default:
      throw podwardenError('PODWARDEN_ERR_USAGE', `unknown command ${JSON.stringify(command)}`);
  }
}

/**
 * Run `args` as the `podwarden` process and exit with the command's code: a
 * usage error prints the help (exit 2), any other error its stack (exit 1).
 */
export function runProcess(args: readonly string[], version: () => string): void {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, exit: (code: number) => process.exit(code), version };
  runCommand(args, io).then(
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
}
