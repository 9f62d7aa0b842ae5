# The README's two commands: `make demo` runs the main job, `make test` runs every test.
SWIFT ?= swift
FORMAT_PATHS = Package.swift Sources Tests Benchmarks

.PHONY: demo test build lint bench deps test-tsan

deps:
	@bash scripts/ensure-deps.sh

# Until the terminal monitor lands, the demo is the demo API under its own traffic, queried with
# the cachemon commands from another terminal. PORT picks another port if 8080 is taken.
PORT ?= 8080
demo: deps
	$(SWIFT) build --product cachemon
	@token=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'); \
	url=http://127.0.0.1:$(PORT); \
	echo "cachemon demo: the demo dashboard API at $$url with 200 requests/s of its own traffic."; \
	echo "In another terminal, watch and purge it:"; \
	echo "  $$(pwd)/.build/debug/cachemon stats $$url --token $$token"; \
	echo "  $$(pwd)/.build/debug/cachemon keys $$url --token $$token --user 1"; \
	echo "  $$(pwd)/.build/debug/cachemon purge $$url --token $$token --user 1"; \
	echo "  curl -i $$url/api/users/1/dashboard/summary    # X-Cache: HIT or MISS"; \
	echo "Ctrl-C stops it."; \
	exec $(SWIFT) run --skip-build cachemon serve --port $(PORT) --token $$token --traffic 200

build:
	$(SWIFT) build --build-tests

test: deps build
	$(SWIFT) test
	$(MAKE) lint

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)

# Data-race check of the whole suite under ThreadSanitizer, in its own build folder.
test-tsan: deps
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# Benchmarks build in release mode in their own folder; results go to docs/benchmarks.md by hand.
bench:
	CACHEMON_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench --allow-writing-to-package-directory \
		benchmark --no-progress
