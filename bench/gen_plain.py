#!/usr/bin/env python3
"""Writes the final tree of a gen_corpus.py archive as a plain directory (no git).

Usage:
    bench/gen_plain.py --incidents N --out DIR --flavor {rca,hugo,zola} [--seed S] [--force]
                       [--gen PATH/TO/gen_corpus.py]

gen_corpus.py (../shared/bench/) always writes a git repository, and at
100,000 incidents its history (150,000 commits) takes too long to import.
This script imports gen_corpus.py as a module, builds the same model
(same N and seed: same incidents, text and paths) and writes only the files
of the last commit: the scaffold and each incident's final version. The
result has the same shape as the working tree of a gen_corpus.py archive,
without .git; at 10,000 incidents `diff -r -x .git` against a gen_corpus.py
corpus shows no difference (bench/README.md says how to check).

Only the Python standard library is used.
"""

import argparse
import importlib.util
import os
import shutil
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/bench/ beside the repository, else the machine's /work/shared/bench/.
DEFAULT_GEN = next((p for p in (os.path.join(_REPO, "..", "shared", "bench", "gen_corpus.py"),
                                "/work/shared/bench/gen_corpus.py") if os.path.isfile(p)),
                   "/work/shared/bench/gen_corpus.py")


def load_gen(path):
    spec = importlib.util.spec_from_file_location("gen_corpus", path)
    if spec is None or spec.loader is None:
        sys.exit(f"gen_plain: cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_plain(g, args):
    vocab, incs, _events, versions, _rename_at = g.build_model(args.incidents, args.seed)
    out = args.out
    if os.path.exists(out):
        if not args.force:
            sys.exit(f"gen_plain: {out} exists (use --force)")
        shutil.rmtree(out)
    os.makedirs(out)
    # The same steps as gen_corpus.write_repo, minus the history: the final
    # version of every incident is version `versions[idx]` under its final name.
    for inc in incs:
        g._STEMS[inc.idx] = inc.stem()
    for inc in incs:
        g.build_incident(vocab, args.seed, inc, incs)
    lf = g.link_fn(args.flavor)
    files = dict(g.scaffold(args.flavor, sorted({inc.year for inc in incs})))
    nbytes = 0
    for inc in incs:
        text = (g.front_matter(args.flavor, inc, inc.title, True) +
                g.render_body(inc, inc.blocks, 1.0, lf, incs))
        files[inc.path()] = text
        nbytes += len(text.encode("utf-8"))
    made = set()
    for rel, text in files.items():
        path = os.path.join(out, rel)
        d = os.path.dirname(path)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    return len(incs), nbytes


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--flavor", choices=["rca", "hugo", "zola"], required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    ap.add_argument("--gen", default=os.environ.get("GEN_CORPUS", DEFAULT_GEN),
                    help="path of gen_corpus.py (default: ../shared/bench/gen_corpus.py)")
    args = ap.parse_args()
    if args.incidents < 1:
        sys.exit("gen_plain: --incidents must be >= 1")
    if not os.path.isfile(args.gen):
        sys.exit(f"gen_plain: {args.gen} not found (set --gen or GEN_CORPUS)")
    n, nbytes = write_plain(load_gen(args.gen), args)
    print(f"{args.flavor} (plain, no git): {n} incidents, "
          f"{nbytes / 1e6:.1f} MB of incident Markdown -> {args.out}")


if __name__ == "__main__":
    main()
