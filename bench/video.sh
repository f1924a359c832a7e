#!/usr/bin/env bash
# CPU per second of video and peak RSS of hashgate's vPDQ against Meta's
# vpdq-hash-video -r 1 in the same run, on 3-minute 720p and 1080p H.264
# inputs, and hashgate's peak RSS on a 30-minute 720p one, all made from the
# sample videos (cached in CACHE, default ~/.cache/hashgate-bench/video; the
# first run encodes them and takes minutes). Prints a table, a row per input
# as it is measured; RUNS (default 3) runs each, medians.
#   bench/video.sh     LONG=0 bench/video.sh (no 30-minute input)     SHORT=0 (only it)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need bench/video.sh ffmpeg go
go build -o "$WORK/videobench" ./bench/video
flag() { [ "${1:-1}" = 0 ] && echo false || echo true; }
args=(-runs "${RUNS:-3}" -long="$(flag "${LONG:-1}")" -short="$(flag "${SHORT:-1}")" -shared "${SHARED:-../shared}")
[ -n "${CACHE:-}" ] && args+=(-cache "$CACHE")
[ -n "${THREADS:-}" ] && args+=(-threads "$THREADS")
"$WORK/videobench" "${args[@]}"
