#!/usr/bin/env bash
# Runs storage_bench with a Cloud Storage emulator on loopback (tests/js/gcs-emulator) so the gs:// upload
# benchmarks run too. Usage: bench/storage/run.sh [BUILD_DIR] [benchmark flags...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
shift || true
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
node "$ROOT/tests/js/gcs-emulator/gcs-emulator.js" "$PORT" >/dev/null 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$PORT/_emulator/faults" >/dev/null; then break; fi
  sleep 0.1
done
STORAGE_EMULATOR_HOST="127.0.0.1:$PORT" "$BUILD/bench/storage/storage_bench" "$@"
