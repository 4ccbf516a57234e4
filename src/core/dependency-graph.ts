import { podwardenError } from '../errors.js';

/**
 * Check that every dependency names a known node and that there is no cycle;
 * return the nodes in levels: level 0 depends on nothing, level n only on
 * levels below n. Throws with the cycle's path, e.g. `a → b → a`.
 */
export function dependencyLevels(dependencies: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  for (const [name, deps] of dependencies) {
    for (const dep of deps) {
      if (!dependencies.has(dep)) throw podwardenError('PODWARDEN_ERR_UNKNOWN_DEPENDENCY', name, dep);
    }
  }
  const cycle = findCycle(dependencies);
  if (cycle) throw podwardenError('PODWARDEN_ERR_DEPENDENCY_CYCLE', cycle.join(' → '));

  const level = new Map<string, number>();
  const levelOf = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    let deepest = -1;
    for (const dep of dependencies.get(name) ?? []) deepest = Math.max(deepest, levelOf(dep));
    level.set(name, deepest + 1);
    return deepest + 1;
  };
  const levels: string[][] = [];
  for (const name of dependencies.keys()) {
    const l = levelOf(name);
    (levels[l] ??= []).push(name);
  }
  return levels;
}

/** Depth-first search for a cycle; returns its path with the first node repeated at the end. */
function findCycle(dependencies: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const at = onPath.indexOf(name);
    if (at !== -1) return [...onPath.slice(at), name];
    if (done.has(name)) return undefined;
    onPath.push(name);
    for (const dep of dependencies.get(name) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(name);
    return undefined;
  };
  for (const name of dependencies.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}
