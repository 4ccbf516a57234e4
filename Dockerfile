# podwarden container image.
#
# Needs BuildKit (the default builder since Docker 23; DOCKER_BUILDKIT=1 on 20.10).
# Base images are build arguments, so the image also builds from locally made
# bases where no image registry is reachable (see docs/container.md):
#
#   docker build -t podwarden .
#   docker build --build-arg BUILD_IMAGE=… --build-arg RUNTIME_IMAGE=… -t podwarden .
#
# Dependencies come from the npm registry (DEPS=registry, the default: `npm ci`
# in the build stage; pass a private CA with `--secret id=npm_ca,src=FILE`) or
# from node_modules prepared outside in .cache/image-deps (DEPS=context).

ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot
ARG DEPS=registry

FROM ${BUILD_IMAGE} AS base
# tini reaps the processes that exec checks leave behind; the statically linked
# build runs in an image without libc or a package manager.
RUN if [ ! -x /usr/bin/tini-static ]; then \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /build
COPY package.json package-lock.json ./

FROM base AS deps-registry
RUN --mount=type=secret,id=npm_ca --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund

FROM base AS deps-context
COPY .cache/image-deps/node_modules ./node_modules

FROM deps-${DEPS} AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-cli.mjs scripts/image-dependencies.mjs ./scripts/
# Production dependencies only, plus the gRPC packages: optional peer
# dependencies of the npm package, always in the image (scripts/image-dependencies.mjs).
RUN npm run build \
 && find dist -name '*.d.ts' -delete \
 && node scripts/image-dependencies.mjs \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.[cm]ts' -o -iname '*.md' \) -delete \
 && test -f dist/cli/main.js \
 && mkdir compile-cache

# Node's compile cache, so that no container compiles what the image's build
# already did (docs/container.md). Node keys the cache by its version, V8 flags
# and uid and ignores a cache made by another, so it is written here, by the
# runtime image's own Node, as the runtime uid, from the /app layout the image has.
# Exec form: the runtime image has no shell.
FROM ${RUNTIME_IMAGE} AS compile-cache
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY --from=build --chown=65532:65532 /build/compile-cache ./compile-cache
COPY scripts/warm-compile-cache.mjs /tmp/warm-compile-cache.mjs
USER 65532:65532
RUN ["/nodejs/bin/node", "/tmp/warm-compile-cache.mjs", "/app/dist/cli/main.js", "/app/compile-cache", "--max-semi-space-size=4"]

FROM ${RUNTIME_IMAGE}
COPY --from=base /usr/bin/tini-static /usr/local/bin/tini
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# Read-only to the process, like the rest of /app: the CLI only reads it.
COPY --from=compile-cache --chown=0:0 /app/compile-cache ./compile-cache
ENV NODE_ENV=production
USER 65532:65532
EXPOSE 7654
# No shell in the image: exec form, and podwarden probes itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/dist/cli/main.js", "probe", "readyz"]
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps orphans.
# A 4 MiB young generation: RSS after probe load stays lower than with the default, at the same CPU per request;
# `serve` turns off allocation-site pretenuring itself, before its services start: as a flag here it would make every Node built-in compile from source.
ENTRYPOINT ["/usr/local/bin/tini", "--", "/nodejs/bin/node", "--max-semi-space-size=4", "/app/dist/cli/main.js"]
CMD ["serve"]
