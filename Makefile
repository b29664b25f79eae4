# The front door. CMake does the building; this file picks arches and runs it.
#   make          the static pause for this machine: bin/pause-linux-<arch>
#   make all      every arch in cmake/arches.tsv (cross compilers + musl per arch)
#   make test     every arch, then the whole CTest suite (all arches, images, e2e, lint)
#   make e2e      only the end-to-end suite (CTest label e2e)
#   make image    the multi-arch OCI image, offline, into out/
#   make push     IMAGE=<registry>/<repo>:<tag>: out/oci, every platform, to a registry
#   make bench    the benchmark table (BENCH_REF=/path/to/another/pause adds a peer)
#   make deps     install the Debian packages all of this needs (root)
# BUILD_DIR (build) and BIN_DIR (bin) say where builds and binaries go. Paths
# may hold spaces: they are only ever used quoted, in the shell.
SHELL := /bin/bash
ARCHES ?= $(shell awk '/^[a-z]/ { print $$1 }' cmake/arches.tsv)
CMAKE ?= cmake
JOBS ?= $(shell nproc)
HOST_ARCH := $(shell uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/ -e s/armv7l/arm/)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
ARCH_FIELD = $(shell awk '$$1 == "$(1)" { print $$$(2) }' cmake/arches.tsv)
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
BUILD_DIR ?= build
BIN_DIR ?= bin
TEST_BUILD = $(BUILD_DIR)/host
RISCV64_MUSL ?= $(BUILD_DIR)/musl-riscv64
CONFIGURE = $(CMAKE) -S . -B "$(1)" -DPAUSE_REVISION=$(REVISION) "-DPAUSE_BIN_DIR=$$(realpath -m "$(BIN_DIR)")" $(2) >/dev/null

.PHONY: default all test e2e image push bench deps clean prerequisites test-build $(addprefix pause-,$(ARCHES))
default: pause-$(HOST_ARCH)

all: $(addprefix pause-,$(ARCHES))
	@for arch in $(ARCHES); do ls -l "$(BIN_DIR)/pause-linux-$$arch"; done

prerequisites:
	@command -v $(CMAKE) >/dev/null || { echo "cmake not found: apt-get install cmake" >&2; exit 1; }
	@command -v g++ >/dev/null || { echo "g++ not found: apt-get install g++" >&2; exit 1; }

# One build directory per arch; the host's needs no toolchain file. Debian 12
# ships no musl-dev:riscv64: its musl is built from Debian's source once.
$(addprefix pause-,$(ARCHES)): pause-%: prerequisites
	@$(if $(filter $(HOST_ARCH),$*),,command -v $(call ARCH_FIELD,$*,2)-g++ >/dev/null || \
	  { echo "no C++ cross compiler for $*: apt-get install g++-$(call ARCH_FIELD,$*,2)" >&2; exit 1; })
	@$(if $(filter riscv64,$*),[ -f "$(RISCV64_MUSL)/debian-source-version" ] || \
	  cmake/build-musl.sh $(call ARCH_FIELD,riscv64,2) "$(RISCV64_MUSL)")
	@$(call CONFIGURE,$(BUILD_DIR)/$*,-DPAUSE_TESTS=OFF \
	  $(if $(filter $(HOST_ARCH),$*),,-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/$*.cmake) \
	  $(if $(filter riscv64,$*),"-DPAUSE_MUSL_SPECS=$$(realpath -m "$(RISCV64_MUSL)")/lib/musl-gcc.specs"))
	$(CMAKE) --build "$(BUILD_DIR)/$*" --target pause -j $(JOBS)

test: test-build
	ctest --test-dir "$(TEST_BUILD)" --output-on-failure -j $(JOBS)

e2e: test-build
	ctest --test-dir "$(TEST_BUILD)" --output-on-failure -L e2e

test-build: all
	@$(call CONFIGURE,$(TEST_BUILD),-DPAUSE_TESTS=ON "-DPAUSE_TEST_ARCHES=$(subst $(SPACE),;,$(ARCHES))")
	$(CMAKE) --build "$(TEST_BUILD)" -j $(JOBS)

# Offline: packages bin/ into out/oci (OCI layout) and out/pause.oci.tar.
image: all
	scripts/build-image.sh out $(ARCHES)

# Copies out/oci (OUT=… another image dir) to a registry; see README "Running it on a cluster".
OUT ?= out
export REGISTRY_CREDS REGISTRY_CA_DIR TLS_VERIFY SIGN_BY REGISTRIES_D
push:
	@scripts/push-image.sh "$(OUT)" "$(IMAGE)"

# The performance tables of README.md (about 8 minutes); BENCH_ARGS=--smoke for a short
# run. BENCH_REF: another pause binary; BENCH_REF_IMAGE: a reference sandbox image as an
# OCI archive for the density run (bench/make-ref-image.sh makes one from a static binary).
bench: image test-build
	"$(TEST_BUILD)/bench/bench" --bin-dir "$(BIN_DIR)" --image out --glibc "$(TEST_BUILD)/bench/pause-glibc" \
	  $(if $(BENCH_REF),--ref "$(BENCH_REF)") $(BENCH_ARGS)
	bench/density.sh out "$(TEST_BUILD)/tests/cri-client" $(if $(BENCH_REF_IMAGE),--ref "$(BENCH_REF_IMAGE)")

deps:
	scripts/install-deps.sh

clean:
	rm -rf build bin out
