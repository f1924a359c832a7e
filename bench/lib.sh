# Shared by the bench/*.sh scripts (sourced, not run): tool checks, a work
# folder that is removed on exit together with every process registered in
# BENCH_PIDS, and a bounded wait for an edge's /readyz.

# bench_need SCRIPT TOOL...: exits with a clear message when a tool is missing.
bench_need() {
  local who=$1; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$who needs $tool (apt-get install -y $tool)" >&2; exit 1; }
  done
}

WORK=$(mktemp -d)
BENCH_PIDS=()
bench_cleanup() {
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# bench_wait_ready URL PID TRIES: polls URL/readyz every 0.5 s, at most TRIES
# times, until it answers 200 (returns 0) or PID ends or time runs out
# (returns 1).
bench_wait_ready() {
  local url=$1 pid=$2 tries=$3
  for _ in $(seq 1 "$tries"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
