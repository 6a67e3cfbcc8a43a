#!/usr/bin/env bash
# Builds everything and runs every test: unit, integration and end-to-end (real servers on loopback), the
# independent checks (libleveldb, tfjs, the TFLite WebAssembly runtime, a GCS emulator) and every fuzz target on its
# seeds plus deterministic mutations (ctest label `fuzz`).
# Coverage-guided fuzzing needs a second, sanitized clang build, which would double CI time; it runs when asked:
#   FUZZ_SECONDS=60 ./scripts/test.sh      (or ./scripts/fuzz.sh 60 on its own)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/build.sh"
"$ROOT/scripts/install-js.sh"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 900
if [[ "${FUZZ_SECONDS:-0}" -gt 0 ]]; then "$ROOT/scripts/fuzz.sh" "$FUZZ_SECONDS"; fi
echo "test.sh: all tests passed" >&2
