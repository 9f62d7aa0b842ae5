# The README's two commands: `make demo` runs the main job, `make test` runs every test.
SWIFT ?= swift
FUZZ_SECONDS ?= 60
FORMAT_PATHS = Package.swift Sources Tests Benchmarks

STATS_USERS ?= 1000000
STATS_STORES ?= memory

.PHONY: demo demo-fleet demo-cluster test build lint bench deps test-tsan screenshots conformance soak fuzz

deps:
	@bash scripts/ensure-deps.sh

# The main job: the demo dashboard API with its own traffic, in this process, and the terminal
# monitor on it. Quitting the monitor (q or Ctrl-C) stops everything.
demo: deps
	$(SWIFT) build --product cachemon
	$(SWIFT) run --skip-build cachemon demo

# Many instances, one cache: a private redis-server, two `cachemon serve` sharing it, traffic on both,
# and the monitor on the first. Quitting the monitor stops everything.
demo-fleet: deps
	$(SWIFT) build --product cachemon
	bash scripts/demo-fleet.sh "$$($(SWIFT) build --show-bin-path)/cachemon"

demo-cluster: deps
	$(SWIFT) build --product cachemon
	bash scripts/demo-cluster.sh "$$($(SWIFT) build --show-bin-path)/cachemon"

build:
	$(SWIFT) build --build-tests

# The terminal end-to-end suite (tmux, timing of a live screen) and the cluster suites that start
# six redis-servers under traffic run on their own after the rest, so they never compete for the
# two cores with everything else.
test: deps build
	bash scripts/django-venv.sh >/dev/null
	$(SWIFT) test --skip-build --skip MonitorEndToEndTests --skip ClusterResilienceTests
	$(SWIFT) test --skip-build --filter MonitorEndToEndTests
	$(SWIFT) test --skip-build --filter ClusterResilienceTests
	$(MAKE) conformance
	$(MAKE) lint

# The admin API checked against docs/openapi.yaml by schemathesis (--checks all), pinned in
# scripts/conformance-requirements.txt and installed into .build-conformance/venv on first use,
# against a `cachemon serve` on loopback for CONFORMANCE_SECONDS; any failure fails.
CONFORMANCE_SECONDS ?= 60
# It builds as `make build` does (a product-only build would recompile without testability).
conformance: deps build
	bash scripts/conformance.sh "$$($(SWIFT) build --show-bin-path)/cachemon" $(CONFORMANCE_SECONDS)

# Style, and every module a target imports declared in Package.swift (SwiftPM does not check that).
lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)
	python3 scripts/check-imports.py
	CACHEMON_FUZZ=1 python3 scripts/check-imports.py

# Data-race check of the whole suite under ThreadSanitizer, in its own build folder.
test-tsan: deps
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# libFuzzer targets (Tests/Fuzz) with AddressSanitizer, in their own build folder; each runs
# FUZZ_SECONDS (`make fuzz FUZZ_SECONDS=600`) and any crash, leak or timeout fails. docs/reliability.md.
fuzz: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

# Benchmarks build in release mode in their own folder; results go to docs/benchmarks.md by hand.
# The statistics benchmark fills a million users into the memory store; STATS_STORES="memory redis
# cluster" adds a private redis-server and a private 3-primary cluster (about 10 minutes each).
# The Redis benchmark starts its own redis-server, then (`cluster`) one Redis and a 3-primary
# cluster for the hit path and the purge side by side, then (`near`) the near cache's hit and
# invalidation lag; near-bench.sh measures the near cache over HTTP against /healthz with wrk, and
# sample-bench.sh what verifying 1% of hits in the background costs the hit path.
bench: deps
	CACHEMON_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench --allow-writing-to-package-directory \
		benchmark --no-progress
	CACHEMON_BENCHMARKS=1 $(SWIFT) run -c release --scratch-path .build-bench RedisBenchmarks
	CACHEMON_BENCHMARKS=1 $(SWIFT) run -c release --scratch-path .build-bench RedisBenchmarks cluster
	CACHEMON_BENCHMARKS=1 $(SWIFT) run -c release --scratch-path .build-bench RedisBenchmarks near
	bash scripts/near-bench.sh .build-bench/release/cachemon
	bash scripts/sample-bench.sh .build-bench/release/cachemon
	bash scripts/attach-bench.sh .build-bench/release/cachemon 100000 1000000
	CACHEMON_BENCHMARKS=1 $(SWIFT) run -c release --scratch-path .build-bench StatsBenchmarks $(STATS_USERS) $(STATS_STORES)

# A release build of cachemon under load, Redis killed and restarted twice and a purge storm, checked
# for stale reads, failed requests and growth in memory and descriptors (docs/reliability.md).
# SOAK_CONFIG=debug soaks the debug build `make test` already made: CI's short run checks the
# behaviour without paying for a release build of Hummingbird.
SOAK_SECONDS ?= 120
SOAK_CONFIG ?= release
soak: deps
ifeq ($(SOAK_CONFIG),debug)
	$(MAKE) build
else
	$(SWIFT) build -c release --product cachemon
endif
	bash scripts/soak.sh "$$($(SWIFT) build -c $(SOAK_CONFIG) --show-bin-path)/cachemon" $(SOAK_SECONDS)

# Regenerates screenshots/*.png from the real program in tmux.
screenshots: deps
	$(SWIFT) build --product cachemon
	bash scripts/screenshots.sh
