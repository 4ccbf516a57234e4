import { dependencyLevels } from '../core/dependency-graph.js';
import { reservedServiceNames } from '../core/service-names.js';
import { isPodwardenError } from '../errors.js';
import { type ConfigProblem, closest, formatPath } from './format-issues.js';
import { showValue } from './schema-helpers.js';

/**
 * Problems across services, found on the raw (unvalidated) list so they are
 * reported together with every schema problem: duplicate and reserved names,
 * `dependsOn` naming an unknown service, and dependency cycles (with the
 * cycle's path, as the runner would print it).
 */
export function serviceGraphProblems(services: unknown): ConfigProblem[] {
  if (!Array.isArray(services)) return [];
  const problems: ConfigProblem[] = [];
  const indexOf = new Map<string, number>();
  services.forEach((entry: unknown, i) => {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const seen = indexOf.get(name);
    if (seen !== undefined) {
      problems.push({ path: formatPath(['services', i, 'name']), message: `${showValue(name)} is already used by services[${seen}]; names must be unique` });
    } else if (reservedServiceNames.includes(name)) {
      problems.push({ path: formatPath(['services', i, 'name']), message: `${showValue(name)} is reserved for podwarden's own checks; choose another name` });
    } else {
      indexOf.set(name, i);
    }
  });

  const graph = new Map<string, Set<string>>();
  for (const name of indexOf.keys()) graph.set(name, new Set());
  services.forEach((entry: unknown, i) => {
    const { name, dependsOn } = (entry ?? {}) as { name?: unknown; dependsOn?: unknown };
    if (typeof name !== 'string' || !Array.isArray(dependsOn)) return;
    dependsOn.forEach((dep: unknown, j) => {
      if (typeof dep !== 'string') return;
      if (indexOf.has(dep)) {
        if (indexOf.get(name) === i) graph.get(name)?.add(dep);
        return;
      }
      const guess = closest(dep, indexOf.keys());
      const names = [...indexOf.keys()];
      const known = names.length === 0 ? 'none' : `${names.slice(0, 20).map(shortName).join(', ')}${names.length > 20 ? ` and ${names.length - 20} more` : ''}`;
      problems.push({
        path: formatPath(['services', i, 'dependsOn', j]),
        message: `${showValue(dep)} is not a service in this config${guess ? ` (did you mean "${guess}"?)` : ''}; known services: ${known}`,
      });
    });
  });

  try {
    dependencyLevels(graph);
  } catch (err) {
    if (!isPodwardenError(err, 'PODWARDEN_ERR_DEPENDENCY_CYCLE')) throw err;
    const first = /cycle: ([^ ]+) →/.exec(err.message)?.[1];
    const at = first === undefined ? undefined : indexOf.get(first);
    problems.push({ path: at === undefined ? 'services' : formatPath(['services', at, 'dependsOn']), message: err.message });
  }
  return problems;
}

/** A service name as listed among the known ones: as written, or shortened when it is long (it is unvalidated text). */
function shortName(name: string): string {
  return name.length > 64 ? showValue(name) : name;
}
