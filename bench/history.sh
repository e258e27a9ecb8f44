#!/usr/bin/env bash
# Times rca-site's history walk against `git log --name-status` on the same
# repository, alternating the two so machine load hits both alike.
#
#   bench/history.sh [DIR]     default DIR: /dev/shm/rca-bench-10000
#
# Environment: RUNS=7 (pairs of runs; medians are reported).
# Also times one full `rca-site build` of DIR and prints its progress line,
# which includes the history stage. DIR is only read.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
dir=${1:-/dev/shm/rca-bench-10000}
runs=${RUNS:-7}
out=/dev/shm/rca-history-bench-out

log() { echo "history: $*" >&2; }
[ -d "$dir/.git" ] || { log "$dir is not a git repository (generate it with bench/bench.sh)"; exit 1; }

log "cargo build --release (rca-site, examples/history_walk)"
(cd "$repo" && cargo build --release --quiet && cargo build --release --quiet --example history_walk)
walk=$target/release/examples/history_walk

now() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s–%s", lo, hi}'; }

ours=() theirs=()
info=$("$walk" "$dir")
log "repository: $(git -C "$dir" rev-list --count HEAD) commits; walk: $info (ms, commits, content commits, files)"
for i in $(seq 1 "$runs"); do
    ms=$("$walk" "$dir" | cut -d' ' -f1)
    start=$(now)
    git -C "$dir" log --name-status --format=%H%x00%at >/dev/null
    end=$(now)
    git_ms=$(awk -v ns=$((end - start)) 'BEGIN {printf "%.1f", ns / 1e6}')
    ours+=("$ms") theirs+=("$git_ms")
    printf 'run %d:  rca-site history %8.1f ms   git log --name-status %8.1f ms\n' "$i" "$ms" "$git_ms"
done
printf 'median:  rca-site history %8s ms   git log --name-status %8s ms   (%d runs each)\n' \
    "$(median "${ours[@]}")" "$(median "${theirs[@]}")" "$runs"
printf 'spread:  rca-site history %s ms   git log --name-status %s ms\n' "$(spread "${ours[@]}")" "$(spread "${theirs[@]}")"

rm -rf "$out"
start=$(now)
"$target/release/rca-site" build --root "$dir" --out "$out" 2>&1 | tail -n 1
end=$(now)
awk -v ns=$((end - start)) 'BEGIN {printf "full build with history: %.3f s wall\n", ns / 1e9}'
rm -rf "$out"
