#!/usr/bin/env bash
# Installs every Debian package taskbuilder needs to build and test on a fresh Debian 12 machine.
# Idempotent: packages already present are skipped, and apt-get update runs only when something is missing.
#   install-deps.sh            build + tests (what CI needs)
#   install-deps.sh --fuzz     also clang and its sanitizer/libFuzzer runtime (scripts/fuzz.sh)
#   install-deps.sh --bench    also wrk (bench/server/run.sh)
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ ccache pkg-config
  libabsl-dev libprotobuf-dev protobuf-compiler libboost1.74-dev libcurl4-openssl-dev nlohmann-json3-dev
  libsnappy-dev libflatbuffers-dev flatbuffers-compiler libeigen3-dev libsqlite3-dev libssl-dev zlib1g-dev
  # tests: independent readers and runtimes (libleveldb, the Appendix C privacy oracle, Node.js checkers)
  libgtest-dev libgmock-dev libbenchmark-dev libleveldb-dev python3 python3-numpy python3-scipy nodejs
)
for arg in "$@"; do
  case "$arg" in
    --fuzz) PACKAGES+=(clang libclang-rt-14-dev) ;;
    --bench) PACKAGES+=(wrk) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all ${#PACKAGES[@]} packages present" >&2
