# The pause image: FROM scratch, only /pause, non-root.
#
# One command builds every arch from a clean checkout, cross-compiling in a
# builder stage that runs on the build machine's own arch (no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64,linux/ppc64le,linux/arm/v7,linux/s390x,linux/riscv64 -t pause .
# Offline, `make image` packages the binaries `make all` left in BIN_DIR (bin/) instead:
#   --build-arg BINARY_SOURCE=prebuilt --build-arg BIN_DIR=bin
ARG BUILDER_IMAGE=docker.io/library/debian:bookworm-slim
ARG BINARY_SOURCE=build

# --- builder: the project's own cross build for $TARGETARCH ---
FROM --platform=$BUILDPLATFORM ${BUILDER_IMAGE} AS build
ARG TARGETARCH
ARG REVISION=
COPY scripts/install-deps.sh /src/scripts/
COPY cmake/arches.tsv cmake/arches.sh /src/cmake/
RUN /src/scripts/install-deps.sh --build "${TARGETARCH}"
COPY . /src
RUN make -C /src pause-${TARGETARCH} REVISION="${REVISION}" \
 && install -D -m 0755 /src/bin/pause-linux-${TARGETARCH} /out/pause

# --- or the binary make all already built ---
FROM scratch AS prebuilt
ARG TARGETARCH
ARG BIN_DIR=bin
COPY ${BIN_DIR}/pause-linux-${TARGETARCH} /out/pause

FROM ${BINARY_SOURCE} AS binary

# --- the image ---
FROM scratch
ARG VERSION=unknown
ARG REVISION=
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="pause" \
      org.opencontainers.image.description="Kubernetes pod infra container: holds the pod's namespaces, reaps zombies, exits 0 on SIGTERM" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
COPY --from=binary /out/pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
