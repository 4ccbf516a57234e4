import { type BackgroundService, runService } from '../core/background-service.js';
import type { ServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';

/**
 * Build the {@link BackgroundService} for one configured service; periodic
 * checks report to `results`. Each check type's module (and the Node
 * built-ins it needs: `https`, `child_process`, `dns`, grpc) is imported when
 * a service of that type first starts, so a config without, say, exec checks
 * never loads `child_process`.
 */
export function createCheckService(spec: ServiceSpec, results: CheckResults): BackgroundService {
  let built: Promise<BackgroundService> | undefined;
  return {
    name: spec.name,
    async startWithReadyNotifier(shutdown, ready) {
      await runService(await (built ??= build(spec, results)), shutdown, ready);
    },
  };
}

async function build(spec: ServiceSpec, results: CheckResults): Promise<BackgroundService> {
  switch (spec.type) {
    case 'http':
      return (await import('./http-check.js')).httpCheck(spec, results);
    case 'tcp':
      return (await import('./tcp-check.js')).tcpCheck(spec, results);
    case 'grpc':
      return (await import('./grpc-check.js')).grpcCheck(spec, results);
    case 'exec':
      return (await import('./exec-check.js')).execCheck(spec, results);
    case 'file':
      return (await import('./file-check.js')).fileCheck(spec, results);
    case 'dns':
      return (await import('./dns-check.js')).dnsCheck(spec, results);
    case 'module':
      return (await import('./module-service.js')).moduleService(spec);
  }
}
