#!/usr/bin/env bash
# rca-site against Hugo on the reference corpus (../shared/bench/gen_corpus.py),
# in one run, interleaved A B A B …  (issue 16, item 4; see bench/README.md).
#
#   bench/hugo_compare.sh [N]          N incidents, default 10000
#
# Environment:
#   RUNS=7         timed runs of each tool (medians and ranges are reported)
#   PLAIN=0        1: build plain directories (the corpora's files, no .git):
#                  rca-site reads no history and Hugo runs without --enableGitInfo
#   HUGO=1         0: time rca-site alone (e.g. PLAIN=1 at 100,000 incidents)
#   RCA_SITE=…     the binary (default: target/release/rca-site of this repo;
#                  built with `cargo build --release` if missing)
#   GEN_CORPUS=…   gen_corpus.py (default ../shared/bench/ or /work/shared/bench/)
#
# Corpora (generated when missing, never modified or deleted):
#   git:   /dev/shm/corpus-rca, /dev/shm/corpus-hugo      (N = 10000)
#          /dev/shm/corpus-rca-N, /dev/shm/corpus-hugo-N  (other N)
#   plain: /dev/shm/corpus-rca-plain-N, /dev/shm/corpus-hugo-plain-N: a copy of
#          the git corpus' files without .git if that corpus exists, else
#          written by bench/gen_plain.py (the same files, no history)
# Outputs: /dev/shm/out-rca, /dev/shm/out-hugo; the script deletes one before
# each run (outside the timed part) only if it made it itself (a stamp file
# /dev/shm/.hugo_compare-out-*), and refuses to touch a folder it did not make.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-10000}
runs=${RUNS:-7}
plain=${PLAIN:-0}
with_hugo=${HUGO:-1}
rca_site=${RCA_SITE:-$repo/target/release/rca-site}
gen=${GEN_CORPUS:-}
if [ -z "$gen" ]; then
    for g in "$repo/../shared/bench/gen_corpus.py" /work/shared/bench/gen_corpus.py; do
        if [ -f "$g" ]; then gen=$g; break; fi
    done
fi
out_rca=/dev/shm/out-rca
out_hugo=/dev/shm/out-hugo

log() { echo "hugo_compare: $*" >&2; }
die() { log "$*"; exit 1; }

case $n in '' | *[!0-9]*) die "N must be a number of incidents, not '$n'" ;; esac
case $runs in '' | *[!0-9]* | 0) die "RUNS must be a positive number, not '$runs'" ;; esac
[ -n "$gen" ] && [ -f "$gen" ] || die "gen_corpus.py not found (set GEN_CORPUS)"
command -v python3 >/dev/null || die "python3 is needed"
if [ "$with_hugo" = 1 ]; then command -v hugo >/dev/null || die "hugo not found (apt-get install hugo), or set HUGO=0"; fi

if [ "$n" = 10000 ]; then git_rca=/dev/shm/corpus-rca git_hugo=/dev/shm/corpus-hugo
else git_rca=/dev/shm/corpus-rca-$n git_hugo=/dev/shm/corpus-hugo-$n; fi

# The number of incident files in a corpus, to catch one made for another N.
count_incidents() { find "$1/content/incidents" -name '*.md' ! -name '_index.md' | wc -l; }

ensure_git_corpus() { # flavor dir
    local flavor=$1 dir=$2
    if [ ! -d "$dir" ]; then
        log "generating $dir ($n incidents, $flavor flavor, with git history)"
        python3 "$gen" --incidents "$n" --out "$dir" --flavor "$flavor" >&2
    fi
    [ -d "$dir/.git" ] || die "$dir is not a git repository; PLAIN=1 measures plain folders"
    local have; have=$(count_incidents "$dir")
    [ "$have" = "$n" ] || die "$dir holds $have incidents, not $n (made for another N?)"
}

ensure_plain_corpus() { # flavor git-dir plain-dir
    local flavor=$1 from=$2 dir=$3
    if [ ! -d "$dir" ]; then
        if [ -d "$from/.git" ] && [ "$(count_incidents "$from")" = "$n" ]; then
            log "copying the files of $from to $dir (no .git)"
            mkdir -p "$dir.tmp.$$"
            tar -C "$from" --exclude=./.git -cf - . | tar -C "$dir.tmp.$$" -xf -
        else
            log "writing $dir with bench/gen_plain.py ($n incidents, $flavor flavor, no history)"
            python3 "$repo/bench/gen_plain.py" --gen "$gen" --incidents "$n" --out "$dir.tmp.$$" --flavor "$flavor" >&2
        fi
        mv "$dir.tmp.$$" "$dir"
    fi
    [ ! -e "$dir/.git" ] || die "$dir has a .git; PLAIN=1 wants a plain folder"
    local have; have=$(count_incidents "$dir")
    [ "$have" = "$n" ] || die "$dir holds $have incidents, not $n (made for another N?)"
}

if [ "$plain" = 1 ]; then
    src_rca=/dev/shm/corpus-rca-plain-$n src_hugo=/dev/shm/corpus-hugo-plain-$n
    ensure_plain_corpus rca "$git_rca" "$src_rca"
    [ "$with_hugo" = 1 ] && ensure_plain_corpus hugo "$git_hugo" "$src_hugo"
    hugo_cmd=(hugo --quiet -d "$out_hugo")
else
    src_rca=$git_rca src_hugo=$git_hugo
    ensure_git_corpus rca "$src_rca"
    [ "$with_hugo" = 1 ] && ensure_git_corpus hugo "$src_hugo"
    hugo_cmd=(hugo --quiet --enableGitInfo -d "$out_hugo")
fi
rca_cmd=("$rca_site" build -q --out "$out_rca")

if [ ! -x "$rca_site" ]; then
    [ -z "${RCA_SITE:-}" ] || die "$rca_site is not an executable"
    log "cargo build --release"
    (cd "$repo" && cargo build --release --quiet)
fi

# An output folder is the script's own if its stamp is there; a folder
# that exists without a stamp belongs to someone else.
claim_out() {
    local dir=$1 stamp=/dev/shm/.hugo_compare-out-$(basename "$1")
    case $dir in /dev/shm/?*) ;; *) die "output $dir is not under /dev/shm" ;; esac
    if [ -e "$dir" ] && [ ! -e "$stamp" ]; then
        die "$dir exists and was not made by this script (no $stamp); move it away first"
    fi
    echo "made by bench/hugo_compare.sh (pid $$, $(date -u +%FT%TZ)); it deletes $dir before each run" >"$stamp"
}
claim_out "$out_rca"
[ "$with_hugo" = 1 ] && claim_out "$out_hugo"

logs=$(mktemp -d /dev/shm/hugo_compare-logs.XXXXXX)
trap 'rm -rf "$logs"' EXIT

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The last commit that changed what the binary is built from.
src_commit=$(git -C "$repo" log -1 --format=%h -- src theme Cargo.toml Cargo.lock build.rs 2>/dev/null || echo unknown)
dirty=$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (uncommitted changes)" || true)
echo "== $n incidents, $([ "$plain" = 1 ] && echo 'plain folders, no git' || echo 'git history'), $runs runs each, interleaved =="
echo "rca-site: $rca_site (worktree at $commit$dirty; src last changed in $src_commit)"
echo "  in $src_rca: ${rca_cmd[*]}"
if [ "$with_hugo" = 1 ]; then
    echo "hugo:     $(hugo version | cut -d' ' -f2)"
    echo "  in $src_hugo: ${hugo_cmd[*]}"
fi
echo "machine:  $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The timed loop (bench/interleave.py): one fork per run, each child's own
# rusage from wait4.
args=("$runs" "$logs" -- rca-site "$src_rca" "$out_rca" "${rca_cmd[@]}")
[ "$with_hugo" = 1 ] && args+=(-- hugo "$src_hugo" "$out_hugo" "${hugo_cmd[@]}")
python3 "$repo/bench/interleave.py" "${args[@]}"

# Output of the last run of each tool.
echo
echo "output of the last run:"
report_out() { # name dir
    local name=$1 dir=$2 size files html big
    size=$(du -sb "$dir" | cut -f1)
    files=$(find "$dir" -type f | wc -l)
    html=$(find "$dir" -type f -name '*.html' | wc -l)
    big=$(find "$dir" -type f -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
    awk -v n="$name" -v s="$size" -v f="$files" -v h="$html" -v b="${big%% *}" -v p="${big#* }" \
        'BEGIN { printf "  %-9s %8.1f MB in %6d files (%d HTML); largest HTML page: %.1f KB /%s\n", n, s / 1e6, f, h, b / 1e3, p }'
}
report_out rca-site "$out_rca"
[ "$with_hugo" = 1 ] && report_out hugo "$out_hugo"
echo "  (per page family: python3 bench/page_weights.py $out_rca)"
