#!/usr/bin/env python3
"""Wall and CPU time of each stage of one `rca-site build`.

Usage:
    bench/stage_cpu.py RCA_SITE CORPUS OUT [--interval SECONDS]

Runs `RCA_SITE build --out OUT` (without -q, so the build prints its stage
timings to stderr) in CORPUS, and meanwhile samples the process' CPU time
(utime + stime of all its threads, /proc/PID/stat) and resident memory
(/proc/PID/status VmRSS) every --interval seconds (default 0.005), and
prints each stage's peak and its resident memory when it ends. OUT must
not exist, or be a folder under /dev/shm that the caller lets it delete.

The build reports the wall time of its stages, in the order they run:
read, parse, history, markdown, render+write, search, swap; it does not
report the archive stage (linking incidents, between history and markdown)
or the template compilation (after markdown), so their sum is shown as
"not reported" and placed between history and markdown. The stage windows
are laid end to end from the moment the process starts, and each stage's
CPU is the CPU the process used in its window (the sampled curve,
interpolated). "exit" is the time after the report line until the process
ended (freeing memory, closing). /proc counts CPU in clock ticks (10 ms per
thread), so short stages are approximate.
"""

import argparse
import os
import re
import shutil
import sys
import time

LINE = re.compile(r"in (\d+) ms \(read (\d+) ms, history (\d+) ms, parse (\d+) ms, markdown (\d+) ms, "
                  r"render\+write (\d+) ms, search (\d+) ms, swap (\d+) ms\)")
TICK = os.sysconf("SC_CLK_TCK")


def sample(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
        return cpu, rss
    except (OSError, IndexError, ValueError):
        return None


def cpu_at(samples, t):
    """CPU seconds used by time t (linear between samples)."""
    prev = (0.0, 0.0, 0.0)
    for s in samples:
        if s[0] >= t:
            if s[0] == prev[0]:
                return s[1]
            return prev[1] + (s[1] - prev[1]) * (t - prev[0]) / (s[0] - prev[0])
        prev = s
    return samples[-1][1] if samples else 0.0


def rss_at(samples, t):
    """Resident memory of the last sample taken by time t."""
    vals = [s[2] for s in samples if s[0] <= t]
    return vals[-1] if vals else 0.0


def rss_max(samples, a, b):
    vals = [s[2] for s in samples if a <= s[0] <= b]
    return max(vals) if vals else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rca_site")
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--interval", type=float, default=0.005)
    args = ap.parse_args()
    if os.path.lexists(args.out):
        if not os.path.abspath(args.out).startswith("/dev/shm/"):
            sys.exit(f"stage_cpu: {args.out} exists and is not under /dev/shm; not deleting it")
        shutil.rmtree(args.out)
    err_path = f"/dev/shm/stage_cpu-{os.getpid()}.log"
    argv = [os.path.abspath(args.rca_site), "build", "--out", os.path.abspath(args.out)]
    with open(err_path, "wb") as log:
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                os.chdir(args.corpus)
                os.dup2(log.fileno(), 2)
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        samples = []
        while True:
            done, status, ru = os.wait4(pid, os.WNOHANG)
            if done:
                break
            s = sample(pid)
            if s:
                samples.append((time.perf_counter() - t0, s[0], s[1]))
            time.sleep(args.interval)
        wall = time.perf_counter() - t0
    with open(err_path, errors="replace") as f:
        err = f.read()
    os.unlink(err_path)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"stage_cpu: build failed (exit {code}):\n{err[-3000:]}")
    final_cpu = ru.ru_utime + ru.ru_stime
    samples.append((wall, final_cpu, ru.ru_maxrss / 1024))
    m = LINE.search(err)
    if not m:
        sys.exit(f"stage_cpu: no stage line in the build's stderr:\n{err[-3000:]}")
    total, read, hist, parse, md, render, search, swap = (int(x) / 1000 for x in m.groups())
    other = max(total - (read + hist + parse + md + render + search + swap), 0.0)
    stages = [("read", read), ("parse", parse), ("history", hist), ("not reported (archive, templates)", other),
              ("markdown", md), ("render+write", render), ("search", search), ("swap", swap),
              ("exit (after the report)", max(wall - total, 0.0))]
    print(f"one build in {args.corpus}: wall {wall:.3f} s (the build says {total:.3f} s), "
          f"CPU {final_cpu:.2f} s (user {ru.ru_utime:.2f}, sys {ru.ru_stime:.2f}), peak RSS {ru.ru_maxrss / 1024:.0f} MiB")
    print(err.strip().splitlines()[-1])
    print()
    print("| stage | wall s | CPU s | CPU/wall | peak RSS in the stage MiB | RSS at its end MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    t = 0.0
    for name, d in stages:
        c = cpu_at(samples, t + d) - cpu_at(samples, t)
        print(f"| {name} | {d:.3f} | {c:.2f} | {c / d if d > 0 else 0:.2f} | {rss_max(samples, t, t + d):.0f} "
              f"| {rss_at(samples, t + d):.0f} |")
        t += d
    print(f"| total | {wall:.3f} | {final_cpu:.2f} | {final_cpu / wall:.2f} | | |")


if __name__ == "__main__":
    main()
