//! /stats/ on a phone and at scale: no horizontal overflow at 390 px in
//! headless Chromium, a dot per incident that names and links it on a
//! small archive, binned durations (with the slowest still named) and a
//! page under 250 KB on a generated 2,000-incident archive.

use crate::harness as common;
use crate::harness::http;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// Writes `n` public incidents over five years, each with started,
/// detected and resolved times (spread from minutes to days) and a long
/// title, so that the duration charts hold `n` values.
fn write_archive(root: &Path, n: usize) {
    fs::write(root.join("rca-site.toml"), "title = \"Weighed\"\nbase_url = \"https://inc.example\"\n").unwrap();
    let dir = root.join("content/incidents");
    fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let (year, month, day) = (2020 + i % 5, 1 + (i / 5) % 12, 1 + (i / 60) % 28);
        // Detection after 1 to ~600 minutes, resolution after up to ~6 days.
        let detect = 1 + (i * 7919) % 600;
        let resolve = detect + (i * 104_729) % 9000;
        let md = format!(
            "---\ntitle: \"Checkout service latency spike number {i} after a dependency upgrade in a region\"\n\
date: {year}-{month:02}-{day:02}\nseverity: SEV{sev}\nservices: [svc-{svc}]\ncauses: [cause-{cause}]\n\
started: {year}-{month:02}-{day:02}T01:00:00Z\ndetected: {}\nresolved: {}\n\
action_items:\n  - title: \"Fix {i}\"\n    owner: team-{owner}\n    status: {status}\n---\nBody of incident {i}.\n",
            plus_minutes(year, month, day, detect),
            plus_minutes(year, month, day, resolve),
            sev = 1 + i % 4,
            svc = i % 7,
            cause = i % 5,
            owner = i % 3,
            status = if i % 2 == 0 { "open" } else { "done" },
        );
        fs::write(dir.join(format!("{year}-{month:02}-{day:02}-checkout-latency-{i:05}.md")), md).unwrap();
    }
}

/// `YYYY-MM-DDTHH:MM:00Z`, `minutes` after 01:00 UTC of the day.
fn plus_minutes(year: usize, month: usize, day: usize, minutes: usize) -> String {
    let start = jiff::civil::date(year as i16, month as i8, day as i8).at(1, 0, 0, 0);
    let t = start.checked_add(jiff::Span::new().minutes(minutes as i64)).unwrap();
    format!("{}Z", t.strftime("%Y-%m-%dT%H:%M:00"))
}

fn build(root: &Path, out: &Path) {
    let o = rca(&[
        "build",
        "-q",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--build-date",
        "2025-06-10",
    ]);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));
}

/// The figure `id` of a stats page.
fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<figure class=\"chart-figure\" id=\"{id}\"")).unwrap();
    let end = start + page[start..].find("</figure>").unwrap();
    &page[start..end]
}

#[test]
fn stats_page_is_under_250_kb_at_2000_incidents_with_the_slowest_named() {
    let tmp = TempDir::new("stats-2000");
    let root = tmp.path().join("archive");
    fs::create_dir_all(&root).unwrap();
    write_archive(&root, 2000);
    let out = tmp.path().join("public");
    build(&root, &out);
    let page = fs::read_to_string(out.join("stats/index.html")).unwrap();
    assert!(page.len() <= 250 * 1024, "/stats/ is {} bytes", page.len());
    for id in ["time-to-detect", "time-to-resolve"] {
        let f = figure(&page, id);
        assert!(f.contains("of 2000 incidents, too many for a dot each"), "{id}: binned");
        // Bands with exact counts that add up to every incident...
        let total: usize = f
            .split("<rect class=\"bin\"")
            .skip(1)
            .map(|r| {
                let t = &r[r.find("<title>").unwrap() + 7..];
                let (_, rest) = t.split_once(": ").unwrap();
                rest[..rest.find(' ').unwrap()].parse::<usize>().unwrap()
            })
            .sum();
        assert_eq!(total, 2000, "{id}");
        // ...and the three slowest of each of five years, named and linked.
        assert_eq!(f.matches("<circle class=\"outlier\"").count(), 15, "{id}");
        assert!(f.matches("<a href=\"/incidents/20").count() >= 15, "{id}");
        // Percentiles come from every value, in the table.
        assert!(f.contains("<th scope=\"row\">All years</th><td class=\"num\">2000</td>"), "{id}");
    }
}

#[test]
fn a_small_archive_draws_every_incident_as_a_named_link() {
    let tmp = TempDir::new("stats-small");
    let root = tmp.path().join("archive");
    fs::create_dir_all(&root).unwrap();
    write_archive(&root, 12);
    let out = tmp.path().join("public");
    build(&root, &out);
    let page = fs::read_to_string(out.join("stats/index.html")).unwrap();
    let f = figure(&page, "time-to-resolve");
    assert_eq!(f.matches("<circle class=\"dot\"").count(), 12);
    for i in 0..12 {
        let id = format!("-checkout-latency-{i:05}/");
        let at = f.find(&id).unwrap_or_else(|| panic!("incident {i} has no dot: {f}"));
        let title = &f[at..f[at..].find("</title>").unwrap() + at];
        assert!(title.contains(&format!("<title>Checkout service latency spike number {i} after")), "{title}");
    }
    // Years of 2 or 3 incidents: no percentiles, said so in the table.
    assert!(f.contains("<td>too few to tell</td>"));
    assert!(!f.contains("class=\"median\""), "no median line for fewer than five: {f}");
}

/// Loads the example archive's /stats/ at `width` px in headless Chromium
/// and returns what the probe script measured.
fn probe(chrome: &Path, out: &Path, server: &http::Server, width: u32) -> Value {
    // Headless Chromium keeps windows at least 500 px wide: the page is
    // measured in an iframe of `width` px (its media queries follow the
    // iframe), inside a wide window.
    let script = r#"<!doctype html><html><body style="margin:0">
<iframe id="f" src="/stats/" width="WIDTH" height="2000" style="border:0"></iframe>
<script>
var frame = document.getElementById("f"), done = false;
function measure() {
  var w = frame.contentWindow, doc = frame.contentDocument;
  if (done || !doc || doc.readyState !== "complete" || !doc.querySelector(".chart-box")) return;
  done = true;
  doc.querySelectorAll("details").forEach(function (d) { d.open = true; });
  // Measured at once: reading a box lays the page out (opened details
  // included), and a later animation frame may come after --dump-dom.
  (function () {
    var se = doc.scrollingElement;
    var boxes = Array.from(doc.querySelectorAll(".chart-box")).map(function (b) {
      var r = b.getBoundingClientRect(), s = b.querySelector("svg").getBoundingClientRect();
      return { id: b.closest("figure").id, left: r.left, right: r.right, svgRight: s.right, scroll: b.scrollWidth, client: b.clientWidth };
    });
    var dots = Array.from(doc.querySelectorAll("svg.chart circle")).map(function (c) {
      var a = c.closest("a"), t = a && a.querySelector("title");
      return { href: a ? a.getAttribute("href") : null, title: t ? t.textContent : null };
    });
    var scrollers = Array.from(doc.querySelectorAll("main *")).filter(function (e) {
      var o = w.getComputedStyle(e).overflowX;
      return (o === "auto" || o === "scroll") && e.scrollWidth > e.clientWidth;
    }).map(function (e) { return { tag: e.tagName, tabindex: e.getAttribute("tabindex"), role: e.getAttribute("role"), label: e.getAttribute("aria-label") }; });
    var texts = Array.from(doc.querySelectorAll("svg.chart text")).filter(function (t) { return w.getComputedStyle(t).display !== "none"; })
      .map(function (t) { var r = t.getBoundingClientRect(), s = t.closest("svg").getBoundingClientRect(); return { text: t.textContent, left: r.left - s.left, right: s.right - r.right }; });
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify({ scrollWidth: se.scrollWidth, innerWidth: w.innerWidth, boxes: boxes, dots: dots, scrollers: scrollers, texts: texts });
    document.body.appendChild(pre);
  })();
}
frame.addEventListener("load", measure);
// The window's load comes after the frame's, before --dump-dom prints.
window.addEventListener("load", measure);
setInterval(measure, 100);
</script></body></html>"#
        .replace("WIDTH", &width.to_string());
    fs::write(out.join("probe.html"), script).unwrap();
    // No --virtual-time-budget: on a busy machine the budget ran out before
    // the frame was laid out. --dump-dom prints after the load event, which
    // waits for the frame, whose own load event runs the probe. Asked again
    // if the probe is missing all the same.
    let mut attempt = 0;
    let (o, dom) = loop {
        attempt += 1;
        let profile = TempDir::new("chromium-profile");
        let o = Command::new(chrome)
            .args(CHROMIUM_FLAGS)
            .args([
                &format!("--user-data-dir={}", profile.path().display()),
                "--window-size=1400,2100",
                "--hide-scrollbars",
                "--dump-dom",
                &server.url("/probe.html"),
            ])
            .output()
            .expect("run chromium");
        let dom = String::from_utf8_lossy(&o.stdout).into_owned();
        if dom.contains("<pre id=\"probe\">") || attempt == 3 {
            break (o, dom);
        }
    };
    let s = dom
        .find("<pre id=\"probe\">")
        .unwrap_or_else(|| panic!("no probe output at {width}px:\n{dom}\n{}", String::from_utf8_lossy(&o.stderr)))
        + "<pre id=\"probe\">".len();
    let text = dom[s..s + dom[s..].find("</pre>").unwrap()]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("probe said {text}: {e}"))
}

#[test]
fn browser_stats_fits_a_phone_and_every_dot_names_and_links_its_incident() {
    let Some(chrome) = chromium() else { return };
    let tmp = TempDir::new("stats-browser");
    let out = tmp.path().join("public");
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &out);
    let server = http::Server::start(&out);
    for width in [390, 1280] {
        let v = probe(&chrome, &out, &server, width);
        let inner = v["innerWidth"].as_f64().unwrap();
        assert_eq!(inner, width as f64);
        assert!(v["scrollWidth"].as_f64().unwrap() <= inner, "the page scrolls sideways at {width}px: {v}");
        let boxes = v["boxes"].as_array().unwrap();
        assert_eq!(boxes.len(), 6, "{v}");
        for b in boxes {
            assert!(b["right"].as_f64().unwrap() <= inner && b["left"].as_f64().unwrap() >= 0.0, "{b} at {width}px");
            assert!(b["svgRight"].as_f64().unwrap() <= b["right"].as_f64().unwrap() + 0.5, "{b} at {width}px");
            assert!(b["scroll"].as_f64().unwrap() <= b["client"].as_f64().unwrap(), "chart box scrolls: {b}");
        }
        for t in v["texts"].as_array().unwrap() {
            // Inside its chart, not cut off at an edge.
            assert!(t["left"].as_f64().unwrap() >= -0.5 && t["right"].as_f64().unwrap() >= -0.5, "{t} at {width}px");
        }
        // What still scrolls (wide data tables) can be reached and is named.
        for s in v["scrollers"].as_array().unwrap() {
            assert_eq!(s["tabindex"], "0", "{s}");
            assert_eq!(s["role"], "region", "{s}");
            assert!(s["label"].as_str().is_some_and(|l| !l.is_empty()), "{s}");
        }
        // Every incident with the timestamps is a dot that names and links it.
        let dots = v["dots"].as_array().unwrap();
        assert!(dots.len() >= 10, "{v}");
        for d in dots {
            let href = d["href"].as_str().unwrap_or_else(|| panic!("a dot without a link: {d}"));
            assert!(
                href.starts_with("/incidents/") && out.join(href.trim_start_matches('/')).join("index.html").is_file(),
                "{d}"
            );
            assert!(d["title"].as_str().is_some_and(|t| t.contains(" (") && t.contains("): ")), "{d}");
        }
    }
}
