#!/usr/bin/env bash
# End-to-end figures for `taskbuilder serve`: cold start to the first answered request, idle RSS, /healthz
# throughput with wrk on loopback (c=8 and c=64), and the Google Benchmark per-request costs.
# Usage: bench/server/run.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
SECS="${2:-10}"
BIN="$BUILD/src/cli/taskbuilder"
"$ROOT/scripts/install-deps.sh" --bench
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOME_DIR="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT

start_ns=$(date +%s%N)
TASKBUILDER_HOME="$HOME_DIR" "$BIN" serve --host=127.0.0.1 --port="$PORT" --quiet &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.002; done
end_ns=$(date +%s%N)
echo "cold start to first /healthz answer: $(( (end_ns - start_ns) / 1000000 )) ms"
sleep 1
echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

for c in 8 64; do
  echo "--- wrk -t2 -c$c -d${SECS}s /healthz"
  wrk -t2 -c"$c" -d"${SECS}s" --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|Latency|99%"
done
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

if [[ -x "$BUILD/bench/server/server_bench" ]]; then
  "$BUILD/bench/server/server_bench" --benchmark_min_time=0.2
fi
