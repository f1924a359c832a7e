#!/usr/bin/env bash
# Decode-memory bench: throws the costliest files to decode at a live
# `hashgate serve` on 127.0.0.1, with the default limits, from many
# clients at once, and prints the edge's peak RSS (VmHWM) and what each
# file got. The default decode budget must hold the edge under 600 MB.
#
# Files (ImageMagick `convert`, gradients: small on the wire, dear to decode):
#   64-MP progressive 4:4:4 JPEG   (~970 MB to decode: refused from its header)
#   12-MP progressive 4:4:4 JPEG   (~190 MB: just inside the default budget)
#   7.8-MP progressive CMYK JPEG   (~190 MB)
#   5.8-MP 16-bit RGBA interlaced PNG (~95 MB)
#   36-MP GIF with a small frame   (~185 MB: frame plus canvas)
#   16-MP lossless WebP with alpha (~130 MB)
#   one multipart body of 16 x the 12-MP JPEG
#
# Environment: CLIENTS (parallel clients, default 16), ROUNDS (requests per
# client per file, default 4), PORT (default 18081). Loopback only; every
# request has curl's --max-time 60, so the run is bounded.
# Needs: go, curl, convert. Rate limiting is turned off (--rate 0) so that
# one address can load the edge as many clients would, and metrics
# (--metrics-addr "") so that no second port is taken; every other flag is
# the default.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-16}
ROUNDS=${ROUNDS:-4}
PORT=${PORT:-18081}
URL="http://127.0.0.1:$PORT"
. bench/lib.sh
bench_need bench/decode-rss.sh go curl convert

go build -o "$WORK/hashgate" ./cmd/hashgate
go build -o "$WORK/edgebench" ./bench/edge
"$WORK/edgebench" keys -dir "$WORK/keys"
"$WORK/edgebench" release -keys "$WORK/keys" -out "$WORK/rel" -n 10000 >/dev/null

F="$WORK/files"; mkdir -p "$F"
convert -size 8000x8000 gradient:red-blue -interlace Plane -sampling-factor 1x1 -quality 90 "$F/prog444-64mp.jpg"
convert -size 3500x3500 gradient:red-blue -interlace Plane -sampling-factor 1x1 -quality 90 "$F/prog444-12mp.jpg"
convert -size 2800x2800 gradient:red-blue -colorspace CMYK -interlace Plane -quality 90 "$F/progcmyk-8mp.jpg"
convert -size 2400x2400 gradient:red-blue -alpha set -channel A -evaluate set 50% +channel -depth 16 -interlace PNG "PNG64:$F/rgba16i-6mp.png"
convert -size 600x400 xc:red -page 6000x6000+10+10 -colors 2 "$F/frame-36mp.gif"
convert -size 4000x4000 gradient:red-blue -alpha set -channel A -evaluate set 50% +channel -define webp:lossless=true "$F/lossless-16mp.webp"

"$WORK/hashgate" serve --addr "127.0.0.1:$PORT" --release "$WORK/rel" \
  --trust "$WORK/keys/publisher.pub" --edge-key "$WORK/keys/edge.key" \
  --state "$WORK/state.json" --rate 0 --metrics-addr "" --log-level warn 2>"$WORK/edge.log" &
PID=$!
BENCH_PIDS+=("$PID")
bench_wait_ready "$URL" "$PID" 240 || { echo "edge not ready:"; tail -5 "$WORK/edge.log"; exit 1; }
mb() { awk -v k="$1" '$1==k":"{printf "%.0f", $2/1024}' "/proc/$PID/status"; }
echo "edge ready: RSS $(mb VmRSS) MB, 10000 PDQ entries; $CLIENTS clients x $ROUNDS rounds per file"

# fire NAME CURL-ARGS...: CLIENTS parallel clients, ROUNDS requests each;
# prints the status codes seen (count x code) and the peak RSS so far.
fire() {
  local name=$1; shift
  local out="$WORK/$name.codes"
  : >"$out"
  for c in $(seq 1 "$CLIENTS"); do
    (for _ in $(seq 1 "$ROUNDS"); do
       curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 "$@" "$URL/v1/scan" || echo 000
     done >>"$out.$c") &
  done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
  cat "$out".* >"$out"
  printf '| %-30s | %8s | %-28s | %6s |\n' "$name" "$(du -k "${FILE:-/dev/null}" | cut -f1) KB" \
    "$(sort "$out" | uniq -c | awk '{printf "%s x %s  ", $1, $2}')" "$(mb VmHWM)"
}

printf '| %-30s | %8s | %-28s | %6s |\n' file size "answers (count x status)" "peak RSS MB"
printf '|%s|%s|%s|%s|\n' "--------------------------------" "----------" "------------------------------" "--------"
for f in "$F"/*; do
  FILE=$f fire "$(basename "$f")" -H 'Content-Type: application/octet-stream' --data-binary "@$f"
done
parts=()
for i in $(seq 1 16); do parts+=(-F "f$i=@$F/prog444-12mp.jpg;type=image/jpeg"); done
FILE="$F/prog444-12mp.jpg" fire "16 x prog444-12mp.jpg multipart" "${parts[@]}"
# Everything at once.
for f in "$F"/*; do
  FILE=$f fire "mixed: $(basename "$f")" -H 'Content-Type: application/octet-stream' --data-binary "@$f" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
echo
echo "peak RSS of the edge: $(mb VmHWM) MB (budget: 600 MB); now $(mb VmRSS) MB"
