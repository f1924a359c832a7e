# The edge as a static binary on distroless, non-root: the repository's
# default image. Build from the repository root:
#
#   docker build -t hashgate:static .
#
# The binary is the pure-Go build `make static` makes (CGO_ENABLED=0,
# -tags purego): JPEG decoded by Go's image/jpeg at full size (the same
# fingerprints within a few bits, about 5x the CPU of libjpeg-turbo per
# 12-MP photo: docs/fingerprint.md), HEIC and AVIF refused (415), and no
# FFmpeg in the image, so videos are refused too (415 video_unavailable)
# while images work. deploy/docker/Dockerfile.full is the cgo build
# (libjpeg-turbo, libheif) with FFmpeg, on Debian. `hashgate --version`
# names the decoders a binary has. deploy/deploy_test.go checks this file
# (non-root USER, HEALTHCHECK on /readyz, the same build as `make static`).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -tags purego -o /out/hashgate ./cmd/hashgate && /out/hashgate --version

# distroless/static: CA certificates (HTTPS release sources), /etc/passwd
# with the nonroot user, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hashgate /hashgate
USER 65532:65532
EXPOSE 8080 9464
# No shell or curl here: the binary probes itself.
HEALTHCHECK --interval=10s --timeout=4s --start-period=60s --retries=3 \
    CMD ["/hashgate", "probe", "--timeout", "3s", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/hashgate"]
# Listens on every interface inside the container; metrics stay on
# loopback unless --metrics-addr says otherwise (the Kubernetes manifests
# publish them on :9464 to the cluster).
CMD ["serve", "--addr", "0.0.0.0:8080", "--release", "/release", "--trust", "/keys/publisher.pub", "--edge-key", "/keys/edge.key", "--state", "/state/edge-state.json", "--filters-in-memory"]
