#!/usr/bin/env bash
# Start or stop a private Docker engine for the container tests and `make image`.
#
#   scripts/docker-engine.sh start    start dockerd unless it already answers; prints its DOCKER_HOST
#   scripts/docker-engine.sh stop     stop the dockerd this script started (by its pidfile)
#   scripts/docker-engine.sh status   exit 0 when it answers
#   scripts/docker-engine.sh host     print its DOCKER_HOST
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
    >"$log" 2>&1 </dev/null &
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
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  host) echo "$host" ;;
  *) echo "usage: $0 start|stop|status|host" >&2; exit 2 ;;
esac
