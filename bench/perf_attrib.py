#!/usr/bin/env python3
"""Splits perf samples by the rca-site function they ran under.

Usage:
    perf script -i DATA --no-inline -F comm,tid,ip,sym | bench/perf_attrib.py [--depth 1|2] [--leaf PATTERN]

For every sample, walks its call chain from the leaf up and charges the
sample to the first (innermost) frame whose symbol starts with `rca_site::`
(closures folded into their function); samples with no rca-site frame in
their chain go to "(no rca_site frame: ...)" under their leaf's library.
With --leaf, only samples whose leaf symbol contains PATTERN are counted
(e.g. --leaf clear_page_erms: who faults in fresh pages). Prints the shares,
biggest first. DWARF unwinding may truncate deep stacks; the innermost
rca-site frame is usually still there.
"""
import argparse
import collections
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--leaf", default=None)
ap.add_argument("--top", type=int, default=30)
args = ap.parse_args()



IMPL_FOR = re.compile(r"^[\w:]*::_::<impl (?:[\w:]+::)?(\w+)(?:<[^>]*>)? for ([^>]+)>::(\w+)")
AS = re.compile(r"^<([\w:]+)(?:<[^>]*>)? as (?:[\w:]+::)?(\w+)(?:<[^>]*>)?>::(\w+)")


def fold(sym):
    """A readable name: closures folded into their function, impls named by type."""
    s = sym.split("+0x")[0].replace("::{{closure}}", "").replace("{{vtable.shim}}", "")
    m = IMPL_FOR.match(s)
    if m:
        return f"{m.group(2)}::{m.group(3)} ({m.group(1)})"
    m = AS.match(s)
    if m:
        return f"{m.group(1)}::{m.group(3)} ({m.group(2)})"
    return re.sub(r"<[^<>]*>", "", s)


counts = collections.Counter()
total = 0
chain = []


def flush():
    global total
    if not chain:
        return
    leaf = chain[0]
    if args.leaf and args.leaf not in leaf:
        return
    total += 1
    for sym in chain:
        if "rca_site::" in sym:
            counts[fold(sym)] += 1
            return
    counts["(no rca_site frame; leaf " + fold(leaf)[:60] + ")"] += 1


for line in sys.stdin:
    if not line.strip():
        flush()
        chain = []
        continue
    if line.startswith((" ", "\t")):
        parts = line.strip().split(None, 1)
        chain.append(parts[1] if len(parts) > 1 else "?")
    else:
        flush()
        chain = []
flush()
print(f"{total} samples" + (f" with leaf ~ {args.leaf}" if args.leaf else ""))
for sym, n in counts.most_common(args.top):
    print(f"{100 * n / max(total, 1):6.2f}%  {sym}")
