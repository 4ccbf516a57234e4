import { expect } from 'vitest';
import { isPodwardenError } from '../../src/errors.js';

/**
 * The problem lines of a config refusal, each checked to name a place and say
 * something: `  - <path>: <words>`. Anything but a `PODWARDEN_ERR_CONFIG` is
 * thrown again, so it fails the test.
 */
export function refusalLines(err: unknown): string[] {
  if (!isPodwardenError(err, 'PODWARDEN_ERR_CONFIG')) throw err;
  const lines = err.message.split('\n');
  expect(lines[0]).toMatch(/^invalid config( in .*)?:$/);
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.length).toBeLessThanOrEqual(52);
  for (const line of lines.slice(1)) {
    expect(line).toMatch(/^ {2}- \S.*: \S.*\s\S/);
    expect(line).not.toMatch(/\[object Object\]|: undefined|function \(/);
    expect(line.length).toBeLessThan(2000);
  }
  return lines.slice(1);
}

/** Whether `loading` gave a config or a clear refusal; any other outcome fails the test. */
export async function outcome(loading: Promise<unknown>): Promise<'accepted' | 'refused'> {
  try {
    await loading;
    return 'accepted';
  } catch (err) {
    refusalLines(err);
    return 'refused';
  }
}

/** The problem lines of the clear refusal `loading` must end in; a config that is accepted fails the test, naming `what`. */
export async function refusal(loading: Promise<unknown>, what = 'the config'): Promise<string[]> {
  const settled = await loading.then(
    () => ({ accepted: true, err: undefined }),
    (err: unknown) => ({ accepted: false, err }),
  );
  expect(settled.accepted, `${what} was accepted; it must be refused`).toBe(false);
  return refusalLines(settled.err);
}
