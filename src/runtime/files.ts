/**
 * The file-system calls podwarden makes, taken from `process.getBuiltinModule`
 * instead of imported. On Node 24 an ES-module import of `node:fs` or
 * `node:fs/promises` evaluates every lazy export of `fs`, which loads
 * `fs/promises`, `readline` and the REPL's history: about 4 ms of every start,
 * for a few calls (docs/performance.md, "Built-ins loaded for nothing"). The
 * promise forms are Node's own callbacks through `util.promisify`.
 */
const fs = process.getBuiltinModule('node:fs');
const { promisify } = process.getBuiltinModule('node:util');

export const { readFileSync, existsSync, constants } = fs;
export const readFile = promisify(fs.readFile);
export const writeFile = promisify(fs.writeFile);
export const rename = promisify(fs.rename);
export const unlink = promisify(fs.unlink);
export const stat = promisify(fs.stat);
export const access = promisify(fs.access);
