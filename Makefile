# Lingxi — build, test, run and benchmark. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
# Lambda: provided.al2023 on arm64, a static bootstrap without the RPC shim.
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'
TEST_FLAGS ?= -timeout 20m

.PHONY: help build test vet deps emulators web screenshots run bench clean edge-image-binary

help:
	@echo "make run     - bring the whole product up on this machine (local stack)"
	@echo "make test    - vet and run every test against the AWS API emulators"
	@echo "make build   - cross-compile every function to build/<name>/bootstrap (linux/arm64)"
	@echo "make bench   - benchmarks, peers side by side; writes BENCH.md"
	@echo "make web     - install the console's npm packages (web/package-lock.json) and build web/dist"
	@echo "make screenshots - run the browser tests and keep their screenshots in docs/"
	@echo "make edge-image-binary - the media edge's static linux/arm64 binary, as its Dockerfile builds it"

build: $(FUNCTIONS:%=build/%/bootstrap)

build/%/bootstrap: FORCE
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $@ ./functions/$*

FORCE:

# The binary infra/media-edge/Dockerfile builds (static, linux/arm64), without Docker: what the
# image would run. Needs the edge's main package (media-edge/main.go).
EDGE_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
edge-image-binary:
	@if ! ls media-edge/*.go >/dev/null 2>&1; then echo "media-edge/ has no main package yet: nothing to build" >&2; exit 1; fi
	$(EDGE_ENV) $(GO) build -trimpath -ldflags='-s -w' -o build/media-edge/media-edge ./media-edge

# Debian packages the tests run for real (SIP peers, speech engines, curl/openssl); once per machine.
deps:
	bash infra/deps/install.sh

emulators:
	cd infra/emulators && { [ -d node_modules/dynalite ] || npm ci --no-audit --no-fund --loglevel=error; }

vet:
	$(GO) vet ./...

# The console and the chat widget (web/): npm packages pinned by web/package-lock.json, built by
# esbuild into web/dist, which the local stack serves at /console/ and /widget/.
web:
	cd web && { [ -d node_modules/esbuild ] && [ -d node_modules/preact ] && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error; } && node build.mjs

# The browser tests (infra/console) with their screenshots of the desktop and the wallboard kept in docs/.
screenshots: deps emulators web
	SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run TestConsole ./infra/console

# One set of emulators serves the whole run; tests that find them through AWS_ENDPOINT_URL_* reuse them.
test: deps emulators web vet
	$(GO) run ./infra/cmd/emulators -- $(GO) test $(TEST_FLAGS) ./...

# The whole product on this machine. CLEAN=1 deletes the state folder (.devstack) first.
run: deps emulators web
	$(GO) run ./infra/cmd/run $(if $(CLEAN),-clean)

# NLU: 5 stratified folds of BANKING77 and CLINC150, ours vs fastText and scikit-learn (installed by
# infra/bench/install-peers.sh), AFQMC question matching vs scikit-learn and BM25, plus
# BenchmarkPredict150, the rate limiter's cost, the spike test through the local stack
# (docs/limits.md) and the media edge (calls per core, SIPp call setup, voice-turn latency, VAD on
# FSDD vs Silero), forecasting of the two bank datasets vs R's forecast (stlm-ETS, TBATS) and
# prophet and Erlang C/A vs a reference in R; writes BENCH.md (~30 min on 2 cores). FOLDS=2 for a
# quicker run; DATA=DIR names the datasets folder; `go run ./infra/bench -only
# spike|afqmc|edge|human|forecast|dispatch` runs one part alone (dispatch: the engine in simulation
# on bank-day spikes, ~1 min).
bench:
	$(GO) run ./infra/bench $(if $(FOLDS),-folds $(FOLDS)) $(if $(DATA),-data $(DATA))

clean:
	rm -rf build .devstack web/dist
