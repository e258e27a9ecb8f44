#!/usr/bin/env python3
"""Splits the render stage's perf samples by page kind (render job).

Usage:
    perf script -i DATA -F comm,tid,ip,sym | bench/perf_jobs.py

Needs inline frames (plain `perf script`, not --no-inline; slow: minutes on
a 10,000-incident profile). For each sample whose chain passes through
`Renderer::render_job`, charges it to the frame just below render_job: the
function that renders one kind of page (incident, term, severity,
action_items_page, incidents_list, stats_page, ...), inlined or not.
Prints each kind's share of all samples.
"""
import collections
import re
import sys

counts = collections.Counter()
total = 0
chain = []


def name(line):
    parts = line.strip().split(None, 1)
    s = parts[1] if len(parts) > 1 else "?"
    return re.sub(r"<.*", "", s.replace(" (inlined)", "")).split("+0x")[0]


def flush():
    global total
    if not chain:
        return
    total += 1
    frames = [name(line) for line in chain]
    for k, f in enumerate(frames):
        if f.endswith("render_job"):
            below = [g for g in frames[:k] if g and not g.startswith(("core::", "alloc::", "{closure"))]
            job = below[-1] if below else "render_job itself"
            counts[job.rsplit("::", 1)[-1]] += 1
            return


for line in sys.stdin:
    if not line.strip():
        flush()
        chain = []
    elif line.startswith((" ", "\t")):
        chain.append(line)
    else:
        flush()
        chain = []
flush()
n = sum(counts.values())
print(f"{total} samples, {n} ({100 * n / max(total, 1):.1f} %) under Renderer::render_job")
for job, c in counts.most_common(25):
    print(f"{100 * c / max(total, 1):6.2f}%  {job}")
