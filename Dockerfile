# hashgate's CLI and edge on Debian 12, with JPEG decoded by libjpeg-turbo
# and HEIC/AVIF by libheif, through cgo (Debian's libturbojpeg0, libheif1).
# `hashgate --version` names the decoders a binary carries.
#
#   docker build -t hashgate .                          # libjpeg-turbo (cgo)
#   docker build --build-arg PUREGO=1 -t hashgate:static .   # static, image/jpeg
#
# The static variant (CGO_ENABLED=0) decodes JPEG with Go's image/jpeg at
# full size (the same fingerprints within a few bits, about 5x the CPU per
# 12-MP photo: docs/fingerprint.md) and refuses HEIC and AVIF (415).
# Videos need ffmpeg in both.
ARG PUREGO=0

FROM golang:1.26-bookworm AS build
ARG PUREGO
RUN apt-get update && apt-get install -y --no-install-recommends libturbojpeg0-dev libheif-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN if [ "$PUREGO" = 1 ]; then \
      CGO_ENABLED=0 go build -trimpath -tags purego -o /out/hashgate ./cmd/hashgate; \
    else \
      CGO_ENABLED=1 go build -trimpath -o /out/hashgate ./cmd/hashgate; \
    fi && /out/hashgate --version

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libturbojpeg0 libheif1 ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/hashgate /usr/local/bin/hashgate
RUN hashgate --version
USER nobody
ENTRYPOINT ["hashgate"]
CMD ["serve", "--help"]
