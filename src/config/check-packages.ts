import { grpcInstallCommand, missingGrpcPackages } from '../checks/grpc-packages.js';
import type { PathFindings } from './check-paths.js';
import type { PodwardenConfig } from './schema.js';

/**
 * Look for the optional packages a config's checks load, on this machine, as
 * `serve` would load them: `grpc` checks need `@grpc/grpc-js` and
 * `grpc-health-check`. Without them every gRPC check would fail; the problem
 * is reported once, at the first gRPC check, naming them all. Used by
 * `podwarden validate`.
 */
export async function checkPackages(config: PodwardenConfig): Promise<PathFindings> {
  const grpcChecks = config.services.flatMap((spec, i) => (spec.type === 'grpc' ? [{ key: `services[${i}].type`, name: spec.name }] : []));
  const first = grpcChecks[0];
  if (first === undefined) return { problems: [], warnings: [], checked: [] };
  let why: string | undefined;
  try {
    const missing = await missingGrpcPackages();
    if (missing.length > 0) why = `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed where podwarden runs on this machine`;
  } catch (err) {
    why = `the gRPC packages cannot be loaded on this machine (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  const checks = `${grpcChecks.length === 1 ? 'check' : 'checks'} ${grpcChecks.map((c) => `"${c.name}"`).join(', ')}`;
  const problems = why === undefined ? [] : [{ path: first.key, message: `grpc checks need optional packages: ${why}: serve would fail ${checks}; install them with: ${grpcInstallCommand}` }];
  return { problems, warnings: [], checked: [first.key] };
}
