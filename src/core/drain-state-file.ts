import { readFileSync, rename, unlink, writeFile } from '../runtime/files.js';

/** A drain as recorded in `drain.stateFile`. Times are wall-clock (Unix epoch ms): they must mean something to the next process. */
export interface DrainRecord {
  readonly state: 'draining' | 'drained';
  /** Who started it (`http`, `api`). */
  readonly source: string;
  readonly startedAt: number;
  /** When the drain delay passed; `undefined` while draining. */
  readonly completedAt: number | undefined;
}

/** What {@link readDrainRecord} found. */
export type DrainRecordRead = { readonly kind: 'none' } | { readonly kind: 'found'; readonly record: DrainRecord } | { readonly kind: 'unreadable'; readonly reason: string };

const formatVersion = 1;

/**
 * Read the recorded drain, synchronously: it runs once, before the first
 * probe can be answered, so the first answer already knows. A missing file is
 * `none`; anything else that is not a record this version wrote is `unreadable`.
 */
export function readDrainRecord(file: string): DrainRecordRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', reason: `cannot read it (${code ?? 'error'})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: 'it is not JSON' };
  }
  const v = value as Partial<Record<'version' | 'state' | 'source' | 'startedAt' | 'completedAt', unknown>> | null;
  const time = (t: unknown): t is number => typeof t === 'number' && Number.isFinite(t) && t > 0;
  if (
    typeof v !== 'object' ||
    v === null ||
    v.version !== formatVersion ||
    (v.state !== 'draining' && v.state !== 'drained') ||
    typeof v.source !== 'string' ||
    v.source.length > 64 ||
    !time(v.startedAt) ||
    (v.state === 'drained' ? !time(v.completedAt) : v.completedAt !== undefined && v.completedAt !== null)
  ) {
    return { kind: 'unreadable', reason: 'it is not a drain record of this podwarden version' };
  }
  return { kind: 'found', record: { state: v.state, source: v.source, startedAt: v.startedAt, completedAt: v.state === 'drained' ? (v.completedAt as number) : undefined } };
}

/**
 * Writes and removes the drain record. Writes are atomic (a temporary file,
 * then `rename`), so a process killed mid-write leaves the old record or the
 * new one, never half of one. Operations run one after another in call order.
 * A failure is reported to `onError` and otherwise ignored: a drain must
 * never fail because its record could not be kept.
 */
export class DrainStateFile {
  readonly #temp: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onError: (detail: string) => void,
  ) {
    // One fixed name: a process killed between write and rename leaves a temporary file the next one overwrites.
    this.#temp = `${file}.tmp`;
  }

  /** Record `record`, replacing what was there. */
  save(record: DrainRecord): void {
    const text = `${JSON.stringify({ version: formatVersion, state: record.state, source: record.source, startedAt: record.startedAt, completedAt: record.completedAt ?? null })}\n`;
    this.#enqueue(async () => {
      try {
        await writeFile(this.#temp, text, { mode: 0o600 });
        await rename(this.#temp, this.file);
      } catch (err) {
        await unlink(this.#temp).catch(() => undefined);
        this.onError(`cannot write ${this.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    });
  }

  /** Remove the record (a missing file is fine). */
  remove(): void {
    this.#enqueue(async () => {
      try {
        await unlink(this.file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') this.onError(`cannot remove ${this.file}: ${code ?? String(err)}`);
      }
    });
  }

  /** Resolves once every operation asked for so far has finished. */
  settled(): Promise<void> {
    return this.#queue;
  }

  #enqueue(operation: () => Promise<void>): void {
    this.#queue = this.#queue.then(operation).catch(() => undefined);
  }
}
