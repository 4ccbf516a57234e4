import { readFile } from '../runtime/files.js';

/**
 * A CA bundle from a check's `tls.ca`: inline PEM, or a file path (already
 * absolute after config loading). Undefined when unset. Read once, when the
 * check starts; an unreadable file fails the service with a clear reason.
 */
export async function readCa(ca: string | undefined): Promise<Buffer | undefined> {
  if (ca === undefined) return undefined;
  if (ca.includes('-----BEGIN')) return Buffer.from(ca);
  try {
    return await readFile(ca);
  } catch (err) {
    throw new Error(`cannot read CA file ${ca}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}
