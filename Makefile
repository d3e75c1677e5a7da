# Moat build and test entry points. See README.md.

GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PREFIX  ?= /usr/local

.PHONY: all runsc test vet bench install clean

all: runsc

# Always rebuild: go's build cache makes this cheap and exact.
runsc:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/runsc ./runsc

vet:
	$(GO) vet ./...

# test/syscalls and test/e2e find the binary at ../../bin/runsc (or $MOAT_RUNSC).
test: all vet
	$(GO) test -timeout 30m ./...

# Runs test/bench/run if there is one, else the Go benchmarks under
# test/bench; does nothing (successfully) if there are none yet.
bench: all
	@if [ -x test/bench/run ]; then \
		test/bench/run; \
	elif [ -n "$$($(GO) list ./test/bench/... 2>/dev/null)" ]; then \
		$(GO) test ./test/bench/... -run XXX -bench . -timeout 60m; \
	else \
		echo "no benchmarks in test/bench yet"; \
	fi

install: all
	install -D -m 0755 bin/runsc $(DESTDIR)$(PREFIX)/bin/runsc

clean:
	rm -rf bin
