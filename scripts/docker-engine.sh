#!/usr/bin/env bash
# Start or stop a private Docker engine for the container tests and `make image`.
#
#   scripts/docker-engine.sh start    start dockerd unless it already answers; prints its DOCKER_HOST
#   scripts/docker-engine.sh stop     stop the dockerd this script started (by its pidfile)
#   scripts/docker-engine.sh status   exit 0 when it answers
#   scripts/docker-engine.sh host     print its DOCKER_HOST
#   scripts/docker-engine.sh acquire ID   use the engine: DOCKER_HOST when it answers, else
#                                         the private one (started if needed); prints the
#                                         DOCKER_HOST to use, empty for the client's default
#   scripts/docker-engine.sh release ID   done with it: the private engine stops when the
#                                         last user that acquired it releases it, if an
#                                         acquire started it
#
# acquire/release let the test runner and each container test file share one
# engine: whoever comes first starts it, the last one out stops it; an engine
# that was already running is left alone. Leases of dead processes are ignored.
#
# The daemon has its own socket, --data-root, --exec-root and --pidfile under
# $PODWARDEN_DOCKER_DIR (default .cache/docker), so it never touches a system
# engine, and its image cache survives between runs. It shares the host's
# network namespace with no bridge and no iptables rules: containers run with
# `--network host`, builds with `--network host`.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${PODWARDEN_DOCKER_DIR:-$PWD/.cache/docker}"
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"
log="$dir/dockerd.log"
host="unix://$sock"

answers() { DOCKER_HOST="$host" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start() {
  if answers; then
    echo "$host"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || { echo "docker-engine.sh: dockerd not installed (run scripts/tools/docker.sh)" >&2; exit 1; }
  mkdir -p "$dir/data" "$dir/exec"
  # A daemon killed without cleanup leaves its pidfile and socket behind.
  if [ -s "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  rm -f "$sock"
  setsid dockerd \
    --host "$host" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$pidfile" \
    --bridge=none --iptables=false --ip6tables=false \
    --log-level=warn \
    >"$log" 2>&1 </dev/null 9>&- &
  local pid=$!
  for _ in $(seq 1 120); do
    if answers; then
      echo "$host"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "docker-engine.sh: dockerd did not come up; its log ($log):" >&2
  tail -n 30 "$log" >&2 || true
  kill "$pid" 2>/dev/null || true
  exit 1
}

stop() {
  [ -s "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "docker-engine.sh: dockerd $pid ignored SIGTERM for 30s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
  # dockerd leaves its bind mount of the network namespace (and, when killed,
  # container mounts) behind under its roots; unmount them, deepest first.
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done
}

leases="$dir/leases"
started_marker="$dir/started-by-acquire"

# Run "$@" holding the engine lock (acquire/release of other processes wait).
locked() {
  mkdir -p "$dir"
  exec 9>"$dir/lock"
  flock 9
  "$@"
}

acquire() { # id pid
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$host" ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo "$DOCKER_HOST"
    return 0
  fi
  if [ -z "${DOCKER_HOST:-}" ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo ""
    return 0
  fi
  mkdir -p "$leases"
  if ! answers; then
    start >/dev/null
    touch "$started_marker"
  fi
  echo "$2" >"$leases/$1"
  echo "$host"
}

release() { # id
  rm -f "$leases/$1"
  local lease
  for lease in "$leases"/*; do
    [ -e "$lease" ] || continue
    if kill -0 "$(cat "$lease")" 2>/dev/null; then return 0; fi
    rm -f "$lease"
  done
  if [ -e "$started_marker" ]; then
    stop
    rm -f "$started_marker"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  host) echo "$host" ;;
  acquire) locked acquire "${2:?usage: $0 acquire ID [PID]}" "${3:-$PPID}" ;;
  release) locked release "${2:?usage: $0 release ID}" ;;
  *) echo "usage: $0 start|stop|status|host|acquire ID [PID]|release ID" >&2; exit 2 ;;
esac
