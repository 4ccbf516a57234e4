#!/usr/bin/env bash
# Build the podwarden image with BuildKit: `make image` and the container tests.
#
#   IMAGE   tag to build                  (default podwarden:latest)
#   BASE    local | upstream              local: scripts/base-images.sh makes the bases
#                                          (no registry pull); upstream: the Dockerfile's
#                                          defaults (node:24-bookworm-slim, distroless nodejs24)
#   DEPS    registry | context            registry: `npm ci` in the build stage (network host,
#                                          the machine CA as a BuildKit secret); context:
#                                          node_modules prepared outside in .cache/image-deps
#
# Uses the engine at DOCKER_HOST, or starts the private one (scripts/docker-engine.sh),
# which then keeps running for `docker run`; stop it with `scripts/docker-engine.sh stop`.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-podwarden:latest}"
BASE="${BASE:-local}"
DEPS="${DEPS:-registry}"

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  DOCKER_HOST="$(bash scripts/docker-engine.sh start)"
  export DOCKER_HOST
  echo "build-image.sh: started the private engine; use it with: export DOCKER_HOST=$DOCKER_HOST" >&2
fi

# A client that speaks BuildKit: one with the buildx plugin, else a client from
# before Docker 23 (BuildKit built in, DOCKER_BUILDKIT=1), such as Debian's docker.io.
docker_bk=()
if docker buildx version >/dev/null 2>&1; then
  docker_bk=(docker)
else
  for cli in $(type -ap docker) /usr/bin/docker; do
    [ -x "$cli" ] || continue
    major="$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1 || true)"
    if [ -n "$major" ] && [ "$major" -lt 23 ] 2>/dev/null; then
      docker_bk=(env DOCKER_BUILDKIT=1 "$cli")
      break
    fi
  done
fi
if [ "${#docker_bk[@]}" -eq 0 ]; then
  echo "build-image.sh: no Docker client with BuildKit (install the buildx plugin)" >&2
  exit 1
fi

args=(--network host --build-arg "DEPS=$DEPS" --label "org.opencontainers.image.version=$(node -p 'require("./package.json").version')")
case "$BASE" in
  local)
    bash scripts/base-images.sh
    args+=(--build-arg BUILD_IMAGE=podwarden-local/node-build:24 --build-arg RUNTIME_IMAGE=podwarden-local/node-runtime:24)
    ;;
  upstream) ;;
  *) echo "build-image.sh: BASE must be local or upstream" >&2; exit 2 ;;
esac
case "$DEPS" in
  registry)
    ca="${NODE_EXTRA_CA_CERTS:-}"
    if [ -n "$ca" ] && [ -s "$ca" ]; then args+=(--secret "id=npm_ca,src=$ca"); fi
    ;;
  context)
    deps=".cache/image-deps"
    mkdir -p "$deps"
    if ! cmp -s package-lock.json "$deps/package-lock.json" || [ ! -d "$deps/node_modules" ]; then
      cp package.json package-lock.json "$deps/"
      (cd "$deps" && npm ci --prefer-offline --ignore-scripts --no-audit --no-fund >/dev/null)
    fi
    ;;
  *) echo "build-image.sh: DEPS must be registry or context" >&2; exit 2 ;;
esac

# One build at a time from this tree (parallel test files share the result).
mkdir -p .cache
exec 8>.cache/build-image.lock
flock 8
before="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
"${docker_bk[@]}" build "${args[@]}" -t "$IMAGE" . >&2
# The image this build replaced is left untagged; drop it unless a container uses it.
now="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$before" ] && [ "$before" != "$now" ]; then docker rmi "$before" >/dev/null 2>&1 || true; fi
# On the private engine, keep BuildKit's cache from growing with every change to src/.
if [ "${DOCKER_HOST:-}" = "$(bash scripts/docker-engine.sh host)" ]; then
  "${docker_bk[@]}" builder prune --force --keep-storage 2GB >/dev/null 2>&1 || true
fi
echo "$IMAGE"
