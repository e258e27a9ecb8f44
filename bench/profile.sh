#!/usr/bin/env bash
# Where one `rca-site build` spends its CPU: perf record (software clock,
# DWARF call graphs) of one build, then the top functions by self time and
# the CPU under each stage's entry point (inclusive).
#
#   bench/profile.sh [CORPUS]     default /dev/shm/corpus-rca (only read)
#
# Environment: STACK (bytes of stack copied per sample, default 16384; up to
# 65528 for deeper call chains, bigger data), RCA_SITE (default target/release/rca-site), FREQ (samples per
# second of CPU, default 499), TOP (functions listed, default 40),
# REPORT_ONLY=1 (report on DATA again, no new run), DATA (perf data file, default /dev/shm/rca-profile.data; kept for
# `perf report -i`). The build writes to /dev/shm/out-rca-profile, which the
# script deletes before the run only if its stamp is there (it made it).
# Needs `perf` (apt-get install linux-perf); hardware counters are not
# needed (cpu-clock sampling works in VMs without a PMU).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=${1:-/dev/shm/corpus-rca}
rca_site=${RCA_SITE:-$repo/target/release/rca-site}
freq=${FREQ:-499}
top=${TOP:-40}
data=${DATA:-/dev/shm/rca-profile.data}
out=/dev/shm/out-rca-profile
stamp=/dev/shm/.profile-out-rca-profile

die() { echo "profile: $*" >&2; exit 1; }
command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
[ -x "$rca_site" ] || die "$rca_site not found (cargo build --release)"
[ -d "$corpus/content" ] || die "$corpus has no content/ folder"
if [ "${REPORT_ONLY:-0}" = 1 ]; then
    [ -f "$data" ] || die "REPORT_ONLY=1 but $data is missing"
elif [ -e "$out" ]; then
    [ -e "$stamp" ] || die "$out exists and was not made by this script; move it away"
    rm -rf "$out"
fi
if [ "${REPORT_ONLY:-0}" != 1 ]; then
echo "made by bench/profile.sh" >"$stamp"
echo "== perf record -F $freq -e cpu-clock --call-graph dwarf: $rca_site build in $corpus =="
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$corpus" && perf record -q -F "$freq" -e cpu-clock --call-graph "dwarf,${STACK:-16384}" -o "$data" -- \
    "$rca_site" build --out "$out") 2>&1 | grep -v '^\[ perf record' || true
fi

# Like head -n, but reads all its input: no SIGPIPE under pipefail.
first() { awk -v n="$1" 'NR <= n { sub(/ +- +- *$/, ""); print }'; }
report() { perf report -i "$data" --no-inline --percent-limit 0.3 --stdio "$@" 2>/dev/null; }

echo
echo "== top $top functions by self time (percent of all samples; all threads) =="
report --no-children --sort symbol -g none | grep -E '^ +[0-9]' | first "$top"

echo
echo "== the same by shared object =="
report --no-children --sort dso -g none | grep -E '^ +[0-9]' | first 10

echo
echo "== inclusive (children) time of stage entry points and hot callers =="
report --children --sort symbol -g none | grep -E '^ +[0-9]' |
    grep -E 'rca_site::(site|git|search|render|markdown|parse|feeds|output|snapshot|archive|cmd)::|rayon|__libc_start|std::rt::lang_start' |
    first 60
