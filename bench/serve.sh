#!/usr/bin/env bash
# Times `rca-site serve` from saving an edited incident to the reload event
# its tabs receive, and reports the server's memory. See bench/README.md.
#
#   bench/serve.sh                 # the example archive and a 10,000-incident copy
#   bench/serve.sh DIR...          # archives of your own (copied first, never edited)
#   RUNS=9 bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-7}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release -q
cargo build --release -q --example serve_latency
bin="$TARGET/release/rca-site"
client="$TARGET/release/examples/serve_latency"

archives=("$@")
if [ ${#archives[@]} -eq 0 ]; then
  archives=("." "/dev/shm/rca-bench-10000")
  if [ ! -d /dev/shm/rca-bench-10000 ]; then
    cargo run --release -q --example gen_archive -- --out /dev/shm/rca-bench-10000 --incidents 10000 --seed 1
  fi
fi

for src in "${archives[@]}"; do
  work="/dev/shm/rca-serve-bench-$$"
  rm -rf "$work"
  mkdir -p "$work"
  # Content, theme and config only: the copy is edited, the source never is.
  for part in content theme rca-site.toml; do
    [ -e "$src/$part" ] && cp -r "$src/$part" "$work/"
  done
  log="$work.log"
  "$bin" serve --root "$work" --port 0 2>"$log" &
  pid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "serve did not start:" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  n=$(find "$work/content/incidents" -name '*.md' | wc -l)
  echo "== $src: $n incident files (first build: $(grep -o 'in [0-9]* ms' "$log" | head -1)) =="
  "$client" --root "$work" --port "$port" --pid "$pid" --runs "$RUNS" ${ONLY:+--only "$ONLY"}
  echo "-- server log (rebuilds) --"
  grep '^Built' "$log" | tail -n $((RUNS * 2 + 1))
  kill -TERM "$pid"
  wait "$pid" || true
  rm -rf "$work" "$log"
done
