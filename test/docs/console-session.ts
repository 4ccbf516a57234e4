/**
 * A ```console block read as a session: `$ command` lines (a trailing `\`
 * continues one onto the next line), each followed by the output it shows.
 * Shown output is matched line by line: a line that is only `...` or `…`
 * stands for any number of lines, and a line ending in `…` for any line that
 * starts with the text before it.
 */

export interface SessionStep {
  readonly command: string;
  /** The output the block shows for it; empty when it shows none. */
  readonly output: readonly string[];
}

/** The steps of a session; none when the block has no `$ ` line. */
export function sessionSteps(text: string): SessionStep[] {
  const steps: { command: string; output: string[] }[] = [];
  const lines = text.replace(/\n$/, '').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1)}\n${lines[(i += 1)] ?? ''}`;
      steps.push({ command, output: [] });
    } else {
      steps.at(-1)?.output.push(line);
    }
  }
  return steps;
}

const trimLines = (lines: readonly string[]): string[] => {
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 0 && out.at(-1) === '') out.pop();
  return out;
};

const isGap = (line: string): boolean => line === '...' || line === '…';

function lineMatches(expected: string, actual: string): boolean {
  if (expected.endsWith('…')) return actual.startsWith(expected.slice(0, -1));
  return expected === actual;
}

/** Whether `actual` output matches the `expected` lines a session shows. */
export function outputMatches(expected: readonly string[], actual: string): boolean {
  const want = trimLines(expected);
  const got = trimLines(actual.split('\n'));
  // matches[i][j]: want[i..] matches got[j..]
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === want.length) result = j === got.length;
    else if (isGap(want[i]!)) result = match(i + 1, j) || (j < got.length && match(i, j + 1));
    else result = j < got.length && lineMatches(want[i]!, got[j]!) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}
