import type * as Grpc from '@grpc/grpc-js';
import type * as GrpcHealth from 'grpc-health-check';
import { podwardenError } from '../errors.js';

/**
 * The packages a `grpc` check loads. They are optional peer dependencies of
 * podwarden, so a user without gRPC checks does not install them; the
 * container image carries them.
 */
export const grpcPackages = ['@grpc/grpc-js', 'grpc-health-check'] as const;

/** The command that installs {@link grpcPackages} next to podwarden. */
export const grpcInstallCommand = `npm install ${grpcPackages.join(' ')}`;

/** The two modules a gRPC check uses. */
export interface GrpcModules {
  readonly grpc: typeof Grpc;
  readonly health: typeof GrpcHealth;
}

/** True when `err` says that `name` itself (not something it requires) cannot be found. */
function isMissing(err: unknown, name: string): boolean {
  const { code, message } = err as NodeJS.ErrnoException;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`);
}

/** Import both packages; `missing` names those not installed. Any other load error is thrown. */
async function importGrpc(): Promise<{ modules: GrpcModules; missing: [] } | { modules: undefined; missing: string[] }> {
  const [grpc, health] = await Promise.allSettled([import('@grpc/grpc-js'), import('grpc-health-check')]);
  if (grpc.status === 'fulfilled' && health.status === 'fulfilled') return { modules: { grpc: grpc.value, health: health.value }, missing: [] };
  const missing: string[] = [];
  for (const [i, result] of [grpc, health].entries()) {
    if (result.status === 'fulfilled') continue;
    const name = grpcPackages[i] as string;
    if (!isMissing(result.reason, name)) throw result.reason;
    missing.push(name);
  }
  return { modules: undefined, missing };
}

/**
 * Import `@grpc/grpc-js` and `grpc-health-check`. When either is not
 * installed where podwarden resolves packages, throws a
 * `PODWARDEN_ERR_MISSING_PACKAGE` naming `user` (such as `a grpc check`),
 * the missing packages and the install command.
 */
export async function loadGrpcModules(user: string): Promise<GrpcModules> {
  const { modules, missing } = await importGrpc();
  if (modules === undefined) throw podwardenError('PODWARDEN_ERR_MISSING_PACKAGE', user, missing.join(' and '), grpcInstallCommand);
  return modules;
}

/** The gRPC packages that are not installed where podwarden resolves packages (loading those that are). */
export async function missingGrpcPackages(): Promise<string[]> {
  return (await importGrpc()).missing;
}
