#!/usr/bin/env bash
# Abuse probes: replays the probes of the edge security review (issue 15)
# against a live `hashgate serve` on 127.0.0.1 and prints a table of probe,
# expected answer and the answer got. Every probe is a bounded number of
# curl requests with --max-time; nothing leaves loopback.
#
#   bench/abuse.sh            # exit status 1 if any probe got the wrong answer
#
# The edge runs in proxy mode in front of a small origin (python3's
# http.server, answering 201 and echoing one header) with the default
# limits except: --fail-open (to show it forwards no listed file),
# --client-ip-header X-Forwarded-For, --upload-path /upload/**.
# Needs: go, curl, convert (ImageMagick), python3. PORT (default 18090)
# and the next two ports are used.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18090}
OPORT=$((PORT + 1))
BPORT=$((PORT + 2))
URL="http://127.0.0.1:$PORT"
. bench/lib.sh
bench_need bench/abuse.sh go curl convert python3
HG="$WORK/hashgate"
go build -o "$HG" ./cmd/hashgate

# Keys, media and a release listing one image and one "video" by MD5.
"$HG" keygen --out "$WORK/k1" >/dev/null
"$HG" keygen --out "$WORK/k2" >/dev/null
"$HG" keygen --edge --out "$WORK/edge" >/dev/null
mkdir -p "$WORK/media" "$WORK/files"
convert -size 640x480 plasma:fractal -seed 7 -quality 90 "$WORK/media/listed.jpg"
cp "$WORK/media/listed.jpg" "$WORK/files/listed.jpg"
printf '\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom' >"$WORK/files/clip.mp4"
head -c 4096 /dev/zero >>"$WORK/files/clip.mp4"
printf 'md5\t%s\tvideo\n' "$(md5sum "$WORK/files/clip.mp4" | cut -d' ' -f1)" >"$WORK/list.tsv"
"$HG" build --list "$WORK/list.tsv" --from-media "$WORK/media" --label listed --out "$WORK/rel" \
  --key "$WORK/k1" --edge-pub "$WORK/edge" --version 1 >/dev/null 2>&1
convert -size 8000x8000 gradient:red-blue -interlace Plane -sampling-factor 1x1 -quality 90 "$WORK/files/prog-64mp.jpg"
convert -size 1500x1500 gradient:red-blue -interlace Plane -quality 90 "$WORK/files/prog-2mp.jpg"
convert -size 64x64 xc:blue "$WORK/files/clean.png"

# The origin: 201 for everything, body "hop=<X-Secret-Hop header>".
cat >"$WORK/origin.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        body = ("hop=%s" % self.headers.get("X-Secret-Hop", "")).encode()
        self.send_response(201); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = answer
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$WORK/origin.py" "$OPORT" &
BENCH_PIDS+=($!)

# start_edge PORT RELEASE TRUST STATE [flags]: starts an edge, waits
# (bounded) for /readyz 200 or the process to end; sets EPID.
start_edge() {
  local port=$1 rel=$2 trust=$3 state=$4; shift 4
  "$HG" serve --addr "127.0.0.1:$port" --metrics-addr "" --release "$rel" --trust "$trust" \
    --edge-key "$WORK/edge/edge.key" --state "$state" --poll 1s --log-level warn "$@" 2>>"$WORK/edge-$port.log" &
  EPID=$!
  BENCH_PIDS+=("$EPID")
  bench_wait_ready "http://127.0.0.1:$port" "$EPID" 40
}
start_edge "$PORT" "$WORK/rel" "$WORK/k1/publisher.pub" "$WORK/state.json" \
  --origin "http://127.0.0.1:$OPORT" --upload-path '/upload/**' --fail-open \
  --client-ip-header X-Forwarded-For || { echo "edge did not start:"; cat "$WORK/edge-$PORT.log"; exit 1; }

FAILS=0
row() { # row PROBE EXPECTED GOT
  local mark=ok
  [ "$2" = "$3" ] || { mark=WRONG; FAILS=$((FAILS + 1)); }
  printf '| %-58s | %-22s | %-22s | %-5s |\n' "$1" "$2" "$3" "$mark"
}
# code ARGS...: the status of one request (000 when none came back).
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@" || true; }
# client N: an X-Forwarded-For whose right-most entry is a fresh client,
# so that each probe has its own rate-limit bucket.
client() { echo "X-Forwarded-For: 203.0.113.$1"; }

printf '| %-58s | %-22s | %-22s | %-5s |\n' probe expected got ""
printf '|%s|%s|%s|%s|\n' "------------------------------------------------------------" "------------------------" "------------------------" "-------"

# High 2: decode memory bounded by bytes.
row "64-MP progressive JPEG ($(($(stat -c %s "$WORK/files/prog-64mp.jpg") / 1024)) KB) to /v1/scan" 413 \
  "$(code -H "$(client 1)" --data-binary "@$WORK/files/prog-64mp.jpg" "$URL/v1/scan")"
parts=(); for i in $(seq 1 16); do parts+=(-F "f$i=@$WORK/files/prog-2mp.jpg;type=image/jpeg"); done
row "16 progressive JPEG parts in one request" 413 "$(code -H "$(client 2)" "${parts[@]}" "$URL/v1/scan")"

# Medium 4: upload-path spellings.
for p in '/UPLOAD/p' '/upload;x/p' '/upload\p' '/a/../upload/p' '/%75pload/p'; do
  row "listed image POSTed to $p" 451 \
    "$(code --path-as-is -H "$(client 3)" -H 'Content-Type: image/jpeg' --data-binary "@$WORK/files/listed.jpg" "$URL$p")"
done

# Medium 5: a listed digest of a non-image, with --fail-open.
row "listed video MD5 (not an image) to /upload/v, fail-open" 451 \
  "$(code -H "$(client 4)" -H 'Content-Type: video/mp4' --data-binary "@$WORK/files/clip.mp4" "$URL/upload/v")"

# Medium 6: per-route body limit before the body is read.
head -c 8192 /dev/zero | tr '\0' ' ' >"$WORK/8k"
row "/v1/verify announcing a 32 MiB body" 413 \
  "$(code -H "$(client 5)" -H 'Content-Type: application/json' -H 'Content-Length: 33554432' --data-binary "@$WORK/8k" "$URL/v1/verify")"

# Medium 7 / Low 14 / Medium 8: 40 requests in one curl process (fast
# enough that the bucket, 10/s with bursts of 20, cannot refill), each with
# its own headers; prints "429 seen" or "no 429".
VQ='{"pdq":"0000000000000000000000000000000000000000000000000000000000000000","pdq_quality":100}'
burst() { # burst URL-PATH HEADER-FOR-i... (use @i for the request number)
  local path=$1 hdr=$2 data=$3 args=() i
  for i in $(seq 1 40); do
    [ "$i" = 1 ] || args+=(--next)
    args+=(-s -o /dev/null -w '%{http_code}\n' --max-time 20 -H "${hdr//@i/$i}" $data "$URL$path")
  done
  curl "${args[@]}" 2>/dev/null | grep -q 429 && echo "429 seen" || echo "no 429"
}
row "40 verify calls, each with a new left-most X-Forwarded-For" "429 seen" \
  "$(burst /v1/verify 'X-Forwarded-For: 10.9.9.@i, 198.51.100.1' "-H Content-Type:application/json --data $VQ")"
row "40 verify calls from 40 addresses of one IPv6 /64" "429 seen" \
  "$(burst /v1/verify 'X-Forwarded-For: 2001:db8:7:7::@i' "-H Content-Type:application/json --data $VQ")"
row "40 proxied uploads from one client" "429 seen" \
  "$(burst /upload/c 'X-Forwarded-For: 198.51.100.2' "-H Content-Type:image/png --data-binary @$WORK/files/clean.png")"

# Medium 9: bytes outside the parts, and images in text fields.
B=XyZ
mp() { printf -- '--%s\r\nContent-Disposition: form-data; %s\r\n\r\n' "$B" "$1"; cat; printf '\r\n'; }
{ printf 'preamble\r\n'; mp 'name="f"; filename="a.jpg"' <"$WORK/files/listed.jpg"; printf -- '--%s--\r\n' $B; } >"$WORK/pre"
{ printf 'hi' | mp 'name="t"'; printf -- '--%s--\r\n' $B; mp 'name="f"; filename="a.jpg"' <"$WORK/files/listed.jpg"; printf -- '--%s--\r\n' $B; } >"$WORK/epi"
{ base64 -w0 "$WORK/files/listed.jpg" | mp 'name="img"'; printf -- '--%s--\r\n' $B; } >"$WORK/b64"
{ { printf 'data:image/jpeg;base64,'; base64 -w0 "$WORK/files/listed.jpg"; } | mp 'name="img"'; printf -- '--%s--\r\n' $B; } >"$WORK/dataurl"
{ printf '{"title":"x"}' | mp $'name="meta"\r\nContent-Type: application/json'; mp 'name="f"; filename="c.png"' <"$WORK/files/clean.png"; printf -- '--%s--\r\n' $B; } >"$WORK/json"
for probe in "pre|listed image in the multipart preamble (fail-open)|400" "epi|listed image after the closing boundary|400" \
  "b64|listed image as base64 in a text field|451" "dataurl|listed image as a data: URL in a text field|451" \
  "json|JSON metadata part beside a clean file|201"; do
  IFS='|' read -r f what want <<<"$probe"
  row "$what" "$want" "$(code -H "$(client 7)" -H "Content-Type: multipart/form-data; boundary=$B" --data-binary "@$WORK/$f" "$URL/upload/m")"
done

# Low 13: /metrics is not public on the serving port (here it reaches the origin).
row "GET /metrics on the serving port" "origin's 201" \
  "$( [ "$(code "$URL/metrics")" = 201 ] && ! curl -s --max-time 5 "$URL/metrics" | grep -q hashgate_edge && echo "origin's 201" || echo "edge metrics")"
# Low 16: headers named in Connection are not forwarded.
row "X-Secret-Hop named in Connection reaches the origin" "hop=" \
  "$(curl -s --max-time 5 -H 'Connection: keep-alive, X-Secret-Hop' -H 'X-Secret-Hop: leaked' "$URL/elsewhere")"

# High 3: an unwritable --state refuses to start.
if "$HG" serve --addr "127.0.0.1:$BPORT" --metrics-addr "" --release "$WORK/rel" --trust "$WORK/k1/publisher.pub" \
  --edge-key "$WORK/edge/edge.key" --state "$WORK/8k/state.json" >/dev/null 2>&1; then got="started"; else got="refused to start"; fi
row "--state in a directory that cannot exist" "refused to start" "$got"

# High 1: rotated keys survive a restart with the old --trust.
"$HG" build --list "$WORK/list.tsv" --out "$WORK/rot" --key "$WORK/k1" --edge-pub "$WORK/edge" \
  --next-pub "$WORK/k2/publisher.pub" --version 1 >/dev/null 2>&1
start_edge "$BPORT" "$WORK/rot" "$WORK/k1/publisher.pub" "$WORK/rot-state.json" || true
rm -rf "$WORK/rot" && "$HG" build --list "$WORK/list.tsv" --out "$WORK/rot" --key "$WORK/k2" --edge-pub "$WORK/edge" --version 2 >/dev/null 2>&1
for _ in $(seq 1 25); do curl -s --max-time 2 "http://127.0.0.1:$BPORT/v1/manifest" | grep -q '"version": 2' && break; sleep 0.2; done
kill "$EPID"; wait "$EPID" 2>/dev/null || true
if start_edge "$BPORT" "$WORK/rot" "$WORK/k1/publisher.pub" "$WORK/rot-state.json"; then got="ready"; else got="not ready"; fi
row "restart with the old --trust on the new key's release" ready "$got"
rm -rf "$WORK/rot" && "$HG" build --list "$WORK/list.tsv" --out "$WORK/rot" --key "$WORK/k1" --edge-pub "$WORK/edge" --version 3 >/dev/null 2>&1
sleep 2.5 # two polls
v=$(curl -s --max-time 2 "http://127.0.0.1:$BPORT/v1/manifest" | grep -o '"version": [0-9]*' | grep -o '[0-9]*$' || echo none)
row "then a release signed by the retired key" "refused (v2 kept)" "$([ "$v" = 2 ] && echo "refused (v2 kept)" || echo "loaded v$v")"

echo
[ "$FAILS" = 0 ] && echo "every probe answered as expected" || { echo "$FAILS probe(s) answered wrongly"; exit 1; }
