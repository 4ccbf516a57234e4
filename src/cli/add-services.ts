import type { CheckResults } from '../checks/check-result.js';
import { createCheckService } from '../checks/create-check-service.js';
import type { Server, ServiceHandle } from '../core/server.js';
import type { PodwardenConfig } from '../config/schema.js';

/**
 * Add every configured service to `server`: build its check (or load its
 * module at start), register it with its `readyTimeout`, `stopTimeout`,
 * `restart` and `probes`, then wire `dependsOn`. Periodic checks report each
 * attempt to `results`. Call before `server.run()`.
 */
export function addConfiguredServices(server: Server, config: PodwardenConfig, results: CheckResults): void {
  const handles = new Map<string, ServiceHandle>();
  for (const spec of config.services) {
    const handle = server.addService(createCheckService(spec, results), {
      readyTimeout: spec.readyTimeout,
      stopTimeout: spec.stopTimeout,
      restart: spec.restart,
      maxRestarts: spec.maxRestarts,
      critical: spec.critical,
      probes: spec.probes,
    });
    handles.set(spec.name, handle);
  }
  for (const spec of config.services) {
    const handle = handles.get(spec.name);
    for (const dependency of spec.dependsOn) handle?.addDependency(handles.get(dependency) ?? dependency);
  }
}
