#!/usr/bin/env bash
# Run the fast unit tests (no Docker, no helm) under another Node line:
# NODE_MAJOR (default 24, the line the container image ships). Extra arguments
# go to vitest instead of the default folders.
#
#   scripts/test-on-node.sh                       Node 24: test/core test/http test/config test/checks
#                                                 test/cli/pretenuring.test.ts (but test/config/examples.test.ts)
#   NODE_MAJOR=26 scripts/test-on-node.sh test/core
#
# The binary is the image's exact Node version (scripts/tools/node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR="${NODE_MAJOR:-24}"
node_bin="$(NODE_MAJOR="$NODE_MAJOR" bash scripts/tools/node.sh)"
bin="$(dirname "$node_bin")"
version="$("$node_bin" -p 'process.versions.node')"
# Children the tests start (process.execPath, `node`, npm's `#!/usr/bin/env node`) run on it too.
export PATH="$bin:$PATH"
[ "$(node -p 'process.versions.node')" = "$version" ] || { echo "test-on-node.sh: node $version did not start" >&2; exit 1; }

# test/config/examples.test.ts is left out: about 25 s of running the bundled CLI
# against real listeners, which the container tests do on the image's Node too.
[ "$#" -gt 0 ] || set -- test/core test/http test/config test/checks test/cli/pretenuring.test.ts --exclude test/config/examples.test.ts
results=".cache/vitest-node$NODE_MAJOR.json"
status=0
node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests on Node ${process.versions.node}: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" || true
exit "$status"
