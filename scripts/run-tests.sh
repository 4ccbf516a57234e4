#!/usr/bin/env bash
# Run the whole test suite. Starts (and stops) the services the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

# Docker engine for test/container: the one DOCKER_HOST (or the client's
# default) reaches, else a private dockerd (scripts/docker-engine.sh), stopped
# again when the run ends, also on failure. Ryuk's image cannot be pulled, so
# the container tests stop their containers themselves.
# Without an engine the other tests still run; the container tests then fail, saying why.
engine_lease="run-tests-$$"
if engine_host="$(bash scripts/docker-engine.sh acquire "$engine_lease" $$)"; then
  trap 'bash scripts/docker-engine.sh release "$engine_lease"' EXIT
  if [ -n "$engine_host" ]; then export DOCKER_HOST="$engine_host"; fi
else
  echo "run-tests.sh: no Docker engine could be started; the container tests will fail" >&2
fi
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"

# The hostile-client suite holds a thousand idle connections open at once.
[ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-results.json "$@" || status=$?
# One plain closing line with the counts.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".cache/vitest-results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
