# The README's two commands are `make demo` and `make test`; both set up a fresh Debian
# machine first (scripts/bootstrap.sh: apt packages + .venv with pinned pip packages).
PYTHON   := $(CURDIR)/.venv/bin/python
JOBS     ?= 2
CMAKE_ARGS := -G Ninja -DPython_EXECUTABLE=$(PYTHON)

.PHONY: all bootstrap build build-asan build-tsan python-install test test-cpp test-asan test-tsan test-python demo bench clean format build-fuzz fuzz fuzz-ci fuzz-merge

all: build

bootstrap:
	./scripts/bootstrap.sh

build: bootstrap
	cmake -S . -B build $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j $(JOBS)

build-asan: bootstrap
	cmake -S . -B build-asan $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Debug \
	  -DOMEARROW_SANITIZE=address,undefined -DOMEARROW_BUILD_BENCHMARKS=OFF
	cmake --build build-asan -j $(JOBS)

build-tsan: bootstrap
	cmake -S . -B build-tsan $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Debug \
	  -DOMEARROW_SANITIZE=thread -DOMEARROW_BUILD_BENCHMARKS=OFF
	cmake --build build-tsan -j $(JOBS) --target $(TSAN_TESTS)

test-cpp: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The whole C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer. Arrow's memory
# pool is switched to malloc so ASan sees (and bounds-checks) Arrow buffers too.
test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# The concurrency-relevant C++ tests (iterators, prefetch, tile streams, the worker pool,
# the shared chunk cache, lazy views, the parallel kernel) under ThreadSanitizer. libarrow
# is not instrumented; tsan.supp says what that needs.
TSAN_TESTS := prefetch_test view_iterator_test tile_stream_test parallel_test \
  chunk_cache_test lazy_tensor_view_test materialize_test python_random_test \
  tiff_source_test concurrency_test
empty :=
space := $(empty) $(empty)
test-tsan: build-tsan
	ARROW_DEFAULT_MEMORY_POOL=system \
	  TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tsan.supp" \
	  ctest --test-dir build-tsan --output-on-failure -j $(JOBS) \
	  -R '^($(subst $(space),|,$(strip $(TSAN_TESTS))))$$'

# Builds and installs the Python package into .venv (against the same pinned pyarrow),
# then runs the pytest suite (NumPy, torch, JAX and reference-differential tests).
python-install: bootstrap
	$(PYTHON) -m pip install --no-build-isolation -q .

test-python: python-install
	$(PYTHON) -m pytest python/tests -q

# libFuzzer harnesses (fuzz/) built with clang + ASan/UBSan in build-fuzz. `make fuzz`
# runs each for FUZZ_SECONDS, FUZZ_JOBS at a time; `make fuzz-ci` (part of `make test`)
# for FUZZ_CI_SECONDS. Runs start from the in-tree corpus fuzz/corpus, resume from
# build-fuzz/corpus and append to fuzz/stats.tsv; a crash fails the target.
FUZZ_SECONDS ?= 600
FUZZ_CI_SECONDS ?= 30
build-fuzz: bootstrap
	cmake -S . -B build-fuzz $(CMAKE_ARGS) -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMEARROW_BUILD_FUZZERS=ON \
	  -DOMEARROW_BUILD_TESTS=OFF -DOMEARROW_BUILD_BENCHMARKS=OFF \
	  -DOMEARROW_SANITIZE=address,undefined
	cmake --build build-fuzz -j $(JOBS)

FUZZ_JOBS ?= 1
fuzz: build-fuzz
	FUZZ_JOBS=$(FUZZ_JOBS) ./scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-ci: build-fuzz
	FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_STATS=build-fuzz/fuzz-ci-stats.tsv ./scripts/fuzz.sh $(FUZZ_CI_SECONDS)

# Adds the inputs of build-fuzz/corpus that reach new coverage to the in-tree corpus
# fuzz/corpus (commit it); then every later run starts from there.
fuzz-merge: build-fuzz
	./scripts/fuzz.sh --merge

test: test-cpp test-asan test-tsan test-python fuzz-ci

demo: build
	./build/omearrow demo --dir build/demo

bench: build
	./build/materialize_benchmark --benchmark_min_time=0.2

format:
	clang-format -i $$(git ls-files "src/*.h" "src/*.cc" "fuzz/*.cc" "tools/*.cc" "python/bindings/*")

clean:
	rm -rf build build-asan build-tsan build-python build-fuzz
