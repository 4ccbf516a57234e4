import { configFileEnv } from '../config/env-overrides.js';
import { loadConfig } from '../config/load-config.js';
import { isPodwardenError } from '../errors.js';

/** An output: a function, or a stream-like object such as `process.stdout`. */
type Output = ((s: string) => void) | { write(s: string): unknown };

/** Where `podwarden validate` writes, and the environment it reads overrides from. */
export interface ValidateIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
}

const writer = (out: Output) => (s: string) => void (typeof out === 'function' ? out(s) : out.write(s));

const usage = `usage: podwarden validate [FILE | --config FILE]

Checks a podwarden config file, with the PODWARDEN_* environment overrides
applied as \`podwarden serve\` would. Prints "ok" and exits 0, or prints every
problem and exits 2. Without FILE, validates $${configFileEnv}.
`;

/**
 * `podwarden validate FILE`: prints `ok` (exit 0) or every problem found, each
 * with its field path, secrets withheld (exit 2). Usage errors also exit 2.
 */
export async function runValidate(args: readonly string[], streams: ValidateIo): Promise<number> {
  const io = { stdout: writer(streams.stdout), stderr: writer(streams.stderr), env: streams.env };
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') {
      io.stdout(usage);
      return 0;
    }
    const value = arg === '--config' || arg === '-c' ? args[++i] : arg.startsWith('--config=') ? arg.slice('--config='.length) : arg.startsWith('-') ? null : arg;
    if (value === null) {
      io.stderr(`podwarden validate: unknown option ${arg}\n${usage}`);
      return 2;
    }
    if (value === undefined || value === '' || file !== undefined) {
      io.stderr(`podwarden validate: ${value === undefined || value === '' ? `${arg} needs a file` : 'give one config file'}\n${usage}`);
      return 2;
    }
    file = value;
  }
  file ??= io.env[configFileEnv] || undefined;
  if (file === undefined) {
    io.stderr(`podwarden validate: give a config file\n${usage}`);
    return 2;
  }
  try {
    await loadConfig({ file, env: io.env });
  } catch (err) {
    if (isPodwardenError(err, 'PODWARDEN_ERR_CONFIG') || isPodwardenError(err, 'PODWARDEN_ERR_CONFIG_READ')) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    io.stderr(`podwarden validate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout('ok\n');
  return 0;
}
