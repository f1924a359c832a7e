#!/usr/bin/env bash
# Load benchmark of the edge verifier: the real `hashgate serve` on
# 127.0.0.1 under wrk (Debian: apt-get install -y wrk). Prints a table.
#
#   verify throughput and latency at each size in SIZES (PDQ entries)
#   a single-connection verify run at the largest size (per-query latency)
#   scan throughput and CPU per scan for 1-MP and 12-MP JPEGs and a 12-MP
#   phone photo, for each JPEG decoder in SCAN_BUILDS
#   RSS after the release is loaded, and its peak while loading
#   RSS across a reload at the largest size (RELOAD_RSS=0 skips it)
#   a reload under sustained load: zero failed requests, p99 <= 2x steady
#
# Environment: SIZES (default "100000 10000000"), DURATION (wrk seconds,
# default 15), CONNS (default 64), PORT (default 18080), CACHE (a directory
# that keeps the keys and the large releases between runs: a release of
# 10^7 entries takes minutes to build). Traffic goes to loopback only;
# every wrk run is bounded by DURATION. SCAN_ONLY=1 runs the scan rows
# alone. SCAN_BUILDS (default "default purego") names the builds whose scan
# rows are measured in the same run: the default build decodes JPEG with
# libjpeg-turbo at the canonical grid's scale, `purego` with Go's
# image/jpeg at full size (the decoder before libjpeg-turbo).
set -euo pipefail
cd "$(dirname "$0")/.."

SCAN_ONLY=${SCAN_ONLY:-0}
SCAN_BUILDS=${SCAN_BUILDS:-"default purego"}
if [ "$SCAN_ONLY" = 1 ]; then SIZES=""; RELOAD_RSS=0; fi
SIZES=${SIZES-"100000 10000000"}
DURATION=${DURATION:-15}
CONNS=${CONNS:-64}
PORT=${PORT:-18080}
URL="http://127.0.0.1:$PORT"

. bench/lib.sh
bench_need bench/edge.sh wrk curl go

go build -o "$WORK/hashgate" ./cmd/hashgate
for b in $SCAN_BUILDS; do
  [ "$b" = default ] || go build -tags "$b" -o "$WORK/hashgate-$b" ./cmd/hashgate
done
go build -o "$WORK/edgebench" ./bench/edge
CACHE=${CACHE:-}
KEYS="$WORK/keys"
if [ -n "$CACHE" ]; then
  mkdir -p "$CACHE"
  KEYS="$CACHE/keys"
fi
[ -f "$KEYS/edge.key" ] || "$WORK/edgebench" keys -dir "$KEYS"

# start_edge DIR [extra flags]: runs the edge on DIR and waits (bounded)
# until /readyz answers 200. Sets PID and LOAD_S (seconds to ready).
start_edge() {
  local dir=$1; shift
  local t0; t0=$(date +%s.%N)
  "${HASHGATE_BIN:-$WORK/hashgate}" serve --addr "127.0.0.1:$PORT" --release "$dir" \
    --trust "$KEYS/publisher.pub" --edge-key "$KEYS/edge.key" \
    --state "$WORK/state-$RANDOM.json" --rate 0 --max-conns-per-ip 0 \
    --metrics-addr "127.0.0.1:$((PORT+1))" \
    --log-level warn "$@" 2>>"$WORK/edge.log" &
  PID=$!
  BENCH_PIDS+=("$PID")
  if ! bench_wait_ready "$URL" "$PID" 1200; then
    echo "edge not ready (600 s at most):" >&2; tail -5 "$WORK/edge.log" >&2; exit 1
  fi
  LOAD_S=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}')
}

stop_edge() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

# kB of resident memory now and at peak.
rss_mb() { awk '/^VmRSS/{printf "%.0f", $2/1024}' "/proc/$PID/status"; }
hwm_mb() { awk '/^VmHWM/{printf "%.0f", $2/1024}' "/proc/$PID/status"; }

# run_wrk NAME CONNS THREADS SCRIPT PATH: runs wrk, leaves its output in
# $WORK/NAME.wrk and sets RPS, P50, P99 (ms), FAILS (non-2xx + socket errors).
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
run_wrk() {
  local name=$1 conns=$2 threads=$3 script=$4 path=$5
  wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s --latency -s "$script" "$URL$path" >"$WORK/$name.wrk"
  parse_wrk "$WORK/$name.wrk"
}
parse_wrk() {
  RPS=$(awk '/^Requests\/sec/{printf "%.1f", $2}' "$1")
  P50=$(awk '$1=="50%"{print $2}' "$1" | to_ms)
  P99=$(awk '$1=="99%"{print $2}' "$1" | to_ms)
  local non2xx sock
  non2xx=$(awk '/Non-2xx/{print $NF}' "$1"); non2xx=${non2xx:-0}
  sock=$(awk -F'[ ,]+' '/Socket errors/{print $4+$6+$8+$10}' "$1"); sock=${sock:-0}
  FAILS=$((non2xx + sock))
}

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()
row() { ROWS+=("$(printf '| %-34s | %10s | %8s | %8s | %6s | %s |' "$@")"); }

# --- verify at each size -------------------------------------------------
largest=""
for n in $SIZES; do
  rel="$WORK/rel-$n"
  [ -n "$CACHE" ] && rel="$CACHE/rel-$n"
  if [ ! -f "$rel/manifest.json" ]; then
    echo "== building a release of $n PDQ entries" >&2
    "$WORK/edgebench" release -keys "$KEYS" -out "$rel" -n "$n" -seed 1
  fi
  "$WORK/edgebench" lua -out "$WORK/verify-$n.lua" -n "$n" -seed 1
  start_edge "$rel"
  LOADED_RSS=$(rss_mb)
  echo "== verify, $n entries (loaded in ${LOAD_S}s, RSS ${LOADED_RSS} MB)" >&2
  run_wrk "verify-$n" "$CONNS" 2 "$WORK/verify-$n.lua" /v1/verify
  row "verify, $n entries, $CONNS conns" "$RPS" "$P50" "$P99" "$FAILS" "RSS ${LOADED_RSS} MB after load (peak $(hwm_mb) MB), ready in $LOAD_S s"
  run_wrk "verify1-$n" 1 1 "$WORK/verify-$n.lua" /v1/verify
  row "verify, $n entries, 1 conn" "$RPS" "$P50" "$P99" "$FAILS" "per-query latency over HTTP"
  stop_edge
  largest=$n
done

# --- RSS across a reload at the largest size ------------------------------
# A reload builds the new index beside the one in use, so its peak holds
# both. The next release (another seed) is published into a copy of the
# release directory.
if [ -n "$largest" ] && [ "${RELOAD_RSS:-1}" = 1 ]; then
  next="$WORK/rel-$largest-v2"
  [ -n "$CACHE" ] && next="$CACHE/rel-$largest-v2"
  if [ ! -f "$next/manifest.json" ]; then
    echo "== building release 2 of $largest PDQ entries" >&2
    "$WORK/edgebench" release -keys "$KEYS" -out "$next" -n "$largest" -seed 2 -version 2
  fi
  src="$WORK/rel-$largest"
  [ -n "$CACHE" ] && src="$CACHE/rel-$largest"
  live="$WORK/rel-live"
  mkdir -p "$live" && cp "$src"/* "$live"/
  start_edge "$live" --poll 1s
  before=$(hwm_mb)
  for f in "$next"/*-*.* "$next/manifest.sig" "$next/manifest.json"; do
    cp "$f" "$live/.tmp-publish" && mv "$live/.tmp-publish" "$live/$(basename "$f")"
  done
  t0=$(date +%s.%N)
  for _ in $(seq 1 1200); do
    curl -s "$URL/readyz" | grep -q '"version":2' && break
    sleep 0.5
  done
  took=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}')
  row "reload, $largest -> $largest entries" "" "" "" "" "RSS $(rss_mb) MB after, peak $(hwm_mb) MB (first load peaked at $before MB), swapped in $took s"
  stop_edge
  rm -rf "$live"
fi

# --- scan ----------------------------------------------------------------
# CPU per scan is the edge process's user+system time over the wrk run
# (/proc/PID/stat) divided by the requests it answered.
cpu_ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
rel="$WORK/rel-scan"
"$WORK/edgebench" release -keys "$KEYS" -out "$rel" -n 100000 -seed 1
scan_files=()
for mp in 1 12; do
  "$WORK/edgebench" jpeg -out "$WORK/$mp.jpg" -mp "$mp"
  scan_files+=("$WORK/$mp.jpg|$mp-MP JPEG")
done
# A real 12-MP phone photo (4032x3024, EXIF orientation 6) when the PDQ
# reference vectors sit beside the checkout.
phone=../shared/testdata/pdq/images/reg-test-input/exif-rotn/exif-rotn-6.jpg
[ -f "$phone" ] && scan_files+=("$phone|12-MP phone photo")
# The same photo as HEIC and AVIF (ImageMagick through libheif: x265,
# libaom), for builds that decode them.
if [ -f "$phone" ] && command -v convert >/dev/null && convert -list format 2>/dev/null | grep -q 'HEIC.*rw'; then
  for f in heic avif; do
    convert "$phone" -quality 80 "$WORK/phone.$f" && scan_files+=("$WORK/phone.$f|12-MP phone photo as ${f^^}")
  done
fi
for b in $SCAN_BUILDS; do
  HASHGATE_BIN="$WORK/hashgate"
  [ "$b" = default ] || HASHGATE_BIN="$WORK/hashgate-$b"
  decoder=$("$HASHGATE_BIN" version | sed -n 's/^JPEG: \([^;]*\);.*/\1/p')
  heifdec=$("$HASHGATE_BIN" version | sed -n 's/.*HEIC\/AVIF: //p')
  start_edge "$rel"
  for entry in "${scan_files[@]}"; do
    file=${entry%%|*}; label=${entry#*|}
    case $file in
      *.heic|*.avif) [ "$heifdec" != none ] || continue; dec=$heifdec ;;
      *) dec=$decoder ;;
    esac
    cat >"$WORK/scan.lua" <<LUA
local f = assert(io.open("$file", "rb"))
wrk.body = f:read("*all")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/jpeg"
LUA
    size_kb=$(( $(stat -c %s "$file") / 1024 ))
    echo "== scan, $label ($size_kb KiB), $dec" >&2
    c0=$(cpu_ticks)
    run_wrk "scan" 4 2 "$WORK/scan.lua" /v1/scan
    c1=$(cpu_ticks)
    n=$(awk '/requests in/{print $1}' "$WORK/scan.wrk")
    cpu=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'BEGIN{if (n > 0) printf "%.1f", 1000*d/hz/n; else print "-"}')
    row "scan, $label ($size_kb KiB), 4 conns" "$RPS" "$P50" "$P99" "$FAILS" "$dec; CPU $cpu ms a scan; RSS $(rss_mb) MB (peak $(hwm_mb) MB)"
  done
  stop_edge
done
HASHGATE_BIN=""

# --- reload under load ---------------------------------------------------
if [ "$SCAN_ONLY" != 1 ]; then
rel="$WORK/rel-reload"
n=100000
"$WORK/edgebench" release -keys "$KEYS" -out "$rel" -n "$n" -seed 1 -version 1
# The next release is built now: a publisher builds on its own machine, and
# building here would measure the publisher's CPU use, not the edge's reload.
next="$WORK/rel-reload-v2"
"$WORK/edgebench" release -keys "$KEYS" -out "$next" -n "$n" -seed 2 -version 2
start_edge "$rel" --poll 500ms
echo "== steady state before the reload" >&2
"$WORK/edgebench" lua -out "$WORK/reload.lua" -n "$n" -seed 1
run_wrk "steady" "$CONNS" 2 "$WORK/reload.lua" /v1/verify
STEADY_P99=$P99
row "steady state, $n entries" "$RPS" "$P50" "$P99" "$FAILS" ""
echo "== the same load with a new release published mid-run" >&2
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency -s "$WORK/reload.lua" "$URL/v1/verify" >"$WORK/reload.wrk" &
WRK=$!
sleep $((DURATION / 3))
# Publish as a publisher would: artifacts first, then the signature and the
# manifest, each renamed into place.
for f in "$next"/*-*.* "$next/manifest.sig" "$next/manifest.json"; do
  cp "$f" "$rel/.tmp-publish" && mv "$rel/.tmp-publish" "$rel/$(basename "$f")"
done
wait "$WRK"
parse_wrk "$WORK/reload.wrk"
VERSION=$(curl -s "$URL/readyz" | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
RELOADS=$(curl -s "http://127.0.0.1:$((PORT+1))/metrics" | awk '$1=="hashgate_edge_reloads_total"{print $2}')
verdict="FAIL"
if [ "$FAILS" = 0 ] && [ "$VERSION" = 2 ] && awk -v a="$P99" -v b="$STEADY_P99" 'BEGIN{exit !(a <= 2*b)}'; then verdict="PASS"; fi
row "reload under load (v1 -> v$VERSION)" "$RPS" "$P50" "$P99" "$FAILS" "$verdict: reloads=$RELOADS, p99 $P99 ms vs 2 x $STEADY_P99 ms"
stop_edge
fi

echo
echo "edge load benchmark: $(nproc) cores, wrk ${DURATION}s per run, $(date -u +%Y-%m-%dT%H:%MZ), load average at start $LOAD_AT_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run                                | req/s      | p50 ms   | p99 ms   | failed | notes |"
echo "|------------------------------------|------------|----------|----------|--------|-------|"
printf '%s\n' "${ROWS[@]}"
