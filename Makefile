# The README's two commands are `make demo` and `make test`; both set up a fresh Debian
# machine first (scripts/bootstrap.sh: apt packages + .venv with pinned pip packages).
PYTHON   := $(CURDIR)/.venv/bin/python
JOBS     ?= 2
CMAKE_ARGS := -G Ninja -DPython_EXECUTABLE=$(PYTHON)

.PHONY: all bootstrap build build-asan python-install test test-cpp test-asan test-python demo bench clean format

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

test-cpp: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The whole C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer. Arrow's memory
# pool is switched to malloc so ASan sees (and bounds-checks) Arrow buffers too.
test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# Builds and installs the Python package into .venv (against the same pinned pyarrow),
# then runs the pytest suite (NumPy, torch, JAX and reference-differential tests).
python-install: bootstrap
	$(PYTHON) -m pip install --no-build-isolation -q .

test-python: python-install
	$(PYTHON) -m pytest python/tests -q

test: test-cpp test-asan test-python

demo: build
	./build/omearrow_demo

bench: build
	./build/materialize_benchmark --benchmark_min_time=0.2s

format:
	clang-format -i src/omearrow/*.h src/omearrow/*.cc src/omearrow/testing/*

clean:
	rm -rf build build-asan build-python
