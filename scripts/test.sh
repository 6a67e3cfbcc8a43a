#!/usr/bin/env bash
# Builds everything and runs every test: unit, integration and end-to-end (real servers on loopback), the
# independent checks (libleveldb, tfjs, the TFLite WebAssembly runtime, a GCS emulator) and a bounded fuzz run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/build.sh"
if [[ -x "$ROOT/scripts/install-js.sh" ]]; then "$ROOT/scripts/install-js.sh"; fi
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 900
if [[ -x "$ROOT/scripts/fuzz.sh" ]]; then "$ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-10}"; fi
echo "test.sh: all tests passed" >&2
