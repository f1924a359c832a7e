# One entry point for building, testing, benchmarking and fuzzing hashgate.
# `make test` is what CI runs (through .ci/run).

GO          ?= go
FUZZTIME    ?= 20s
BENCHTIME   ?= 1s
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
DIST        := dist
ADDR        ?= 127.0.0.1:8080
# The module's budget: 750 KB brotli-compressed; the build fails above it.
WASM_MAX    ?= 750000
# The oblivious-capable module's (-tags oblivious: the VOPRF client for
# oblivious-mode releases, package oblivious/lite): 850 KB.
WASM_OBL_MAX ?= 850000
# go test's own default is 10 minutes per package binary; CI sets its bound
# here, so a hung test fails the run with a stack dump instead of hanging it.
TEST_TIMEOUT ?= 12m
# Where the reference vectors live (make vectors fetches them when absent).
SHARED      ?= ../shared

# The wasm checker and the browser layer join the build and the test run as
# soon as their folders exist.
HAVE_WASM := $(wildcard wasm/*.go)
HAVE_WEB  := $(wildcard web/package.json)
HAVE_NODE := $(shell command -v node 2>/dev/null)

.PHONY: all setup vectors build cli static wasm test lint openapi-lint unit wasm-test browser-test bench fuzz demo clean

all: build

## setup: install what a fresh Debian/Ubuntu machine lacks (apt packages, npm ci)
setup:
	.ci/setup

## vectors: fetch the reference vectors into $(SHARED)/testdata when absent
vectors:
	SHARED=$(SHARED) .ci/vectors

## build: the CLI and the .wasm checker into dist/
build: cli $(if $(HAVE_WASM),wasm)

# Before `make setup` has installed libjpeg-turbo's and libheif's headers, the
# CLI (and so `make demo`) builds with Go's own decoders instead and says so;
# `hashgate --version` names the decoders a binary has. Tests always use the
# C decoders (CI installs them).
HAVE_TJPEG := $(wildcard /usr/include/turbojpeg.h)
HAVE_HEIF  := $(wildcard /usr/include/libheif/heif.h /usr/include/*/libheif/heif.h)
CLI_TAGS   ?= $(if $(HAVE_TJPEG),$(if $(HAVE_HEIF),,noheif),purego)

cli:
	@mkdir -p $(DIST)
	$(if $(CLI_TAGS),@echo "cli: building with -tags $(CLI_TAGS): libjpeg-turbo or libheif headers are missing (make setup installs them)")
	$(GO) build -trimpath $(if $(CLI_TAGS),-tags $(CLI_TAGS)) -o $(DIST)/hashgate ./cmd/hashgate

## static: a static CLI without cgo (JPEG through Go's image/jpeg); `--version` says which
static:
	@mkdir -p $(DIST)
	CGO_ENABLED=0 $(GO) build -trimpath -tags purego -o $(DIST)/hashgate-static ./cmd/hashgate
	@$(DIST)/hashgate-static --version

# The checker module's build flags (wasm/wasmtest and web/test/demo-server.mjs
# build it the same way). -buildid= drops the build ID section, which a
# browser never reads and whose 80 random bytes move the brotli size by up
# to 1 KB from one source change to the next; release is compiled without
# inlining, as its code runs once a manifest (-2.6 KB brotli). RATIONALE.md.
WASM_BUILD = -trimpath -gcflags=github.com/hashgate/hashgate/release=-l -ldflags='-s -w -buildid=' -buildmode=c-shared

wasm:
	@mkdir -p $(DIST)
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_BUILD) -o $(DIST)/hashgate.wasm ./wasm
	@$(GO) run ./internal/cmd/wasmsize -max $(WASM_MAX) $(DIST)/hashgate.wasm
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_BUILD) -tags oblivious -o $(DIST)/hashgate-oblivious.wasm ./wasm
	@$(GO) run ./internal/cmd/wasmsize -max $(WASM_OBL_MAX) $(DIST)/hashgate-oblivious.wasm

## test: everything CI checks — lint, browser tests, the .wasm in wazero, Go unit tests (race)
test: lint $(if $(HAVE_NODE),openapi-lint) $(if $(HAVE_WEB),browser-test) unit

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt wants to rewrite:"; echo "$$fmt"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(if $(HAVE_WASM),GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasm)
	$(if $(HAVE_WASM),GOOS=wasip1 GOARCH=wasm $(GO) vet -tags oblivious ./wasm)
	$(GO) vet -tags oblivious ./wasm/internal/checker
	$(STATICCHECK) -tags oblivious ./wasm/internal/checker ./oblivious/...

# edge/openapi.json against Redocly's recommended-strict rules; `npm ci` in
# tools/openapi installs the pinned @redocly/cli (.ci/run does).
openapi-lint:
	@[ -d tools/openapi/node_modules ] || (cd tools/openapi && npm ci --no-audit --no-fund)
	cd tools/openapi && npm run --silent lint

# The Go tests that run the built module in wazero find it through HASHGATE_WASM.
# NORACE packages start no goroutines of their own (a sync.Pool at most), so
# the race detector finds nothing there, while it made their tests take
# 1288 s (bloom's statistical tests; 100 s without) and 1117 s
# (fingerprint's conformance over every reference image) at load average
# 19: they run without it. wasm/wasmtest (the built module in wazero, no
# goroutine and no t.Parallel of its own) took 114 s with it and 15 s
# without on a quiet machine, the race detector slowing wazero's compiler.
# Their subpackages (fingerprint/video's FFmpeg supervision, ...) keep
# -race.
NORACE ?= github.com/hashgate/hashgate/bloom github.com/hashgate/hashgate/fingerprint github.com/hashgate/hashgate/wasm/wasmtest
unit: $(if $(HAVE_WASM),wasm)
	HASHGATE_WASM=$(CURDIR)/$(DIST)/hashgate.wasm HASHGATE_WASM_OBLIVIOUS=$(CURDIR)/$(DIST)/hashgate-oblivious.wasm $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) \
	  $$($(GO) list ./... | grep -vxF $(foreach p,$(NORACE),-e $(p)))
	HASHGATE_WASM=$(CURDIR)/$(DIST)/hashgate.wasm HASHGATE_WASM_OBLIVIOUS=$(CURDIR)/$(DIST)/hashgate-oblivious.wasm $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(NORACE)
	cd deploy && $(GO) vet ./... && $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

browser-test: build
	cd web && npm test

## bench: every Go benchmark, then the bench/ scripts
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	cd bench/browser && npm ci --no-audit --no-fund && node run.mjs 11
	cd web && npm ci --no-audit --no-fund && node ../bench/browser/video.mjs 5

## fuzz: every fuzz target for FUZZTIME (default 20s) each, one after another
# `make fuzz FUZZTIME=5m` is the release bar (every target, 0 crashers). One
# target: go test -run '^$$' -fuzz '^FuzzX$$' -fuzztime 5m -fuzzminimizetime 1s ./pkg
# FUZZMINIMIZE caps how long a worker minimizes each new interesting input:
# Go's default (60s) made targets with kilobyte seeds and slow bodies
# (FuzzParseManifest, FuzzParseSignatures, FuzzDecryptList) spend their first
# tens of seconds minimizing instead of fuzzing. A crasher is still
# minimized for FUZZMINIMIZE. Crashers land in the package's
# testdata/fuzz/FuzzX/; commit them, as plain `go test` (and so `make test`
# in CI) runs every target on its seed corpus and those files.
FUZZMINIMIZE ?= 1s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; \
	  done; \
	done

## demo: build, then start an edge with a demo release and the web checker (ADDR=host:port)
demo:
	@echo "demo: [1/3] building the CLI (dist/hashgate)"
	@$(MAKE) --no-print-directory cli
	@echo "demo: [2/3] building the .wasm checker (dist/hashgate.wasm; the first build takes a minute or two)"
	@$(if $(HAVE_WASM),$(MAKE) --no-print-directory wasm)
	@echo "demo: [3/3] starting at http://$(ADDR)/ (another address: make demo ADDR=127.0.0.1:9090)"
	$(DIST)/hashgate demo --addr $(ADDR) --wasm $(DIST)/hashgate.wasm

clean:
	rm -rf $(DIST)
