#!/usr/bin/env python3
"""What each page family of a built site weighs, and which HTML pages are too big.

Usage:
    bench/page_weights.py OUT_DIR [--limit BYTES] [--top K] [--breakdown FAMILY [--sample N]]

Sums the bytes of every file under OUT_DIR by family (URL prefix):

  /incidents/<id>/     the incident pages (one folder per incident; Hugo's
                       /incidents/<year>/<slug>/ too)
  /incidents/ lists    /incidents/, /incidents/<year>/, /incidents/page/<n>/
  /action-items/       the board and its status and owner pages
  /tags/ /services/ /causes/ /severity/   term pages
  /search/ index       the search index files (everything under /search/ but its page)
  /search/ page        /search/index.html
  /listing/            the sort and filter index of /incidents/ (ranks, and
                       the row fragments r/<n>.txt)
  /incidents.json  /feed.xml (feeds)  /sitemap*.xml
  / home, /stats/, other   the rest (assets, 404, redirects, ...)

For each family: files, HTML pages, total bytes, share of the output, and its
largest HTML page. Then every HTML page over --limit bytes (default 250,000:
"250 KB" as issue 16 counts), biggest first (--top: how many to print, 0 for
all). Only the standard library is used; the folder is only read.

--breakdown FAMILY (e.g. "/incidents/<id>/"): what the family's HTML pages
are made of. Each page is cut at the landmarks it is built from (<head>,
the site header and footer, and every <section>, <aside>, <nav>, <figure>,
<details>, <header>, <footer> inside <main>, named by its aria-labelledby,
aria-label, id or class), the bytes of each charged to the innermost named
part, and the parts summed over N pages taken evenly (--sample, default
500; 0 for all) and scaled to the whole family. Redirect pages (a meta
refresh) are skipped.
"""

import argparse
import os
import re
import sys
from html.parser import HTMLParser

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
    if top == "listing":
        return "/listing/ (sort and filter)"
    return "other"


ORDER = ["/incidents/<id>/", "/incidents/ lists", "/action-items/", "/tags/", "/services/",
         "/causes/", "/severity/", "/search/ index", "/search/ page", "/listing/ (sort and filter)", "/incidents.json",
         "/feed.xml (feeds)", "/sitemap*.xml", "/ home", "/stats/", "other"]


def url(rel):
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


LANDMARKS = {"section", "aside", "nav", "figure", "details", "header", "footer", "head", "table"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Parts(HTMLParser):
    """Bytes of one page charged to its innermost named landmark."""

    def __init__(self, text):
        super().__init__(convert_charrefs=False)
        self.text = text
        # Offsets of line starts, to turn getpos() into an offset.
        self.line_starts = [0]
        for m in re.finditer("\n", text):
            self.line_starts.append(m.end())
        self.stack = []  # (tag, name or None)
        self.bytes = {}
        self.last = 0
        self.feed(text)
        self.close()
        self.charge(len(text))

    def at(self):
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def name(self):
        for tag, name in reversed(self.stack):
            if name:
                return name
        return "page (outside landmarks)"

    def charge(self, upto):
        if upto > self.last:
            key = self.name()
            self.bytes[key] = self.bytes.get(key, 0) + len(self.text[self.last:upto].encode())
            self.last = upto

    def handle_starttag(self, tag, attrs):
        self.charge(self.at())
        if tag in VOID:
            return
        a = dict(attrs)
        name = None
        if tag in LANDMARKS or (tag == "div" and "prose" in (a.get("class") or "").split()):
            label = a.get("aria-labelledby") or a.get("aria-label") or a.get("id") or (a.get("class") or "").split(" ")[0]
            outer = next((n for _, n in reversed(self.stack) if n), "")
            name = f"{tag}.{label}" if not outer or outer == "head." else f"{outer} > {tag}.{label}"
            # One name per kind of part, not per instance (cards of a list).
            name = re.sub(r"\d+", "N", name)
        self.stack.append((tag, name))

    def handle_endtag(self, tag):
        # Charge up to and including this end tag to the part it closes.
        end = self.text.find(">", self.at()) + 1
        self.charge(end)
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break


def breakdown(out, fam, sample):
    pages = []
    for dirpath, _dirs, files in os.walk(out):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), out).replace(os.sep, "/")
            if rel.endswith(".html") and family(rel) == fam:
                pages.append(rel)
    pages.sort()
    total = {}
    seen = skipped = 0
    picked = pages if not sample or sample >= len(pages) else [pages[i * len(pages) // sample] for i in range(sample)]
    for rel in picked:
        text = open(os.path.join(out, rel), encoding="utf-8").read()
        if 'http-equiv="refresh"' in text[:2000]:
            skipped += 1
            continue
        seen += 1
        for k, v in Parts(text).bytes.items():
            total[k] = total.get(k, 0) + v
    if not seen:
        sys.exit(f"page_weights: no HTML pages in family {fam}")
    real = len(pages) * seen / (seen + skipped)
    whole = sum(total.values())
    print(f"{fam}: {len(pages)} HTML pages ({int(real)} not redirects), {seen} read;"
          f" mean {whole / seen / 1e3:.1f} KB a page, about {whole / seen * real / 1e6:.1f} MB in all")
    print()
    print("| part | mean bytes a page | share | MB in the family |")
    print("| --- | ---: | ---: | ---: |")
    for k, v in sorted(total.items(), key=lambda kv: -kv[1]):
        if v / whole < 0.002:
            continue
        print(f"| {k} | {v / seen:,.0f} | {100 * v / whole:.1f} % | {v / seen * real / 1e6:.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=250_000)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--breakdown", metavar="FAMILY")
    ap.add_argument("--sample", type=int, default=500)
    args = ap.parse_args()
    if not os.path.isdir(args.out):
        sys.exit(f"page_weights: {args.out} is not a folder")
    if args.breakdown:
        breakdown(args.out, args.breakdown, args.sample)
        return
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
