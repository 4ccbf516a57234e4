#!/usr/bin/env bash
# Run a command while another process keeps one core busy (a spinning loop at
# normal priority), as a neighbour on a shared machine would; the loop stops
# when the command ends, also on failure or interrupt. Exit status: the command's.
#
#   scripts/with-busy-core.sh COMMAND [ARG…]
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: scripts/with-busy-core.sh COMMAND [ARG…]" >&2; exit 2; }
node -e 'for (;;) {}' &
spinner=$!
trap 'kill "$spinner" 2>/dev/null || true' EXIT
echo "with-busy-core.sh: pid $spinner keeps one core busy" >&2
"$@"
