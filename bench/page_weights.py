#!/usr/bin/env python3
"""What each page family of a built site weighs, and which HTML pages are too big.

Usage:
    bench/page_weights.py OUT_DIR [--limit BYTES] [--top K]

Sums the bytes of every file under OUT_DIR by family (URL prefix):

  /incidents/<id>/     the incident pages (one folder per incident; Hugo's
                       /incidents/<year>/<slug>/ too)
  /incidents/ lists    /incidents/, /incidents/<year>/, /incidents/page/<n>/
  /action-items/       the board and its status and owner pages
  /tags/ /services/ /causes/ /severity/   term pages
  /search/ index       the search index files (everything under /search/ but its page)
  /search/ page        /search/index.html
  /incidents.json  /feed.xml (feeds)  /sitemap*.xml
  / home, /stats/, other   the rest (assets, 404, redirects, ...)

For each family: files, HTML pages, total bytes, share of the output, and its
largest HTML page. Then every HTML page over --limit bytes (default 250,000:
"250 KB" as issue 16 counts), biggest first (--top: how many to print, 0 for
all). Only the standard library is used; the folder is only read.
"""

import argparse
import os
import re
import sys

YEAR = re.compile(r"^\d{4}$")


def family(rel):
    parts = rel.split("/")
    top = parts[0]
    if len(parts) == 1:
        if top == "incidents.json":
            return "/incidents.json"
        if top.startswith("feed") or top.endswith((".atom", ".rss")):
            return "/feed.xml (feeds)"
        if top.startswith("sitemap"):
            return "/sitemap*.xml"
        if top == "index.html":
            return "/ home"
        return "other"
    if top == "incidents":
        second = parts[1]
        if YEAR.match(second) and len(parts) > 3 and parts[2] != "page":
            return "/incidents/<id>/"  # Hugo's /incidents/<year>/<slug>/
        if second in ("index.html", "page") or YEAR.match(second):
            return "/incidents/ lists"
        return "/incidents/<id>/"
    if top in ("action-items", "tags", "services", "causes", "severity", "stats"):
        return f"/{top}/"
    if top == "search":
        return "/search/ page" if rel == "search/index.html" else "/search/ index"
    return "other"


ORDER = ["/incidents/<id>/", "/incidents/ lists", "/action-items/", "/tags/", "/services/",
         "/causes/", "/severity/", "/search/ index", "/search/ page", "/incidents.json",
         "/feed.xml (feeds)", "/sitemap*.xml", "/ home", "/stats/", "other"]


def url(rel):
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=250_000)
    ap.add_argument("--top", type=int, default=0)
    args = ap.parse_args()
    if not os.path.isdir(args.out):
        sys.exit(f"page_weights: {args.out} is not a folder")
    fams = {}
    big = []
    total = nfiles = 0
    for dirpath, _dirs, files in os.walk(args.out):
        for f in files:
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, args.out).replace(os.sep, "/")
            size = os.lstat(path).st_size
            fam = fams.setdefault(family(rel), {"files": 0, "html": 0, "bytes": 0, "max": (0, "")})
            fam["files"] += 1
            fam["bytes"] += size
            total += size
            nfiles += 1
            if rel.endswith(".html"):
                fam["html"] += 1
                if size > fam["max"][0]:
                    fam["max"] = (size, url(rel))
                if size > args.limit:
                    big.append((size, url(rel)))
    print(f"{args.out}: {total / 1e6:.1f} MB in {nfiles} files")
    print()
    print(f"| family | files | HTML pages | MB | share | largest HTML page |")
    print(f"| --- | ---: | ---: | ---: | ---: | --- |")
    for name in ORDER + sorted(set(fams) - set(ORDER)):
        if name not in fams:
            continue
        f = fams[name]
        largest = f"{f['max'][0] / 1e3:.1f} KB {f['max'][1]}" if f["max"][0] else ""
        print(f"| {name} | {f['files']} | {f['html']} | {f['bytes'] / 1e6:.2f} | "
              f"{100 * f['bytes'] / max(total, 1):.1f} % | {largest} |")
    print()
    big.sort(reverse=True)
    print(f"{len(big)} HTML pages over {args.limit / 1e3:g} KB"
          f" ({sum(s for s, _ in big) / 1e6:.1f} MB together)" + (":" if big else "."))
    for size, u in big[: args.top or len(big)]:
        print(f"  {size / 1e3:10.1f} KB  {u}")


if __name__ == "__main__":
    main()
