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

  // Depth first without recursion: a long dependency chain must not overflow the stack.
  const dependenciesOf = (name: string) => (dependencies.get(name) ?? new Set<string>()).values();
  const level = new Map<string, number>();
  for (const root of dependencies.keys()) {
    if (level.has(root)) continue;
    const stack: Array<[string, Iterator<string>]> = [[root, dependenciesOf(root)]];
    while (stack.length > 0) {
      const [name, pending] = stack[stack.length - 1]!;
      const next = pending.next();
      if (!next.done) {
        if (!level.has(next.value)) stack.push([next.value, dependenciesOf(next.value)]);
        continue;
      }
      stack.pop();
      let deepest = -1;
      for (const dep of dependencies.get(name) ?? []) deepest = Math.max(deepest, level.get(dep) ?? 0);
      level.set(name, deepest + 1);
    }
  }
  const levels: string[][] = [];
  for (const name of dependencies.keys()) (levels[level.get(name) ?? 0] ??= []).push(name);
  return levels;
}

/** Depth-first search for a cycle, without recursion; returns its path with the first node repeated at the end. */
function findCycle(dependencies: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const dependenciesOf = (name: string) => (dependencies.get(name) ?? new Set<string>()).values();
  for (const root of dependencies.keys()) {
    if (done.has(root)) continue;
    const path = [root];
    const onPath = new Set(path);
    const pending = [dependenciesOf(root)];
    while (pending.length > 0) {
      const next = pending[pending.length - 1]!.next();
      if (next.done) {
        const name = path.pop()!;
        onPath.delete(name);
        done.add(name);
        pending.pop();
        continue;
      }
      const dep = next.value;
      if (onPath.has(dep)) return [...path.slice(path.indexOf(dep)), dep];
      if (done.has(dep)) continue;
      path.push(dep);
      onPath.add(dep);
      pending.push(dependenciesOf(dep));
    }
  }
  return undefined;
}
