# Citadel developer entry points. See README.md.
#   make            build build/citadel (Release)
#   make test       install missing packages, build, run every test suite
#   make test-asan  unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-slow  long suites (load, soak) kept out of `make test`
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make bench      benchmarks (kernels, model) — see bench/README.md
#   make bench-serving  citadel serve vs llama-server (bench/serving/README.md)
#   make serve      build and start the server on 127.0.0.1:8080

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all build deps test test-asan test-slow fuzz bench bench-serving serve format clean

all: build

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow
	@if [ -x tests/integration/run ]; then tests/integration/run $(BUILD_DIR)/citadel; fi

$(ASAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(ASAN_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCITADEL_SANITIZE=ON -DCITADEL_BUILD_BENCH=OFF

test-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit -LE slow

test-slow: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L slow

$(FUZZ_DIR)/CMakeCache.txt:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCITADEL_FUZZ=ON -DCITADEL_BUILD_BENCH=OFF

fuzz: deps $(FUZZ_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	@if [ -x bench/run ]; then bench/run $(BUILD_DIR); else echo "no benchmarks yet"; fi

# Serving benchmark (not part of `make test`). BENCH_MODEL defaults to a
# synthetic TinyLlama-1.1B-shaped Q4_0 model made once under BUILD_DIR;
# REFERENCE is llama-server (compared when present); SERVING_ARGS go to the script.
BENCH_MODEL ?= $(BUILD_DIR)/bench/tinyllama-1.1b-q4_0.gguf
REFERENCE ?= $(firstword $(wildcard ../ref/llama.cpp/build/bin/llama-server) \
  $(shell command -v llama-server 2>/dev/null))
$(BUILD_DIR)/bench/tinyllama-1.1b-q4_0.gguf: | build
	mkdir -p $(@D)
	$(BUILD_DIR)/citadel synth --arch llama --preset tinyllama-1.1b --type Q4_0 -t 2 \
	  --vocab-from ../shared/conformance/tokenizer/ggml-vocab-llama-spm.gguf -o $@.tmp
	mv $@.tmp $@

bench-serving: build $(BENCH_MODEL)
	node bench/serving/serving.mjs --citadel $(BUILD_DIR)/citadel --model-path $(BENCH_MODEL) \
	  $(if $(REFERENCE),--reference $(REFERENCE)) --json $(BUILD_DIR)/bench-serving.json $(SERVING_ARGS)

# MODEL=path/to/model.gguf is optional: without it the server starts and
# /ready says no model is loaded. PORT and HOST override the address.
HOST ?= 127.0.0.1
PORT ?= 8080
serve: build
	$(BUILD_DIR)/citadel serve --host $(HOST) --port $(PORT) $(if $(MODEL),-m $(MODEL))

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
