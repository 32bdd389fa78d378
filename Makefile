# Skirmish — the two commands a newcomer needs are `make run` and `make test`.
# Everything else is here so hosts and CI do the same thing the same way.

GO       ?= go
NPM      ?= npm
BIN      := bin/skirmish
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
CLIENT_SRC := $(shell find client/src -name '*.ts' -o -name '*.css' 2>/dev/null) client/index.html client/style.css client/dashboard.html client/build.mjs client/tsconfig.json
GO_PKGS  := ./...
# A fuzz target's budget for `make fuzz`.
FUZZTIME ?= 20s

.PHONY: all run build client test test-go test-client vet bench fuzz clean

all: build

## run: build everything needed and serve the game on http://localhost:8080
run: build
	./$(BIN) serve

## build: a static binary with the browser client and assets embedded
build: client
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/skirmish

# npm writes node_modules/.package-lock.json on install, so this reruns only
# when the lock file changes.
client/node_modules/.package-lock.json: client/package.json client/package-lock.json
	cd client && $(NPM) ci --no-audit --no-fund
	@touch $@

client/dist/index.html: client/node_modules/.package-lock.json $(CLIENT_SRC)
	cd client && $(NPM) run build

## client: bundle the TypeScript client into client/dist and the admin dashboard
##         into client/dashboard-dist (both embedded by go build)
client: client/dist/index.html

## test: every test — go vet, client typecheck + unit tests, Go tests with -race
##       (including the real-Chromium browser tests in cmd/skirmish: play and
##       watch, and the play-feel budget behind netsim)
test: vet test-client test-go

vet: client
	$(GO) vet $(GO_PKGS)

test-client: client/node_modules/.package-lock.json
	cd client && $(NPM) run typecheck && $(NPM) test

test-go: client
	$(GO) test -race -count=1 -timeout 8m $(GO_PKGS)

## bench: the benchmarks behind docs/PERFORMANCE.md, allocations reported
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./game/... ./netcode/... ./spectate/...

## fuzz: run every fuzz target for FUZZTIME each (seeds live in testdata/fuzz)
fuzz:
	@for pkg in ./game ./netcode ./spectate ./spectate/store; do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin client/dist/*.js client/dist/*.map client/dist/*.html client/dist/*.css client/.test-build \
	  client/dashboard-dist/*.js client/dashboard-dist/*.map client/dashboard-dist/*.html client/dashboard-dist/*.css
