#!/usr/bin/env bash
# End-to-end timing of `taskbuilder build` (wall time, CPU time and peak RSS from /usr/bin/time) for the keras
# fixture (σ given, and σ calibrated) and for `taskbuilder example-model --kind=mlp` models of ~1M, 10M and 100M
# parameters, next to the cost of just writing the checkpoint bytes the build writes (dd of the same two
# checkpoints, with fsync as the local store does and without). The build's --verbose log splits each run into
# start-up (process start to first log line), DP accounting (ε or calibration), load + compile, and upload
# (writing the artifacts; the local store fsyncs each file).
#
# Usage: bench/build/run.sh [BUILD_DIR] [SCRATCH_DIR]
#   RUNS=N        runs per case (median reported; default 5, the 100M model runs min(RUNS, 2) times)
#   SIZES="..."   hidden-unit counts of the mlp (784 -> H -> 2): default "1275 12755 127551" (1.0M, 10.0M, 100.0M);
#                 H = 12755 also runs TREE_AGGREGATION + server Adam (the heaviest server state)
#   TASKBUILDER   the binary to time (default BUILD_DIR/src/cli/taskbuilder), e.g. an older build to compare
#   TB_SHARED_DIR the ODP fixtures (default /work/shared); the keras cases are skipped when absent
# Needs /usr/bin/time (Debian package `time`). Figures and goals: bench/README.md, section "build".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
SCRATCH="${2:-$(mktemp -d "${TMPDIR:-/tmp}/tb_build_run.XXXXXX")}"
RUNS="${RUNS:-5}"
SIZES="${SIZES:-1275 12755 127551}"
SHARED="${TB_SHARED_DIR:-/work/shared}"
TB="${TASKBUILDER:-$BUILD/src/cli/taskbuilder}"
[[ -x "$TB" ]] || { echo "no taskbuilder binary at $TB (build the 'taskbuilder' target)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
mkdir -p "$SCRATCH"
[[ -n "${2:-}" ]] || trap 'rm -rf "$SCRATCH"' EXIT
SIGMA=0.22200350938986962  # the keras sample's calibrated noise multiplier (ε = 10 at δ = 1/3e6, 1000 rounds)

# Milliseconds since midnight of a log line's "HH:MM:SS.mmm" stamp.
stamp_ms() { awk '{ split($2, t, ":"); printf "%.0f\n", (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }'; }

# One build: prints "wall_ms cpu_ms rss_kb startup_ms dp_ms compile_ms upload_ms ckpt_bytes".
one_build() {
  local model="$1" config="$2" out="$3" log="$SCRATCH/build.log" timing="$SCRATCH/time.txt"
  rm -rf "$out"
  # shellcheck disable=SC2086  # EXTRA_FLAGS is a word list
  /usr/bin/time -o "$timing" -f "%e %U %S %M" "$TB" build --verbose ${EXTRA_FLAGS:-} --saved_model="$model" \
    --task_config="$config" --out="$out" >/dev/null 2>"$log" || { echo "build failed:" >&2; tail -5 "$log" >&2; exit 1; }
  local start dp_begin dp_end built end
  start=$(grep -m1 '^[ID]' "$log" | stamp_ms)
  dp_begin=$(grep -m1 'Building the artifacts of' "$log" | stamp_ms)
  dp_end=$(grep 'dp_parameters.cc' "$log" | tail -1 | stamp_ms)
  built=$(grep 'Initial checkpoint was built successfully' "$log" | tail -1 | stamp_ms)
  end=$(grep 'Artifacts are uploaded' "$log" | tail -1 | stamp_ms)
  local bytes
  bytes=$(( $(stat -c %s "$out/initial_state.server.ckp") + $(stat -c %s "$out/eval_initial_state.server.ckp" 2>/dev/null || echo 0) ))
  read -r e u s m <"$timing"
  awk -v e="$e" -v u="$u" -v s="$s" -v m="$m" -v st="$start" -v db="$dp_begin" -v de="$dp_end" -v b="$built" \
      -v en="$end" -v by="$bytes" 'BEGIN {
    wall = e * 1000; printf "%.0f %.0f %d %.0f %d %d %d %d\n", wall, (u + s) * 1000, m, wall - (en - st), de - db, b - de, en - b, by }'
}

# Writing the same checkpoint bytes: dd of both checkpoints to new files, with and without fsync.
# Prints "fsync_ms nofsync_ms" (the files are in the page cache, so this is the write side only).
write_bytes() {
  local out="$1" t0 t1 t2 f
  t0=$(date +%s%N)
  for f in initial_state.server.ckp eval_initial_state.server.ckp; do
    [[ -f "$out/$f" ]] && dd if="$out/$f" of="$SCRATCH/copy_$f" bs=4M conv=fsync status=none
  done
  t1=$(date +%s%N)
  rm -f "$SCRATCH"/copy_*
  for f in initial_state.server.ckp eval_initial_state.server.ckp; do
    [[ -f "$out/$f" ]] && dd if="$out/$f" of="$SCRATCH/copy_$f" bs=4M status=none
  done
  t2=$(date +%s%N)
  rm -f "$SCRATCH"/copy_*
  echo "$(( (t1 - t0) / 1000000 )) $(( (t2 - t1) / 1000000 ))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Runs a case `runs` times; prints one markdown row of medians.
run_case() {
  local name="$1" model="$2" config="$3" params="$4" runs="$5" out="$SCRATCH/out" rows="$SCRATCH/rows.txt"
  : >"$rows"
  for _ in $(seq "$runs"); do
    echo "$(one_build "$model" "$config" "$out") $(write_bytes "$out")" >>"$rows"
  done
  local col
  declare -a med
  for col in 1 2 3 4 5 6 7 8 9 10; do med[$col]=$(awk -v c=$col '{ print $c }' "$rows" | median); done
  local excl=$(( med[1] - med[5] ))
  awk -v n="$name" -v p="$params" -v r="$runs" -v w="${med[1]}" -v c="${med[2]}" -v m="${med[3]}" -v st="${med[4]}" \
      -v dp="${med[5]}" -v co="${med[6]}" -v up="${med[7]}" -v by="${med[8]}" -v fs="${med[9]}" -v nf="${med[10]}" \
      -v ex="$excl" 'BEGIN {
    ratio = (fs > 0) ? sprintf("%.2f", ex / fs) : "-"
    printf "| %s | %s | %d | %d ms | %d ms | %d ms | %.1f MB | %d | %d | %d | %d | %.1f MB | %d ms | %d ms | %s |\n",
      n, p, r, w, ex, c, m / 1024, st, dp, co, up, by / 1e6, fs, nf, ratio }'
}

echo "taskbuilder build, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "| case | params | runs | wall | wall excl. DP | CPU | peak RSS | start-up+exit ms | DP ms | load+compile ms | upload ms | ckpt bytes | write bytes (fsync) | write bytes (no fsync) | excl. DP / write (fsync) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"

KERAS="$SHARED/fixtures/odp/keras/input"
if [[ -d "$KERAS/keras_model" ]]; then
  grep -v use_daf "$KERAS/keras_task_config.pbtxt" >"$SCRATCH/keras_calibrated.pbtxt"
  sed "s/clip_norm: 0.1/clip_norm: 0.1\n    noise_multiplier: $SIGMA/" "$SCRATCH/keras_calibrated.pbtxt" >"$SCRATCH/keras_sigma.pbtxt"
  run_case "keras fixture, σ given" "$KERAS/keras_model" "$SCRATCH/keras_sigma.pbtxt" 203k "$RUNS"
  run_case "keras fixture, σ calibrated" "$KERAS/keras_model" "$SCRATCH/keras_calibrated.pbtxt" 203k "$RUNS"
else
  echo "(keras fixture not found under $SHARED: skipped)" >&2
fi

sed "s/clip_norm: 0.1/clip_norm: 0.1\n  noise_multiplier: $SIGMA/" "$ROOT/examples/mlp_task_config.pbtxt" >"$SCRATCH/mlp_sigma.pbtxt"
for h in $SIZES; do
  params=$(( 784 * h + h + 2 * h + 2 ))
  "$TB" example-model --kind=mlp --hidden_units="$h" --out="$SCRATCH/mlp_$h" >/dev/null
  runs="$RUNS"
  (( params > 50000000 && runs > 2 )) && runs=2
  run_case "mlp 784-$h-2, σ given" "$SCRATCH/mlp_$h" "$SCRATCH/mlp_sigma.pbtxt" "$params" "$runs"
  if (( h == 12755 )); then
    # The heaviest server state: tree aggregation (parameter-sized initial noise and previous noise) + server Adam.
    sed 's/type: FIXED_GAUSSIAN/type: TREE_AGGREGATION/; s/server_optimizer: SGD/server_optimizer: ADAM/' \
      "$SCRATCH/mlp_sigma.pbtxt" >"$SCRATCH/mlp_tree_adam.pbtxt"
    # (The keras σ is not private enough under tree accounting at report goal 2; the check is not what is timed.)
    EXTRA_FLAGS=--skip_dp_check run_case "mlp 784-$h-2, TREE_AGGREGATION + server Adam" "$SCRATCH/mlp_$h" \
      "$SCRATCH/mlp_tree_adam.pbtxt" "$params" "$runs"
  fi
  rm -rf "$SCRATCH/mlp_$h" "$SCRATCH/out"
done
