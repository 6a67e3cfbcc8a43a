#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/, clang + ASan/UBSan) into ${FUZZ_BUILD_DIR:-build-fuzz} and runs each for
# a bounded time (default 10 s; first argument overrides). Seeds come from tests/testdata/fuzz/<target>/ when present.
# A crash fails the script and leaves the reproducer in build-fuzz/artifacts/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-10}"
BUILD_DIR="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
"$ROOT/scripts/install-deps.sh" --fuzz
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_FUZZ=ON \
    -DTB_TESTS=OFF -DTB_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target all_fuzzers -j "$(nproc)"
mkdir -p "$BUILD_DIR/artifacts" "$BUILD_DIR/corpus"
shopt -s nullglob
targets=("$BUILD_DIR"/fuzz/*_fuzzer)
for target in "${targets[@]}"; do
  name="$(basename "$target")"
  corpus="$BUILD_DIR/corpus/$name"
  mkdir -p "$corpus"
  seeds=()
  if [[ -d "$ROOT/tests/testdata/fuzz/$name" ]]; then seeds=("$ROOT/tests/testdata/fuzz/$name"); fi
  echo "fuzz: $name for ${SECONDS_PER_TARGET}s" >&2
  "$target" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
    -artifact_prefix="$BUILD_DIR/artifacts/$name-" "$corpus" "${seeds[@]}" 2>"$BUILD_DIR/$name.log" || {
      tail -50 "$BUILD_DIR/$name.log" >&2
      echo "fuzz: $name FAILED (log: $BUILD_DIR/$name.log)" >&2
      exit 1
    }
done
echo "fuzz: ${#targets[@]} targets ran clean" >&2
