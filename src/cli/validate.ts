import { configFileEnv } from '../config/env-overrides.js';
import { checkPackages } from '../config/check-packages.js';
import { type PathFindings, checkPaths } from '../config/check-paths.js';
import { formatProblem } from '../config/format-issues.js';
import { loadConfig } from '../config/load-config.js';
import { isPodwardenError, podwardenError } from '../errors.js';
import { errorText } from './io.js';

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
applied as \`podwarden serve\` would, and looks for the files it names
(modules, file checks, CA files, drain.tokenFile) and the packages its grpc
checks load on this machine. Prints "ok" and exits 0, or prints every problem
and exits 2; a file check's missing file is a warning. Without FILE,
validates $${configFileEnv}.
`;

/** Position of a finding's key in the config: its service's index; keys outside `services` come last. */
const configPosition = (key: string) => Number(/^services\[(\d+)\]/.exec(key)?.[1] ?? Infinity);

/** The findings of several looks at this machine, in config order. */
function merged(findings: readonly PathFindings[]): PathFindings {
  const byPosition = (a: string, b: string) => configPosition(a) - configPosition(b);
  return {
    problems: findings.flatMap((f) => f.problems).sort((a, b) => byPosition(a.path, b.path)),
    warnings: findings.flatMap((f) => f.warnings).sort((a, b) => byPosition(a.path, b.path)),
    checked: findings.flatMap((f) => f.checked).sort(byPosition),
  };
}

/** The file to validate; undefined when help is asked for. Wrong arguments are a `PODWARDEN_ERR_USAGE`. */
function fileArgument(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') return undefined;
    const value = arg === '--config' || arg === '-c' ? args[++i] : arg.startsWith('--config=') ? arg.slice('--config='.length) : arg.startsWith('-') ? null : arg;
    if (value === null) throw podwardenError('PODWARDEN_ERR_USAGE', `unknown option ${arg}`);
    if (value === undefined || value === '') throw podwardenError('PODWARDEN_ERR_USAGE', `${arg} needs a file`);
    if (file !== undefined) throw podwardenError('PODWARDEN_ERR_USAGE', 'give one config file');
    file = value;
  }
  file ??= env[configFileEnv] || undefined;
  if (file === undefined) throw podwardenError('PODWARDEN_ERR_USAGE', 'give a config file');
  return file;
}

/**
 * `podwarden validate FILE`: prints `ok` (exit 0) or every problem found, each
 * with its field path, secrets withheld (exit 2). Usage errors also exit 2.
 * Once the config is valid, the files it names and the packages its gRPC
 * checks load are looked for on this machine; a missing module, CA, explicit
 * token file or gRPC package is a problem, a file check's missing file a
 * warning, and the output names the keys so checked.
 */
export async function runValidate(args: readonly string[], streams: ValidateIo): Promise<number> {
  const io = { stdout: writer(streams.stdout), stderr: writer(streams.stderr), env: streams.env };
  let file;
  try {
    file = fileArgument(args, io.env);
  } catch (err) {
    if (!isPodwardenError(err, 'PODWARDEN_ERR_USAGE')) throw err;
    io.stderr(`podwarden validate: ${errorText(err)}${usage}`);
    return 2;
  }
  if (file === undefined) {
    io.stdout(usage);
    return 0;
  }
  let config;
  try {
    config = await loadConfig({ file, env: io.env });
  } catch (err) {
    if (isPodwardenError(err, 'PODWARDEN_ERR_CONFIG') || isPodwardenError(err, 'PODWARDEN_ERR_CONFIG_READ')) {
      io.stderr(errorText(err));
      return 2;
    }
    io.stderr(`podwarden validate: ${errorText(err)}`);
    return 1;
  }
  const { problems, warnings, checked } = merged(await Promise.all([checkPaths(config), checkPackages(config)]));
  for (const warning of warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
  const where = checked.length === 0 ? '' : `checked on this machine's filesystem: ${checked.join(', ')} — run validate inside the pod image for a definitive answer\n`;
  if (problems.length > 0) {
    io.stderr(`${errorText(podwardenError('PODWARDEN_ERR_CONFIG', ` in ${file}`, problems.map((p) => `  - ${formatProblem(p)}`).join('\n')))}${where}`);
    return 2;
  }
  io.stdout(`ok\n${where}`);
  return 0;
}
