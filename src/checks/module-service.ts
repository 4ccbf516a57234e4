import { pathToFileURL } from 'node:url';
import { type BackgroundService, runService, startMethodOf } from '../core/background-service.js';
import type { ModuleServiceSpec } from '../config/schema.js';
import { podwardenError } from '../errors.js';

/** A user's module export: a service, or a function that makes one from `options`. */
type ServiceExport = BackgroundService | ((options: Readonly<Record<string, unknown>>) => BackgroundService | Promise<BackgroundService>);

/** Import the module and produce the service it exports; every problem becomes a `PODWARDEN_ERR_MODULE_LOAD`. */
async function loadService(spec: ModuleServiceSpec): Promise<BackgroundService> {
  const loadError = (why: string) => podwardenError('PODWARDEN_ERR_MODULE_LOAD', spec.module, why);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(spec.module).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw loadError(e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(spec.module) ? 'no such file' : `${e.name}: ${e.message}`);
  }
  const exported = (mod.default ?? mod.service) as ServiceExport | undefined;
  if (exported === undefined) throw loadError('it has neither a default export nor an export named "service"');
  let service: unknown = exported;
  if (typeof exported === 'function') {
    try {
      service = await exported(spec.options);
    } catch (err) {
      throw loadError(`its exported function threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const method = startMethodOf(service);
  if (method === 'none') throw loadError('the export is not a BackgroundService (an object with start() or startWithReadyNotifier()) nor a function returning one');
  if (method === 'both') throw loadError('the service implements both start() and startWithReadyNotifier(); implement one');
  return service as BackgroundService;
}

/**
 * A `module` service: imports the user's ES module (path already resolved
 * against the config file) when the service starts, takes its default export
 * or its export `service` — a {@link BackgroundService}, or a function
 * `(options) => BackgroundService` — and runs it under the configured name. A
 * module that cannot be loaded makes the service `failed` with the reason.
 */
export function moduleService(spec: ModuleServiceSpec): BackgroundService {
  return {
    name: spec.name,
    async startWithReadyNotifier(shutdown, ready) {
      const service = await loadService(spec);
      await runService(service, shutdown, ready);
    },
  };
}
