# The front door. CMake does the building; this file picks arches and runs it.
#   make          the static pause for this machine: bin/pause-linux-<arch>
#   make all      every arch (cross compilers + musl per arch, see README)
#   make test     everything, then the whole CTest suite (every arch, images, e2e)
#   make e2e      only the end-to-end suite (CTest label e2e)
#   make image    the multi-arch OCI image, offline, into out/
#   make bench    the benchmark table (BENCH_REF=/path/to/another/pause to add one)
#   make deps     install the Debian packages all of this needs (root)
SHELL := /bin/bash
ARCHES ?= amd64 arm64 ppc64le arm s390x riscv64
CMAKE ?= cmake
JOBS ?= $(shell nproc)
HOST_ARCH := $(shell uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/ -e s/armv7l/arm/)
REVISION := $(shell git rev-parse HEAD 2>/dev/null)
CROSS_ARCHES := $(filter-out $(HOST_ARCH),$(ARCHES))
HOST_BUILD := build/host
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
CONFIGURE = $(CMAKE) -S . -B $(1) -DPAUSE_REVISION=$(REVISION) $(2) >/dev/null
GNU_TRIPLE_amd64 := x86_64-linux-gnu
GNU_TRIPLE_arm64 := aarch64-linux-gnu
GNU_TRIPLE_ppc64le := powerpc64le-linux-gnu
GNU_TRIPLE_arm := arm-linux-gnueabihf
GNU_TRIPLE_s390x := s390x-linux-gnu
GNU_TRIPLE_riscv64 := riscv64-linux-gnu
RISCV64_MUSL := build/musl-riscv64

.PHONY: deps default all test e2e image bench clean prerequisites $(addprefix pause-,$(ARCHES))
default: pause-$(HOST_ARCH)

prerequisites:
	@command -v $(CMAKE) >/dev/null || { echo "cmake not found: apt-get install cmake" >&2; exit 1; }
	@command -v g++ >/dev/null || { echo "g++ not found: apt-get install g++" >&2; exit 1; }

all: $(addprefix pause-,$(ARCHES))
	@ls -l $(addprefix bin/pause-linux-,$(ARCHES))

pause-$(HOST_ARCH): prerequisites
	@$(call CONFIGURE,$(HOST_BUILD),)
	$(CMAKE) --build $(HOST_BUILD) --target pause -j $(JOBS)

$(addprefix pause-,$(CROSS_ARCHES)): pause-%: prerequisites
	@command -v $(GNU_TRIPLE_$*)-g++ >/dev/null || { echo "no C++ cross compiler for $*: apt-get install g++-$(GNU_TRIPLE_$*)" >&2; exit 1; }
	@$(call CONFIGURE,build/$*,-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/$*.cmake $(if $(filter riscv64,$*),-DPAUSE_MUSL_SPECS=$(CURDIR)/$(RISCV64_MUSL)/lib/musl-gcc.specs))
	$(CMAKE) --build build/$* --target pause -j $(JOBS)

# Debian 12 ships no musl-dev:riscv64: build Debian's musl source for it once.
pause-riscv64: $(RISCV64_MUSL)/lib/musl-gcc.specs
$(RISCV64_MUSL)/lib/musl-gcc.specs:
	cmake/build-musl.sh $(GNU_TRIPLE_riscv64) $(RISCV64_MUSL)

test: all
	@$(call CONFIGURE,$(HOST_BUILD),-DPAUSE_TESTS=ON "-DPAUSE_TEST_ARCHES=$(subst $(SPACE),;,$(ARCHES))")
	$(CMAKE) --build $(HOST_BUILD) -j $(JOBS)
	ctest --test-dir $(HOST_BUILD) --output-on-failure -j $(JOBS)

# Installs the Debian packages everything here needs (root).
deps:
	scripts/install-deps.sh

clean:
	rm -rf build bin out
