import { stat } from '../runtime/files.js';
import type { BackgroundService } from '../core/background-service.js';
import type { FileServiceSpec } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import type { CheckResults } from './check-result.js';
import { periodicCheck } from './periodic-check.js';

/** A `file` check: success when `path` exists and, with `maxAge`, was modified within it. */
export function fileCheck(spec: FileServiceSpec, results: CheckResults): BackgroundService {
  return periodicCheck({
    ...spec,
    results,
    setup: () => ({
      async attempt() {
        let mtimeMs: number;
        try {
          mtimeMs = (await stat(spec.path)).mtimeMs;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new Error(code === 'ENOENT' ? `${spec.path} does not exist` : `cannot stat ${spec.path}: ${code ?? 'error'}`, { cause: err });
        }
        if (spec.maxAge === undefined) return;
        const age = Date.now() - mtimeMs;
        if (age > spec.maxAge) {
          throw new Error(`${spec.path} is stale: modified ${Math.round(age / 1000)}s ago, maxAge ${formatDuration(spec.maxAge)}`);
        }
      },
    }),
  });
}
