// Module hooks (run off the main thread): note each ES module's URL and size.
import { appendFileSync } from 'node:fs';

let out;
export function initialize(data) {
  out = data.out;
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (out && result.format !== 'builtin' && result.format !== 'commonjs' && result.source) {
    appendFileSync(out, `${result.source.length} esm:${url}\n`);
  }
  return result;
}
