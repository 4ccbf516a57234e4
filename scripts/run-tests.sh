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
rm -f .cache/vitest-results.json .cache/vitest-results-alone.json
status=0
run() { npx vitest run --reporter=default --reporter=json "$@" || status=$?; }
reports=(.cache/vitest-results.json)
if [ "$#" -gt 0 ]; then
  # The files or filters given, two files at a time (vitest.config.ts).
  run --outputFile.json=.cache/vitest-results.json "$@"
else
  # The rolling-update simulations run Kubernetes' timings on a clock scaled
  # x0.2, so a neighbour's CPU burst is five times as long to them; the short
  # soak's poller gives each probe kubelet's 1 s, which a neighbour's burst
  # can take. They run alone, one file at a time; everything else two files
  # at a time (vitest.config.ts).
  reports=(.cache/vitest-results-alone.json .cache/vitest-results.json)
  run --outputFile.json=.cache/vitest-results-alone.json --maxWorkers=1 test/e2e/rolling-update test/reliability/soak
  # Interrupted (Ctrl-C): vitest exits, and the rest of the suite should not start.
  [ "$status" -lt 128 ] || exit "$status"
  run --outputFile.json=.cache/vitest-results.json --exclude 'test/e2e/rolling-update*' --exclude 'test/reliability/soak*'
fi
# One plain closing line with the counts of every run.
node -e '
  const fs = require("fs");
  const files = process.argv.slice(1);
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) { console.log(`tests: no report in ${missing.join(", ")}: a vitest run ended before writing it`); process.exit(0); }
  const runs = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (key) => runs.reduce((n, r) => n + r[key], 0);
  const skipped = sum("numPendingTests") + sum("numTodoTests");
  console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "${reports[@]}" || true
exit "$status"
