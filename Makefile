# kiln: the two commands a new user runs on a fresh Debian 12 machine.
#   make demo   installs what is missing, builds, runs the Black-Scholes demo
#   make test   installs what is missing, builds, runs the whole test suite
# Also: make build, make bench, make gpu-check (a CUDA GPU), make install PREFIX=..., make clean,
#   make sanitize (ASan + UBSan), make tsan (ThreadSanitizer), make fuzz-parsers SECONDS=N,
#   make fuzz SEED=N SECONDS=N, make fuzz-grad SEED=N SECONDS=N (random programs differentiated),
#   make fuzz-exact SEED=N SECONDS=N (the exact rewrite rules, bit for bit).

BUILD_DIR ?= build
JOBS      ?= 2
PREFIX    ?= /usr/local
CMAKE_ARGS ?=

# Debian packages the build, the tests and the benchmarks need. Only the missing ones are
# installed (apt-get update first, since a fresh machine has no package lists).
DEB_PACKAGES := cmake ninja-build g++ lld llvm-19-dev libxxhash-dev libgtest-dev \
                libbenchmark-dev libeigen3-dev python3-numpy python3-mpmath libcli11-dev \
                libopenblas-dev libfftw3-dev

.PHONY: all deps configure build demo test bench gpu-check ptx-check coverage install clean sanitize tsan fuzz-parsers

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "kiln: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/examples/black_scholes

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run_all.sh $(BUILD_DIR)

# On a machine with a CUDA GPU: the suites with every array on the GPU, then the GPU benchmarks.
gpu-check: build
	./bench/gpu_check.sh $(BUILD_DIR)

# The README's table of numpy's functions and kiln's status for each, generated from what the
# suite checks: the numpy suite and the random tests record the functions they test
# ($KILN_COVERAGE_FILE), tests/numpy/coverage.py writes the table.
coverage: build
	rm -f $(BUILD_DIR)/coverage.txt
	KILN_COVERAGE_FILE=$(abspath $(BUILD_DIR))/coverage.txt ./$(BUILD_DIR)/tests/test_numpy >/dev/null
	KILN_COVERAGE_FILE=$(abspath $(BUILD_DIR))/coverage.txt ./$(BUILD_DIR)/tests/test_api \
	  --gtest_filter='Random.*' >/dev/null
	/usr/bin/python3 tests/numpy/coverage.py $(BUILD_DIR)/coverage.txt README.md

# Every kernel the last `make test` recorded, lowered to PTX and assembled for sm_80 and sm_90
# (make test checks a quarter of them, one SM each).
ptx-check: build
	./$(BUILD_DIR)/tests/kiln_ptx_check $(BUILD_DIR)/tests/suite-kernels.manifest sm_80 sm_90

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-fuzz

# The suite built with AddressSanitizer and UndefinedBehaviorSanitizer (-O1; the kernels kiln
# compiles at run time are not instrumented). Left out: the CUDA emulator's suites (its fibers
# switch stacks with swapcontext, which ASan misreads), the reruns for another CPU model, the
# PTX check (LLVM's own work) and the install test (its consumer is built without ASan).
SAN_EXCLUDE := CudaEmulator|FakeGpu|OtherCpu|PtxCheck|Install
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DKILN_SANITIZE=address,undefined \
	  -DKILN_BUILD_BENCHMARKS=OFF -DKILN_BUILD_EXAMPLES=OFF $(CMAKE_ARGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/sanitizers/lsan.supp) \
	  ctest --output-on-failure -j $(JOBS) -E '$(SAN_EXCLUDE)'

# ThreadSanitizer over the threading stress suite and the API tests. OpenBLAS's own threads are
# not instrumented (one thread: OPENBLAS_NUM_THREADS=1), nor are the JIT-compiled kernels.
tsan: deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=None -DKILN_SANITIZE=thread \
	  -DKILN_BUILD_BENCHMARKS=OFF -DKILN_BUILD_EXAMPLES=OFF $(CMAKE_ARGS)
	cmake --build build-tsan -j $(JOBS) --target test_threads test_api log_probe
	cd build-tsan && export OPENBLAS_NUM_THREADS=1 KILN_CACHE_DIR=$(abspath build-tsan)/kernel-cache \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(abspath tests/sanitizers/tsan.supp)" && \
	  ./tests/test_threads && ./tests/test_api --gtest_filter=-Gpu.*

# libFuzzer over the parsers of outside bytes (disk cache entries, manifests, kernel IR), each for
# SECONDS/3, starting from the corpus in tests/fuzz_parsers/corpus. Needs clang-19 (installed here).
FUZZ_PACKAGES := clang-19 libclang-rt-19-dev
fuzz-parsers:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_PACKAGES) $(FUZZ_PACKAGES)"
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DKILN_FUZZ_PARSERS=ON -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_BENCHMARKS=OFF \
	  -DKILN_BUILD_EXAMPLES=OFF $(CMAKE_ARGS)
	cmake --build build-fuzz -j $(JOBS) --target fuzz_entry fuzz_manifest fuzz_kernel_ir
	for p in entry manifest kernel_ir; do \
	  mkdir -p build-fuzz/corpus/$$p && \
	  ./build-fuzz/fuzz_$$p -max_total_time=$$(( $(SECONDS) / 3 + 1 )) -artifact_prefix=build-fuzz/ \
	    build-fuzz/corpus/$$p tests/fuzz_parsers/corpus/$$p || exit 1; \
	done

# The numpy differential program fuzzer for a time budget: make fuzz SEED=123 SECONDS=300.
# Each failing program is printed with its text and a command that replays it. Then, for a
# quarter of that time, random loops with syncs against the reference interpreter.
SEED    ?= 1
SECONDS ?= 300
.PHONY: fuzz
fuzz: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target test_fuzz test_differential
	KILN_CACHE_DIR=$(abspath $(BUILD_DIR))/tests/kernel-cache KILN_FUZZ_SEED=$(SEED) \
	  KILN_FUZZ_SECONDS=$(SECONDS) ./$(BUILD_DIR)/tests/test_fuzz --gtest_filter='FuzzLong.*'
	KILN_CACHE_DIR=$(abspath $(BUILD_DIR))/tests/kernel-cache KILN_FUZZ_SEED=$(SEED)000 \
	  KILN_FUZZ_SECONDS=$$(( $(SECONDS) / 4 + 1 )) ./$(BUILD_DIR)/tests/test_differential \
	  --gtest_filter='RandomLoopsLong.*'

# Random graphs evaluated with and without the exact rewrite rules, bit for bit, for a time
# budget: make fuzz-exact SEED=7 SECONDS=300.
.PHONY: fuzz-exact
fuzz-exact: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target test_differential
	KILN_CACHE_DIR=$(abspath $(BUILD_DIR))/tests/kernel-cache KILN_EXACT_SEED=$(SEED)000 \
	  KILN_EXACT_SECONDS=$(SECONDS) ./$(BUILD_DIR)/tests/test_differential \
	  --gtest_filter='RandomGraphs.ExactRewritesAreBitIdentical'

# Random programs differentiated (reverse vs forward vs finite differences, to second order)
# for a time budget: make fuzz-grad SEED=7 SECONDS=300.
.PHONY: fuzz-grad
fuzz-grad: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target test_autodiff
	KILN_CACHE_DIR=$(abspath $(BUILD_DIR))/tests/kernel-cache KILN_GRAD_FUZZ_SEED=$(SEED)000 \
	  KILN_GRAD_FUZZ_SECONDS=$(SECONDS) ./$(BUILD_DIR)/tests/test_autodiff \
	  --gtest_filter='RandomGradsLong.*'
