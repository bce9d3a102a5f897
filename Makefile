# Wrappers around CMake presets. Every target installs what it needs first.
.PHONY: deps build run daemon test bench bench-sip bench-instructions lab fuzz fmt fmt-check clean

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

deps:
	@scripts/install-deps

# The programs only (tests are built and run under ASan+UBSan by `make test`).
build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target happysip happysipd

# The main job on an embedded default: happysip options against happysip respond on
# loopback (timelines), then the example messages parsed.
run: build
	@scripts/run-demo ./build/release/src/app/happysip

# happysipd in the foreground with its defaults (loopback, localhost, state under ./var).
daemon: build
	@./build/release/src/app/happysipd

# Unit, corpus and CLI tests under ASan+UBSan.
test: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

bench: build
	@cmake --build --preset release -j $(JOBS) --target parse_bench
	@scripts/bench-table

# SIPp load on UDP loopback, happysipd beside Kamailio (issue 4): CPU per request, p99,
# max call rate; a markdown table for docs/benchmarks.md. Options: scripts/bench-sip -h.
bench-sip: build
	@scripts/bench-sip build/release

# happysipd's instructions per REGISTER and per proxied call (callgrind): a measure that
# other load on the machine does not move, for comparing two builds (docs/benchmarks.md).
bench-instructions: build
	@scripts/bench-instructions build/release

# The dual-stack lab (root): netns, nsd, black-holed families; prints a table (docs/lab.md).
lab: build
	@tests/lab/lab.py run --happysip ./build/release/src/app/happysip

# Each libFuzzer target for FUZZ_SECONDS seconds on its seed corpus.
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/run-fuzzers $(FUZZ_SECONDS)

fmt:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

fmt-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build
