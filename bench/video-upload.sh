#!/usr/bin/env bash
# Edge RSS while a 30-minute video is uploaded to a live `hashgate serve` on
# 127.0.0.1 and scanned (/v1/scan, then proxy mode when nginx is installed:
# the clean verdict's body goes to an nginx origin from the spool file),
# against a 3-minute one. The video streams to a spool file as it arrives,
# so the edge's RSS must not grow with the video's length or bytes.
#
# Inputs (made once with FFmpeg from ../shared/testdata/vpdq's
# chair-orig-22-sd-bar.mp4, cached in CACHE, default
# ~/.cache/hashgate-bench/video-upload): a 60-s 480p H.264 segment (CRF 21,
# ~3.5 MB), stream-copied 3 and 30 times (~10 MB and ~100 MB, the long one
# three times the default --max-body of 32 MiB).
#
# The upload is paced at RATE (curl --limit-rate, default 5M bytes/s) so
# that RSS is sampled (every 0.2 s, VmRSS of the edge process; FFmpeg runs
# in children of its own) over the whole upload and the decode that follows.
# Prints a row per input: bytes, seconds from the first byte sent to the
# answer, the answer, and the edge's RSS before, peak (VmHWM, and the
# samples) and after.
#
# Environment: RATE, PORT (default 18082), SHARED (default ../shared),
# CACHE. Video limits are raised for the 30-minute decode (--video-timeout
# and --video-cpu 30m); every other flag is the default but --rate 0.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need bench/video-upload.sh go curl ffmpeg

RATE=${RATE:-5M}
PORT=${PORT:-18082}
SHARED=${SHARED:-../shared}
CACHE=${CACHE:-$HOME/.cache/hashgate-bench/video-upload}
URL="http://127.0.0.1:$PORT"
SRC="$SHARED/testdata/vpdq/videos/chair-orig-22-sd-bar.mp4"
[ -f "$SRC" ] || { echo "bench/video-upload.sh: no $SRC (set SHARED)" >&2; exit 1; }

mkdir -p "$CACHE"
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
if [ ! -f "$CACHE/seg-480p-60s.mp4" ]; then
  ff -stream_loop -1 -i "$SRC" -t 60 -vf scale=-2:480,fps=30 -c:v libx264 -preset veryfast -crf 21 -an "$CACHE/tmp.mp4"
  mv "$CACHE/tmp.mp4" "$CACHE/seg-480p-60s.mp4"
fi
for n in 3 30; do
  out="$CACHE/480p-$((n * 60))s.mp4"
  if [ ! -f "$out" ]; then
    ff -stream_loop $((n - 1)) -i "$CACHE/seg-480p-60s.mp4" -c copy "$CACHE/tmp.mp4"
    mv "$CACHE/tmp.mp4" "$out"
  fi
done

go build -o "$WORK/hashgate" ./cmd/hashgate
go build -o "$WORK/edgebench" ./bench/edge
"$WORK/edgebench" keys -dir "$WORK/keys"
"$WORK/edgebench" release -keys "$WORK/keys" -out "$WORK/rel" -n 10000 >/dev/null

ORIGIN=()
if command -v nginx >/dev/null; then
  # An origin that takes any body (up to 4 GiB) and answers 201.
  OPORT=$((PORT + 1))
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off; worker_processes 1; pid $WORK/nginx/pid; error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http { access_log off; client_max_body_size 4g;
  server { listen 127.0.0.1:$OPORT; location / { return 201 "stored\n"; } } }
EOF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  BENCH_PIDS+=("$!")
  ORIGIN=(--origin "http://127.0.0.1:$OPORT" --upload-path "/upload/**")
fi

"$WORK/hashgate" serve --addr "127.0.0.1:$PORT" --release "$WORK/rel" \
  --trust "$WORK/keys/publisher.pub" --edge-key "$WORK/keys/edge.key" \
  --state "$WORK/state.json" --rate 0 --metrics-addr "" --log-level warn \
  --video-timeout 30m --video-cpu 30m --video-temp-dir "$WORK" "${ORIGIN[@]}" 2>"$WORK/edge.log" &
PID=$!
BENCH_PIDS+=("$PID")
bench_wait_ready "$URL" "$PID" 240 || { echo "edge not ready:"; tail -5 "$WORK/edge.log"; exit 1; }
kb() { awk -v k="$1" '$1==k":"{print $2}' "/proc/$PID/status"; }
mib() { awk -v x="$1" 'BEGIN{printf "%.1f", x/1024}'; }

# upload NAME FILE PATH: one paced upload; prints a table row.
upload() {
  local name=$1 file=$2 path=$3
  # VmHWM is the process's peak so far; reset it (Linux 4.0+) so that the
  # row's peak is this upload's.
  echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || true
  local before peak=0 t0 t1 code
  before=$(kb VmRSS)
  t0=$(date +%s.%N)
  curl -s -o "$WORK/answer" -w '%{http_code}\n' --max-time 3600 \
    --limit-rate "$RATE" -H 'Content-Type: video/mp4' --data-binary "@$file" "$URL$path" >"$WORK/curl.out" &
  local cpid=$!
  while kill -0 "$cpid" 2>/dev/null; do
    r=$(kb VmRSS); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.2
  done
  wait "$cpid" || true
  t1=$(date +%s.%N)
  read -r code <"$WORK/curl.out"
  local hwm; hwm=$(kb VmHWM)
  [ "$hwm" -gt "$peak" ] && peak=$hwm
  printf '| %-26s | %7s MB | %8s s | %-4s %-24s | %7s | %7s | %7s |\n' "$name" \
    "$(awk -v b="$(stat -c %s "$file")" 'BEGIN{printf "%.1f", b/1e6}')" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b-a}')" "$code" "$(head -c 24 "$WORK/answer" | tr -d '\n')" \
    "$(mib "$before")" "$(mib "$peak")" "$(mib "$(kb VmRSS)")"
}

echo "edge ready: RSS $(mib "$(kb VmRSS)") MiB; uploads paced at $RATE bytes/s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-26s | %10s | %10s | %-29s | %7s | %7s | %7s |\n' input bytes "upload+scan" answer "RSS MiB" peak after
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------------- ------------ ------------ ------------------------------- --------- --------- ---------
for n in 3 30; do
  upload "480p H.264, $n min, scan" "$CACHE/480p-$((n * 60))s.mp4" /v1/scan
done
if [ ${#ORIGIN[@]} -gt 0 ]; then
  for n in 3 30; do
    upload "480p H.264, $n min, proxy" "$CACHE/480p-$((n * 60))s.mp4" /upload/v
  done
fi
left=$(find "$WORK" -maxdepth 1 -name 'hashgate-upload-*' | wc -l)
echo "spool files left: $left; load: $(cut -d' ' -f1-3 /proc/loadavg)"
