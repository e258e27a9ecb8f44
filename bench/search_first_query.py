#!/usr/bin/env python3
"""Bytes a reader's browser downloads for a first search query.

Usage:
    bench/search_first_query.py OUT_DIR [QUERY ...] [--chromium PATH] [--runs N]

Serves the built site OUT_DIR over HTTP on 127.0.0.1 (a throwaway port,
no compression, no caching headers, a fresh Chromium profile per query),
opens /search/?q=QUERY in headless Chromium (--dump-dom with a virtual
time budget, so the page's scripts run until the network is idle) and
counts the bytes of every response the server sent, split into:

  page      /search/?q=… itself
  static    style.css, search.js, icons (cached after the first page of a visit)
  manifest  the search index manifest
  shards    s/<n>.json, the postings of the query's words
  facets    facet-<key>.json
  fragments f/<n>.json, the ten results on screen

and prints one row per query: the index files together ("index": what
issue 16 item 6 bounds, at most 150 KB at 10,000 incidents) and all of
it ("all"). Default queries: the ones bench/search_bench.rs uses.
Only the standard library; OUT_DIR is only read.
"""

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

QUERIES = ["database failover", "certificate expiry", "timeout", "replication lag", "dns", "datab"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-extensions", "--disable-default-apps"]


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = []

    def add(self, path, n):
        with self.lock:
            self.hits.append((path, n))

    def take(self):
        with self.lock:
            h, self.hits = self.hits, []
        return h


def handler(root, log):
    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=root, **k)

        def log_message(self, *a):
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def copyfile(self, src, dst):
            n = 0
            while True:
                b = src.read(65536)
                if not b:
                    break
                dst.write(b)
                n += len(b)
            log.add(urllib.parse.urlsplit(self.path).path, n)

    return H


def kind(path):
    if path.startswith("/search/") and path.count("/") == 2:
        return "page"
    name = path.rsplit("/", 1)[-1]
    if "/search/" in path:
        if name == "manifest.json":
            return "manifest"
        if name.startswith("facet-"):
            return "facets"
        if "/s/" in path:
            return "shards"
        if "/f/" in path:
            return "fragments"
    return "static"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("queries", nargs="*")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium")
    args = ap.parse_args()
    queries = args.queries or QUERIES
    log = Log()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(os.path.abspath(args.out), log))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    cols = ["page", "static", "manifest", "shards", "facets", "fragments"]
    print(f"{args.out}: bytes downloaded by a first query (uncompressed), KB = 1,000 bytes")
    print("| query | " + " | ".join(cols) + " | index | all | requests |")
    print("| --- |" + " ---: |" * (len(cols) + 3))
    for q in queries:
        with tempfile.TemporaryDirectory(prefix="rca-first-query-") as prof:
            url = f"http://127.0.0.1:{port}/search/?q={urllib.parse.quote(q)}"
            r = subprocess.run([args.chromium, *FLAGS, f"--user-data-dir={prof}", "--virtual-time-budget=20000",
                                "--dump-dom", url], capture_output=True, text=True, timeout=120)
        dom = r.stdout
        hits = log.take()
        if "data-done" not in dom:
            print(f"warning: the search did not finish for {q!r}", file=sys.stderr)
        by = {c: 0 for c in cols}
        for path, n in hits:
            by[kind(path)] += n
        index = by["manifest"] + by["shards"] + by["facets"] + by["fragments"]
        row = " | ".join(f"{by[c] / 1e3:.1f}" for c in cols)
        print(f"| {q} | {row} | **{index / 1e3:.1f}** | {sum(by.values()) / 1e3:.1f} | {len(hits)} |")
    srv.shutdown()


if __name__ == "__main__":
    main()
