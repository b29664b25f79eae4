# The front door. CMake does the building; this file picks arches and runs it.
#   make          the static pause for this machine: bin/pause-linux-<arch>
#   make check    the fast loop: this machine's arch only, CTest's label fast (the
#                 process-level suites, artefact checks and lint: tests/suites.cmake),
#                 under a minute once built
#   make test     every arch in ARCHES, then the whole CTest suite (images, e2e, bench smoke);
#                 CTEST_ARGS adds ctest options (CTEST_ARGS="-L image": one label)
#   make all      every arch in ARCHES (cross compilers + musl per arch)
#   make e2e      only the end-to-end suite (CTest label e2e)
#   make mutants  breaks src/pause.cpp one promise at a time (tests/contract.tsv's mutants):
#                 the fast tests must kill every one
#   make image    the multi-arch OCI image, offline, into out/
#   make push     IMAGE=<registry>/<repo>:<tag>: out/oci, every platform, to a registry
#   make bench    the benchmark tables (BENCH_REF=/path/to/another/pause adds a peer)
#   make deps     install what all of this needs (root); with PAUSE_RUNTIME_SOURCES=<dir>,
#                 also build CRI-O, containerd, runc, conmon, crictl and critest from their
#                 sources (scripts/build-runtimes.sh lists which versions)
# ARCHES (default: every row of cmake/arches.tsv) limits the arches built and tested,
# e.g. `make test ARCHES="amd64 arm64"`. BUILD_DIR (build) and BIN_DIR (bin) say where
# builds and binaries go. Paths may hold spaces: they are only ever used quoted, in the shell.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
ARCHES ?= $(shell cmake/arches.sh list)
HOST_ARCH := $(shell cmake/arches.sh host)
ARCH_FIELD = $(shell cmake/arches.sh get $(1) $(2))
CMAKE ?= cmake
JOBS ?= $(shell nproc)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
BUILD_DIR ?= build
BIN_DIR ?= bin
TEST_BUILD = $(BUILD_DIR)/host
# Where an arch whose musl column says `source` gets its musl built: $(MUSL_BUILD_DIR)/musl-<arch>.
MUSL_BUILD_DIR ?= $(BUILD_DIR)
# Configure output stays visible: its hints (a missing package) are for the user.
CONFIGURE = $(CMAKE) -S . -B "$(1)" --log-level=NOTICE -DPAUSE_REVISION=$(REVISION) "-DPAUSE_BIN_DIR=$$(realpath -m "$(BIN_DIR)")" $(2) | { grep -v '^-- \(Configuring done\|Generating done\|Build files have been written\)' || true; }

.PHONY: default all check test e2e mutants image push bench deps clean prerequisites test-build $(addprefix pause-,$(ARCHES)) $(addprefix vm-suites-,$(ARCHES))
default: pause-$(HOST_ARCH)

all: $(addprefix pause-,$(ARCHES))
	@for arch in $(ARCHES); do ls -l "$(BIN_DIR)/pause-linux-$$arch"; done

prerequisites:
	@command -v $(CMAKE) >/dev/null || { echo "cmake not found: apt-get install cmake" >&2; exit 1; }
	@command -v g++ >/dev/null || { echo "g++ not found: apt-get install g++" >&2; exit 1; }

# One build directory per arch; the host's needs no toolchain file. An arch
# Debian 12 ships no musl-dev for (musl column: source) has its musl built from
# Debian's source once.
$(addprefix pause-,$(ARCHES)): pause-%: prerequisites
	@$(if $(filter $(HOST_ARCH),$*),,command -v $(call ARCH_FIELD,$*,gnu-triple)-g++ >/dev/null || \
	  { echo "no C++ cross compiler for $*: apt-get install g++-$(call ARCH_FIELD,$*,gnu-triple)" >&2; exit 1; })
	@$(if $(filter source,$(call ARCH_FIELD,$*,musl)),[ -f "$(MUSL_BUILD_DIR)/musl-$*/debian-source-version" ] || \
	  cmake/build-musl.sh $(call ARCH_FIELD,$*,gnu-triple) "$(MUSL_BUILD_DIR)/musl-$*")
	@$(call CONFIGURE,$(BUILD_DIR)/$*,-DPAUSE_TESTS=OFF \
	  $(if $(filter $(HOST_ARCH),$*),,-DPAUSE_ARCH=$* -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cross.cmake) \
	  $(if $(filter source,$(call ARCH_FIELD,$*,musl)),"-DPAUSE_MUSL_SPECS=$$(realpath -m "$(MUSL_BUILD_DIR)/musl-$*")/lib/musl-gcc.specs"))
	@$(CMAKE) --build "$(BUILD_DIR)/$*" --target pause -j $(JOBS) | { grep -v '^\(gmake\|make\)\[[0-9]*\]: \(Entering\|Leaving\)' || true; }

check:
	@$(MAKE) --no-print-directory test-build ARCHES=$(HOST_ARCH)
	PAUSE_LINT=changed ctest --test-dir "$(TEST_BUILD)" --output-on-failure -j $(JOBS) -L '^fast$$'

# CTEST_ARGS: more of ctest's options, e.g. CTEST_ARGS="-L image" for one label.
test: test-build
	ctest --test-dir "$(TEST_BUILD)" --output-on-failure -j $(JOBS) $(CTEST_ARGS)

e2e: test-build
	ctest --test-dir "$(TEST_BUILD)" --output-on-failure -L e2e

# The arches in ARCHES whose suites also run in a VM on their own kernel (tests/vm).
VM_ARCHES = $(foreach arch,$(ARCHES),$(if $(filter -,$(call ARCH_FIELD,$(arch),vm-kernel)),,$(arch)))

test-build: all $(addprefix vm-suites-,$(VM_ARCHES))
	@$(call CONFIGURE,$(TEST_BUILD),-DPAUSE_TESTS=ON "-DPAUSE_TEST_ARCHES=$(subst $(SPACE),;,$(strip $(ARCHES)))" \
	  "-DPAUSE_BUILD_DIR=$$(realpath -m "$(BUILD_DIR)")" "-DPAUSE_MUSL_BUILD_DIR=$$(realpath -m "$(MUSL_BUILD_DIR)")")
	@$(CMAKE) --build "$(TEST_BUILD)" -j $(JOBS) | { grep -v '^\(gmake\|make\)\[[0-9]*\]: \(Entering\|Leaving\)' || true; }

# An arch's process-level suites, cross-built static for its VM: $(BUILD_DIR)/vm-<arch>/tests/vm/vm_suites.
$(addprefix vm-suites-,$(ARCHES)): vm-suites-%: pause-%
	@$(call CONFIGURE,$(BUILD_DIR)/vm-$*,-DPAUSE_TESTS=OFF -DPAUSE_VM_SUITES=ON -DPAUSE_ARCH=$* \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cross.cmake)
	@$(CMAKE) --build "$(BUILD_DIR)/vm-$*" --target vm_suites -j $(JOBS) | { grep -v '^\(gmake\|make\)\[[0-9]*\]: \(Entering\|Leaving\)\|getaddrinfo' || true; }

mutants:
	@$(MAKE) --no-print-directory test-build ARCHES=$(HOST_ARCH)
	tests/mutants/run.sh "$(TEST_BUILD)"

# Offline: packages bin/ into out/oci (OCI layout) and out/pause.oci.tar.
image: all
	scripts/build-image.sh out "$(BIN_DIR)" $(ARCHES)

# Copies out/oci (OUT=… another image dir) to a registry; see docs/cluster.md.
OUT ?= out
export REGISTRY_CREDS REGISTRY_CA_DIR TLS_VERIFY SIGN_BY REGISTRIES_D
push:
	@scripts/push-image.sh "$(OUT)" "$(IMAGE)"

# The performance tables of docs/performance.md (about 10 minutes; the CRI-O density run needs
# PAUSE_RUNTIME_SOURCES, as make deps); BENCH_ARGS=--smoke for a short run. BENCH_REF: another pause binary; BENCH_REF_IMAGE: a reference sandbox image as an
# OCI archive for the density runs (scripts/make-ref-image.sh makes one from a static binary).
bench: image test-build
	"$(TEST_BUILD)/bench/bench" --bin-dir "$(BIN_DIR)" --arches "$(strip $(ARCHES))" --image out \
	  --glibc "$(TEST_BUILD)/bench/pause-glibc" \
	  $(if $(BENCH_REF),--ref "$(BENCH_REF)") $(BENCH_ARGS)
	bench/density.sh out "$(TEST_BUILD)/tests/cri-client" $(if $(BENCH_REF_IMAGE),--ref "$(BENCH_REF_IMAGE)")
	bench/density.sh out "$(TEST_BUILD)/tests/cri-client" --runtime crio $(if $(BENCH_REF_IMAGE),--ref "$(BENCH_REF_IMAGE)")
	bench/density.sh out "$(TEST_BUILD)/tests/cri-client" --runtime containerd-2.3 $(if $(BENCH_REF_IMAGE),--ref "$(BENCH_REF_IMAGE)")
	bench/density.sh out "$(TEST_BUILD)/tests/cri-client" --runtime crio-1.36 $(if $(BENCH_REF_IMAGE),--ref "$(BENCH_REF_IMAGE)")

export PAUSE_RUNTIME_SOURCES
deps:
	scripts/install-deps.sh
	@if [ -n "$(PAUSE_RUNTIME_SOURCES)" ]; then scripts/build-runtimes.sh; \
	else echo "CRI-O, containerd 1.7/2.3, runc 1.4, conmon, crictl, critest: not built (set PAUSE_RUNTIME_SOURCES to a directory with their release tarballs and SHA256SUMS)"; fi

clean:
	rm -rf build bin out
