import type { Stats } from 'node:fs';

/**
 * The file-system calls podwarden makes, taken from `process.getBuiltinModule`
 * instead of imported. On Node 24 an ES-module import of `node:fs` or
 * `node:fs/promises` evaluates every lazy export of `fs`, which loads
 * `fs/promises`, `readline` and the REPL's history: about 4 ms of every start,
 * for a few calls (docs/performance.md, "Built-ins loaded for nothing").
 */
const fs = process.getBuiltinModule('node:fs');

export const { readFileSync, existsSync, constants } = fs;

/** Settle a promise from a Node callback. */
function settle<T>(resolve: (value: T) => void, reject: (err: Error) => void): (err: Error | null, value: T) => void {
  return (err, value) => (err ? reject(err) : resolve(value));
}

/** The file's bytes. */
export function readFile(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => fs.readFile(file, settle(resolve, reject)));
}

/** The file as UTF-8 text. */
export function readTextFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => fs.readFile(file, 'utf8', settle(resolve, reject)));
}

/** Write `text` to `file` (created with `mode`, replaced if it exists). */
export function writeTextFile(file: string, text: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => fs.writeFile(file, text, { mode }, (err) => (err ? reject(err) : resolve())));
}

export function rename(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => fs.rename(from, to, (err) => (err ? reject(err) : resolve())));
}

export function unlink(file: string): Promise<void> {
  return new Promise((resolve, reject) => fs.unlink(file, (err) => (err ? reject(err) : resolve())));
}

export function stat(file: string): Promise<Stats> {
  return new Promise((resolve, reject) => fs.stat(file, settle(resolve, reject)));
}

/** Resolves when `file` is accessible in `mode` (`constants.R_OK`, …). */
export function access(file: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => fs.access(file, mode, (err) => (err ? reject(err) : resolve())));
}
