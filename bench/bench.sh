#!/usr/bin/env bash
# Times `rca-site build` on synthetic archives (examples/gen_archive.rs).
#
#   bench/bench.sh [N...]        N = number of incidents; default: 1000 10000
#
# Environment:
#   RUNS=5              timed builds per archive (the medians are reported)
#   SEED=1              generator seed
#   COMMITS_PERCENT=150 git commits as a percentage of N (0: no git repository)
#
# Archives live on tmpfs in /dev/shm/rca-bench-N and are reused while their
# stamp file (/dev/shm/rca-bench-N.stamp) matches N, the seed, the commit
# count and the generator's source. See bench/README.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
runs=${RUNS:-5}
seed=${SEED:-1}
commits_percent=${COMMITS_PERCENT:-150}
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(1000 10000); fi

rca_site=$target/release/rca-site
generator=$target/release/examples/gen_archive

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

# /usr/bin/time (GNU time) reports the maximum RSS; bash's `time` keyword can't.
ensure_gnu_time() {
    [ -x /usr/bin/time ] && return
    log "installing GNU time"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq time >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq time >/dev/null; }
}

build_binaries() {
    log "cargo build --release"
    (cd "$repo" && cargo build --release --quiet && cargo build --release --quiet --example gen_archive)
}

# Generates /dev/shm/rca-bench-N unless an identical archive is already there.
# The stamp sits beside the archive, not in it, so the archive's git working
# tree stays clean.
ensure_archive() {
    local n=$1 dir=/dev/shm/rca-bench-$1 stamp=/dev/shm/rca-bench-$1.stamp
    local commits=$((n * commits_percent / 100))
    local want
    want="incidents=$n seed=$seed git_commits=$commits generator=$(cat "$repo/examples/gen_archive.rs" "$repo/examples/synth/random.rs" | sha256sum | cut -c1-16)"
    if [ -d "$dir" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        log "reusing $dir"
        return
    fi
    rm -rf "$dir" "$stamp"
    "$generator" --out "$dir" --incidents "$n" --seed "$seed" --git-commits "$commits"
    echo "$want" >"$stamp"
}

# Prints "<wall seconds> <max RSS MiB>" for one build. Wall time is measured
# here (ns clock) because GNU time only reports it to 10 ms.
timed_build() {
    local dir=$1 out=$2 report=$3 errors=$4
    rm -rf "$out" # every run starts from the same state; deleting is not timed
    local start end
    start=$(date +%s%N)
    if ! /usr/bin/time -v -o "$report" "$rca_site" build --root "$dir" --out "$out" -q 2>"$errors"; then
        log "rca-site build failed on $dir:"
        head -n 20 "$errors" >&2
        exit 1
    fi
    end=$(date +%s%N)
    local rss_kib
    rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")
    awk -v ns=$((end - start)) -v kib="$rss_kib" 'BEGIN {printf "%.3f %.1f\n", ns / 1e9, kib / 1024}'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
        END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

bench_one() {
    local n=$1 dir=/dev/shm/rca-bench-$1 out=/dev/shm/rca-bench-out-$1
    local scratch
    scratch=$(mktemp -d)
    local walls=() rsss=() run result wall rss
    echo "== $n incidents: $dir ($(du -sh --apparent-size --exclude=.git "$dir" | cut -f1) of content) =="
    for run in $(seq 1 "$runs"); do
        result=$(timed_build "$dir" "$out" "$scratch/time.txt" "$scratch/stderr.txt")
        read -r wall rss <<<"$result"
        printf 'run %d: %8.3f s %10.1f MiB max RSS\n' "$run" "$wall" "$rss"
        walls+=("$wall")
        rsss+=("$rss")
    done
    rm -rf "$scratch"
    local mw mr
    mw=$(median "${walls[@]}")
    mr=$(median "${rsss[@]}")
    printf 'median: %7.3f s %10.1f MiB max RSS\n\n' "$mw" "$mr"
    summary+=("$(printf '%10s %12.3f %14.1f' "$n" "$mw" "$mr")")
}

main() {
    local n
    for n in "${sizes[@]}"; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a number of incidents: $n"
    done
    ensure_gnu_time
    build_binaries
    [ -x "$rca_site" ] || die "no $rca_site after cargo build"
    for n in "${sizes[@]}"; do ensure_archive "$n"; done

    summary=()
    for n in "${sizes[@]}"; do bench_one "$n"; done
    printf '%10s %12s %14s\n' incidents median_s median_rss_mib
    printf '%s\n' "${summary[@]}"
}

main
