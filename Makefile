# The README's two commands: `make demo` runs the main job, `make test` runs every test.
SWIFT ?= swift
FORMAT_PATHS = Package.swift Sources Tests Benchmarks

.PHONY: demo test build lint bench deps test-tsan

deps:
	@bash scripts/ensure-deps.sh

demo: deps
	@echo "cachemon demo: the embedded demo API with traffic and the terminal monitor on it."
	@echo "The demo API and the monitor are not built yet (they arrive with the Hummingbird and"
	@echo "monitor issues). Today the package provides the CacheAside library: see README.md."
	@echo "Run 'make test' to exercise it, or 'make bench' to measure it."

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
