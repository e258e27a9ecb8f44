#!/usr/bin/env python3
"""Runs commands interleaved (A B A B …) and reports wall, CPU and peak RSS.

Usage (bench/hugo_compare.sh calls it):
    interleave.py RUNS LOGDIR -- NAME CWD OUTDIR ARGV... [-- NAME CWD OUTDIR ARGV...]...

Each run deletes OUTDIR first (outside the timed part; the caller decides
which folders may be deleted), forks, runs ARGV in CWD with stdout and stderr
to LOGDIR/NAME-i.log, and takes the child's own rusage from os.wait4: user and
system CPU and the maximum RSS of the child and of the processes it waited
for (Hugo's `git`). RUSAGE_CHILDREN would accumulate over runs; wait4 does
not. Wall time is measured around fork and wait with a nanosecond clock.
Prints every run, then the median and range of each figure, and the ratios
of the other commands' medians to the first command's.
"""

import os
import shutil
import statistics
import sys
import time


def parse(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit(__doc__)
    runs, logs = int(argv[0]), argv[1]
    cmds, cur = [], None
    for a in argv[3:]:
        if a == "--":
            cur = None
            continue
        if cur is None:
            cur = []
            cmds.append(cur)
        cur.append(a)
    for c in cmds:
        if len(c) < 4:
            sys.exit(f"interleave: expected NAME CWD OUTDIR ARGV..., got {c}")
    return runs, logs, [(c[0], c[1], c[2], c[3:]) for c in cmds]


def run_once(name, cwd, out, argv, log_path):
    if os.path.lexists(out):
        shutil.rmtree(out)
    with open(log_path, "wb") as log:
        t0 = time.perf_counter_ns()
        pid = os.fork()
        if pid == 0:
            try:
                os.chdir(cwd)
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        wall = (time.perf_counter_ns() - t0) / 1e9
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stdout.flush()
        with open(log_path, errors="replace") as f:
            sys.stderr.write(f.read()[-4000:])
        sys.exit(f"interleave: {name} failed (exit {code}); its log is above")
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime,
            "sys": ru.ru_stime, "rss": ru.ru_maxrss / 1024, "load": load}


def main():
    runs, logs, cmds = parse(sys.argv[1:])
    res = {c[0]: [] for c in cmds}
    print(f"{'run':>4} {'tool':<9} {'wall s':>8} {'cpu s':>8} {'user s':>8} {'sys s':>7} "
          f"{'peak RSS MiB':>13} {'load1':>6}")
    for i in range(1, runs + 1):
        for name, cwd, out, argv in cmds:
            r = run_once(name, cwd, out, argv, os.path.join(logs, f"{name}-{i}.log"))
            res[name].append(r)
            print(f"{i:>4} {name:<9} {r['wall']:>8.3f} {r['cpu']:>8.3f} {r['user']:>8.3f} "
                  f"{r['sys']:>7.3f} {r['rss']:>13.1f} {r['load']:>6.2f}", flush=True)

    def med(name, k):
        return statistics.median(r[k] for r in res[name])

    print()
    print(f"{'median (range)':<14} {'wall s':>22} {'cpu (user+sys) s':>22} {'peak RSS MiB':>20}")
    for name, *_ in cmds:
        cells = []
        for k, fmt in (("wall", "{:.3f}"), ("cpu", "{:.3f}"), ("rss", "{:.0f}")):
            vals = [r[k] for r in res[name]]
            cells.append(f"{fmt.format(med(name, k))} ({fmt.format(min(vals))}–{fmt.format(max(vals))})")
        print(f"{name:<14} {cells[0]:>22} {cells[1]:>22} {cells[2]:>20}")
    base = cmds[0][0]
    for name, *_ in cmds[1:]:
        print()
        for k, what in (("cpu", "CPU (user+sys)"), ("wall", "wall"), ("rss", "peak RSS")):
            print(f"{what + ' ratio':<20} {name} / {base}: {med(name, k) / med(base, k):.2f}x (medians)")
    loads = [r["load"] for rs in res.values() for r in rs]
    print(f"load average (1 min) after each run: {min(loads):.2f}–{max(loads):.2f} "
          f"(median {statistics.median(loads):.2f})")


if __name__ == "__main__":
    main()
