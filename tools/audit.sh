#!/usr/bin/env bash
# Lighthouse 12 audit of the built example site: seven page kinds, desktop and
# mobile, light and dark. Not part of CI (Lighthouse comes from npm).
#
#   npm install --prefix /tmp/lh lighthouse@12      # once
#   tools/audit.sh                                  # builds content/, serves it, audits
#
# Prints one line per page, form factor and colour scheme: the four category
# scores and the failing audits' ids; the JSON reports stay in $OUT/reports.
set -euo pipefail
cd "$(dirname "$0")/.."
LH=${LH:-/tmp/lh/node_modules/.bin/lighthouse}
OUT=${OUT:-/dev/shm/rca-audit}
PORT=${PORT:-8765}
BIN=${BIN:-target/release/rca-site}
rm -rf "$OUT"; mkdir -p "$OUT/reports"
"$BIN" build -q --out "$OUT/site"
(cd "$OUT/site" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 1
first_incident=$(ls "$OUT/site/incidents" | grep -v '^page$' | grep -v '^[0-9]\{4\}$' | head -1)
first_cause=$(ls "$OUT/site/causes" | grep -v index.html | head -1)
pages=(/ /incidents/ "/incidents/$first_incident/" "/causes/$first_cause/" /stats/ /action-items/ /search/?q=monitoring)
for page in "${pages[@]}"; do
  for form in desktop mobile; do
    for scheme in light dark; do
      name=$(echo "$page" | tr '/?=' '___')-$form-$scheme
      flags="--headless=new --no-sandbox"
      [ "$scheme" = dark ] && flags="$flags --blink-settings=preferredColorScheme=0"
      [ "$scheme" = light ] && flags="$flags --blink-settings=preferredColorScheme=1"
      preset=()
      [ "$form" = desktop ] && preset=(--preset=desktop)
      "$LH" "http://127.0.0.1:$PORT$page" "${preset[@]}" --quiet --output=json \
        --output-path="$OUT/reports/$name.json" --chrome-flags="$flags" >/dev/null 2>&1 || true
      python3 - "$OUT/reports/$name.json" "$page" "$form" "$scheme" <<'PY'
import json, sys
path, page, form, scheme = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"{page:40} {form:7} {scheme:5} no report ({e})"); sys.exit()
cats = r["categories"]
score = lambda k: "-" if cats.get(k, {}).get("score") is None else str(round(cats[k]["score"] * 100))
fails = []
for k in ("accessibility", "best-practices", "seo"):
    for ref in cats.get(k, {}).get("auditRefs", []):
        a = r["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
            fails.append(ref["id"])
cls = r["audits"].get("cumulative-layout-shift", {}).get("numericValue")
print(f"{page:40} {form:7} {scheme:5} perf {score('performance'):>3} a11y {score('accessibility'):>3} "
      f"bp {score('best-practices'):>3} seo {score('seo'):>3} cls {cls if cls is None else round(cls, 3)} "
      f"{' '.join(fails)}")
PY
    done
  done
done
