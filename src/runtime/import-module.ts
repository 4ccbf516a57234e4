/** How a module outside podwarden's own code is imported. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

let importer: ModuleImporter = (specifier) => import(specifier);

/**
 * `import(specifier)` of a module that is not part of podwarden: a module
 * service's file (a `file:` URL), the grpc packages (bare names).
 */
export function importModule(specifier: string): Promise<unknown> {
  return importer(specifier);
}

/**
 * Replace how {@link importModule} imports: a process started from a V8
 * startup snapshot has no `import()` of its own (src/cli/snapshot-entry.ts).
 */
export function setModuleImporter(next: ModuleImporter): void {
  importer = next;
}
