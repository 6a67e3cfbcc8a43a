#!/usr/bin/env bash
# The main job on embedded defaults, from nothing: installs the Debian packages, builds the taskbuilder binary,
# writes an example functional-model SavedModel, builds its ODP artifacts (Plan, ClientOnlyPlan with its TFLite
# program, initial checkpoints) for the example TaskConfig, shows what was built, simulates a few federated rounds
# with them, and finally runs the HTTP service (embedded task management, local storage) and sends it the same build
# with the client, as a deployment would. No cloud, no external server.
#
#   ./scripts/quickstart.sh [WORK_DIR]      (default: a fresh directory under /tmp; it is kept for you to look at)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
WORK="${1:-$(mktemp -d /tmp/taskbuilder-quickstart.XXXXXX)}"
mkdir -p "$WORK"

"$ROOT/scripts/build.sh" --target taskbuilder
TB="$BUILD_DIR/src/cli/taskbuilder"
step() { printf '\n== %s\n' "$*" >&2; }

step "example model: an MLP in TFF functional-model form -> $WORK/model"
"$TB" example-model --kind=mlp --out="$WORK/model"

step "build: model + examples/mlp_task_config.pbtxt -> $WORK/artifacts"
"$TB" build --saved_model="$WORK/model" --task_config="$ROOT/examples/mlp_task_config.pbtxt" \
  --out="$WORK/artifacts" >"$WORK/build.json"
ls -l "$WORK/artifacts" >&2
echo "task report: $(cat "$WORK/artifacts/task_report.json")" >&2

step "inspect: the device program (ClientOnlyPlan) in brief"
"$TB" inspect "$WORK/artifacts/client_only_plan.pb" >"$WORK/client_only_plan.json"
head -c 1200 "$WORK/client_only_plan.json" >&2
echo " ... (full JSON: $WORK/client_only_plan.json)" >&2

step "simulate: 5 rounds x 4 clients on synthetic examples, as ODP's server and phones would run them"
"$TB" simulate --artifacts="$WORK/artifacts" --rounds=5 --clients=4 --noprogress | tail -1

step "serve + client: the HTTP service with embedded task management and local storage"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$TB" serve --host=127.0.0.1 --port="$PORT" --storage="$WORK/storage" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
"$TB" client --task_builder_server="http://127.0.0.1:$PORT/" --saved_model="$WORK/model" \
  --task_config="$ROOT/examples/mlp_task_config.pbtxt" --json --strict >"$WORK/client_response.json" \
  2>"$WORK/client.log"
echo "tasks created: $(grep -o '"taskId": *"[0-9]*"' "$WORK/client_response.json" | tr '\n' ' ')" >&2
kill -TERM "$SERVER" && wait "$SERVER" || true
trap - EXIT

step "done: everything is in $WORK"
