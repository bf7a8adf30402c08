# kiln: the two commands a new user runs on a fresh Debian 12 machine.
#   make demo   installs what is missing, builds, runs the Black-Scholes demo
#   make test   installs what is missing, builds, runs the whole test suite
# Also: make build, make bench, make gpu-check (a CUDA GPU), make install PREFIX=..., make clean.

BUILD_DIR ?= build
JOBS      ?= 2
PREFIX    ?= /usr/local
CMAKE_ARGS ?=

# Debian packages the build, the tests and the benchmarks need. Only the missing ones are
# installed (apt-get update first, since a fresh machine has no package lists).
DEB_PACKAGES := cmake ninja-build g++ lld llvm-19-dev libxxhash-dev libgtest-dev \
                libbenchmark-dev libeigen3-dev python3-numpy libcli11-dev \
                libopenblas-dev libfftw3-dev

.PHONY: all deps configure build demo test bench gpu-check install clean

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

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR)

# The numpy differential program fuzzer for a time budget: make fuzz SEED=123 SECONDS=300.
# Each failing program is printed with its text and a command that replays it.
SEED    ?= 1
SECONDS ?= 300
.PHONY: fuzz
fuzz: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target test_fuzz
	KILN_CACHE_DIR=$(abspath $(BUILD_DIR))/tests/kernel-cache KILN_FUZZ_SEED=$(SEED) \
	  KILN_FUZZ_SECONDS=$(SECONDS) ./$(BUILD_DIR)/tests/test_fuzz --gtest_filter='FuzzLong.*'
