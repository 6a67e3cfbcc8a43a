#!/usr/bin/env bash
# Installs the Node.js packages of the independent checkers under tests/js/<tool>/ (tfjs graph runner, TFLite
# WebAssembly runtime, GCS emulator). Offline-safe flags: no install scripts, no audit. Skips up-to-date trees.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shopt -s nullglob
for pkg in "$ROOT"/tests/js/*/package.json; do
  dir="$(dirname "$pkg")"
  stamp="$dir/node_modules/.tb-installed"
  if [[ -f "$stamp" && "$stamp" -nt "$pkg" ]]; then continue; fi
  echo "install-js: npm install in ${dir#$ROOT/}" >&2
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$stamp"
done
