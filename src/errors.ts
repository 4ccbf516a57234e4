/**
 * Every error podwarden throws, in one place. Each has a stable `code`
 * (`PODWARDEN_ERR_*`) that callers can match on; each code is documented in
 * `docs/errors.md`, and a test fails when one is not.
 */

/** Message templates, keyed by code. `%s` placeholders are filled in order. */
const messages = {
  PODWARDEN_ERR_INVALID_SERVICE: 'invalid service %s: %s',
  PODWARDEN_ERR_DUPLICATE_SERVICE: 'a service named "%s" is already registered; service names must be unique',
  PODWARDEN_ERR_INVALID_OPTION: 'invalid option %s: %s',
  PODWARDEN_ERR_UNKNOWN_DEPENDENCY: 'service "%s" depends on "%s", which is not registered; add it with server.addService() or remove the dependency',
  PODWARDEN_ERR_DEPENDENCY_CYCLE: 'dependency cycle: %s; break the cycle by removing one of these dependencies',
  PODWARDEN_ERR_ALREADY_RUNNING: 'server.run() was already called; a Server runs once',
  PODWARDEN_ERR_NOT_RUNNING: 'the server is not running: %s',
  PODWARDEN_ERR_LISTEN: 'cannot listen on %s: %s',
  PODWARDEN_ERR_CONFIG: 'invalid config%s:\n%s',
  PODWARDEN_ERR_CONFIG_READ: 'cannot read config file %s: %s',
  PODWARDEN_ERR_USAGE: '%s',
  PODWARDEN_ERR_MODULE_LOAD: 'cannot load module %s: %s',
  PODWARDEN_ERR_MISSING_PACKAGE: '%s needs %s, which podwarden cannot find (optional dependencies, installed only where needed); install with: %s',
} as const;

/** The union of every error code podwarden uses. */
export type PodwardenErrorCode = keyof typeof messages;

/** All error codes, for documentation and tests. */
export const errorCodes = Object.keys(messages) as PodwardenErrorCode[];

/** An error raised by podwarden, with a stable machine-readable `code`. */
export class PodwardenError extends Error {
  /** Stable identifier of the error kind, e.g. `PODWARDEN_ERR_DEPENDENCY_CYCLE`. */
  readonly code: PodwardenErrorCode;

  constructor(code: PodwardenErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PodwardenError';
    this.code = code;
  }
}

/** Build a {@link PodwardenError} from its code and the template's arguments. */
export function podwardenError(code: PodwardenErrorCode, ...args: Array<string | number>): PodwardenError {
  let i = 0;
  const message = messages[code].replace(/%s/g, () => String(args[i++] ?? ''));
  return new PodwardenError(code, message);
}

/** True when `err` is a {@link PodwardenError}, optionally of the given code. */
export function isPodwardenError(err: unknown, code?: PodwardenErrorCode): err is PodwardenError {
  return err instanceof PodwardenError && (code === undefined || err.code === code);
}
