//! Sorting and filtering /incidents/ across every page (SPEC §4, issue 16
//! item 2): the listing files (src/listing.rs) hold every visible incident
//! and no left-out one, and `theme/static/incidents.js` in headless
//! Chromium sorts by each key and filters by each facet across pages, keeps
//! its state in the URL (shareable, back button), and leaves the static
//! pages as they are with JavaScript off.

use crate::harness as common;
use crate::harness::http;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const WORDS: [&str; 12] =
    ["zebra", "Apple", "mango", "banana", "Kiwi", "cherry", "date", "Elder", "fig", "grape", "Lemon", "honeydew"];

/// One generated incident, as the test expects it to sort and filter.
struct Spec {
    id: String,
    title: String,
    date: (u32, u32, u32),
    severity: Option<u32>,
    /// Time to resolve in minutes.
    minutes: Option<u32>,
    service: String,
    cause: String,
}

fn specs(n: usize) -> Vec<Spec> {
    (0..n)
        .map(|i| Spec {
            id: format!("inc-{i:02}"),
            title: format!("{} outage {i}", WORDS[(i * 5) % WORDS.len()]),
            date: (2019 + (i % 4) as u32, 1 + (i % 12) as u32, 1 + ((i / 12) % 28) as u32),
            severity: (i % 7 != 0).then_some(1 + (i % 4) as u32),
            minutes: (i % 6 != 0).then_some(((i * 37) % 101 + 1) as u32),
            service: format!("svc-{}", i % 3),
            cause: format!("cause-{}", i % 4),
        })
        .collect()
}

/// Writes the archive of `specs` plus a draft and an internal incident.
fn write_archive(root: &Path, specs: &[Spec], per_page: usize) {
    fs::write(
        root.join("rca-site.toml"),
        format!("title = \"Listed\"\nbase_url = \"https://inc.example\"\n\n[pagination]\nper_page = {per_page}\n"),
    )
    .unwrap();
    let dir = root.join("content/incidents");
    fs::create_dir_all(&dir).unwrap();
    for s in specs {
        let (y, m, d) = s.date;
        let mut md =
            format!("---\ntitle: \"{}\"\ndate: {y}-{m:02}-{d:02}\nsummary: \"Summary of {}.\"\n", s.title, s.id);
        if let Some(sev) = s.severity {
            md.push_str(&format!("severity: SEV{sev}\n"));
        }
        if let Some(min) = s.minutes {
            md.push_str(&format!(
                "started: {y}-{m:02}-{d:02}T00:00:00Z\nresolved: {y}-{m:02}-{d:02}T{:02}:{:02}:00Z\n",
                min / 60,
                min % 60
            ));
        }
        md.push_str(&format!("services: [{}]\ncauses: [{}]\n---\nBody of {}.\n", s.service, s.cause, s.id));
        fs::write(dir.join(format!("{}.md", s.id)), md).unwrap();
    }
    fs::write(
        dir.join("secret-draft.md"),
        "---\ntitle: \"Aardvark LEAKDRAFT\"\ndate: 2022-12-31\nstatus: draft\nseverity: SEV1\nservices: [svc-0]\ncauses: [cause-0]\n---\nx\n",
    )
    .unwrap();
    fs::write(
        dir.join("secret-internal.md"),
        "---\ntitle: \"Aardvark LEAKINTERNAL\"\ndate: 2022-12-30\nvisibility: internal\nseverity: SEV1\nservices: [svc-0]\ncauses: [cause-0]\n---\nx\n",
    )
    .unwrap();
}

struct Site {
    _tmp: TempDir,
    out: PathBuf,
    specs: Vec<Spec>,
}

fn build(n: usize, per_page: usize, flags: &[&str]) -> Site {
    let tmp = TempDir::new("listing");
    let root = tmp.path().join("archive");
    fs::create_dir_all(&root).unwrap();
    let specs = specs(n);
    write_archive(&root, &specs, per_page);
    let out = tmp.path().join("public");
    let mut args = vec!["build", "-q", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend(flags);
    let o = rca(&args);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));
    Site { _tmp: tmp, out, specs }
}

/// Every file under `listing/` and the search index, as text.
fn listing_files(out: &Path) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for dir in ["listing", "search"] {
        for e in walkdir::WalkDir::new(out.join(dir)) {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(out).unwrap().display().to_string();
                v.push((rel, fs::read_to_string(e.path()).unwrap()));
            }
        }
    }
    v
}

fn pointer(out: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(out.join("listing/index.json")).unwrap()).unwrap()
}

#[test]
fn the_listing_holds_every_visible_incident_and_no_left_out_one() {
    let site = build(12, 5, &[]);
    let p = pointer(&site.out);
    assert_eq!(p["version"], 1);
    assert_eq!(p["incidents"], 12);
    assert_eq!(p["per_page"], 5);
    let dir = p["listing"].as_str().unwrap().trim_matches('/').to_string();
    let search = p["search"].as_str().unwrap().trim_start_matches('/');
    assert!(site.out.join(search).is_file(), "the pointer names the search manifest: {search}");
    let rows: Vec<_> = fs::read_dir(site.out.join(&dir).join("r")).unwrap().collect();
    assert_eq!(rows.len(), 12, "one row per visible incident");
    for (path, text) in listing_files(&site.out) {
        assert!(!text.contains("LEAKDRAFT") && !text.contains("LEAKINTERNAL"), "{path} names a left-out incident");
        assert!(
            !text.contains("secret-draft") && !text.contains("secret-internal"),
            "{path} links a left-out incident"
        );
    }
    // Ranks: one fixed-width value per incident; the row files link each incident once.
    let title: String =
        serde_json::from_str(&fs::read_to_string(site.out.join(&dir).join("title.json")).unwrap()).unwrap();
    assert_eq!(title.len(), 12);
    let mut linked = BTreeSet::new();
    for n in 0..12 {
        let row = fs::read_to_string(site.out.join(&dir).join(format!("r/{n}.txt"))).unwrap();
        // One row (its end tags omitted: incidents.js puts it in a <tbody>).
        assert!(row.starts_with("<tr>") && row.matches("<tr").count() == 1 && !row.contains("</tr>"), "{row}");
        let at = row.find("href=\"/incidents/").unwrap() + "href=\"".len();
        linked.insert(row[at..at + row[at..].find('"').unwrap()].to_string());
    }
    assert_eq!(linked, site.specs.iter().map(|s| format!("/incidents/{}/", s.id)).collect());
    // The preview build lists them, so the test above can fail.
    let preview = build(12, 5, &["--drafts", "--internal"]);
    assert_eq!(pointer(&preview.out)["incidents"], 14);
    assert!(listing_files(&preview.out).iter().any(|(_, t)| t.contains("LEAKDRAFT")));
    assert!(listing_files(&preview.out).iter().any(|(_, t)| t.contains("LEAKINTERNAL")));
}

#[test]
fn the_incident_list_carries_the_form_hidden_until_the_script_runs() {
    let site = build(12, 5, &[]);
    let html = fs::read_to_string(site.out.join("incidents/index.html")).unwrap();
    let form = &html[html.find("id=\"incident-browser\"").expect("the sort and filter block")..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("data-pointer=\"/listing/index.json\"") && form.contains(" hidden>"), "{form}");
    for (id, label) in [
        ("browse-sort", "Sort by"),
        ("browse-year", "Year"),
        ("browse-severity", "Severity"),
        ("browse-service", "Service"),
        ("browse-cause", "Cause"),
    ] {
        assert!(form.contains(&format!("<label for=\"{id}\">{label}</label>")), "{id} has a label");
    }
    assert!(html.contains("role=\"status\" aria-live=\"polite\""), "a live region announces the count");
    assert!(html.contains("<script src=\"/incidents.js\" defer></script>"));
    assert!(site.out.join("incidents.js").is_file());
    // Year pages are one year already: no form there.
    assert!(!fs::read_to_string(site.out.join("incidents/2019/index.html")).unwrap().contains("incident-browser"));
}

// ------------------------------------------------------------ browser tests

/// The archive order: newest first.
fn by_date(specs: &[Spec]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..specs.len()).collect();
    v.sort_by(|&a, &b| specs[b].date.cmp(&specs[a].date));
    v
}

/// What the script should show for a sort key and a filter, in order.
fn expected(specs: &[Spec], sort: &str, keep: &dyn Fn(&Spec) -> bool) -> Vec<String> {
    let archive = by_date(specs);
    let pos = |i: usize| archive.iter().position(|&x| x == i).unwrap();
    let mut v: Vec<usize> = archive.iter().copied().filter(|&i| keep(&specs[i])).collect();
    // Missing values last, ties in archive order.
    let last = |o: Option<u32>, desc: bool| match o {
        Some(x) if desc => (0, u32::MAX - x),
        Some(x) => (0, x),
        None => (1, 0),
    };
    match sort {
        "" => {}
        "oldest" => v.reverse(),
        "severity" => v.sort_by_key(|&i| (last(specs[i].severity, false), pos(i))),
        "duration" => v.sort_by_key(|&i| (last(specs[i].minutes, true), pos(i))),
        "duration-asc" => v.sort_by_key(|&i| (last(specs[i].minutes, false), pos(i))),
        "title" => v.sort_by_key(|&i| (specs[i].title.to_lowercase(), pos(i))),
        "title-desc" => {
            v.sort_by_key(|&i| (specs[i].title.to_lowercase(), pos(i)));
            // Equal titles do not occur here, so the reverse is exact.
            v.reverse()
        }
        _ => unreachable!(),
    }
    v.into_iter().map(|i| format!("/incidents/{}/", specs[i].id)).collect()
}

struct Served {
    site: Site,
    server: http::Server,
}

fn served(n: usize, per_page: usize) -> Served {
    let site = build(n, per_page, &[]);
    let server = http::Server::start(&site.out);
    Served { site, server }
}

fn dump_dom(chrome: &Path, url: &str) -> String {
    let profile = TempDir::new("chromium-profile");
    let mut cmd = Command::new(chrome);
    cmd.args(CHROMIUM_FLAGS).args([
        &format!("--user-data-dir={}", profile.path().display()),
        "--virtual-time-budget=10000",
        "--dump-dom",
    ]);
    let out = cmd.arg(url).output().expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("</html>"), "chromium printed no DOM for {url}:\n{}", String::from_utf8_lossy(&out.stderr));
    dom
}

/// The incident links of the rows in `html`.
fn row_links(html: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = html;
    let tag = "<a class=\"row-title\" href=\"";
    while let Some(at) = rest.find(tag) {
        rest = &rest[at + tag.len()..];
        v.push(rest[..rest.find('"').unwrap()].to_string());
    }
    v
}

/// The dynamic results block of a dumped DOM, and the live region's text.
fn results(dom: &str) -> (String, String) {
    let s = dom.find("class=\"browse-results\"").expect("results block");
    let end = dom[s..].find("<div class=\"incident-static\"").map_or(dom.len(), |e| s + e);
    let st = dom.find("id=\"browse-status\"").unwrap();
    let st = st + dom[st..].find('>').unwrap() + 1;
    (dom[s..end].to_string(), dom[st..st + dom[st..].find("</p>").unwrap()].to_string())
}

fn view(dom: &str) -> String {
    let at = dom.find("data-view=\"").map(|a| a + "data-view=\"".len());
    at.map(|a| dom[a..a + dom[a..].find('"').unwrap()].replace("&amp;", "&")).unwrap_or_default()
}

#[test]
fn browser_sorts_by_each_key_and_filters_by_each_facet_across_pages() {
    let Some(chrome) = chromium() else { return };
    let s = served(30, 4);
    let specs = &s.site.specs;
    let all = |_: &Spec| true;
    for sort in ["oldest", "severity", "duration", "duration-asc", "title", "title-desc"] {
        let want = expected(specs, sort, &all);
        for page in [1, 3] {
            let url = s.server.url(&format!("/incidents/?sort={sort}&page={page}"));
            let dom = dump_dom(&chrome, &url);
            assert_eq!(view(&dom), format!("?sort={sort}&page={page}"), "the view for {url} was not shown");
            let (block, status) = results(&dom);
            let got = row_links(&block);
            assert_eq!(got, want[(page - 1) * 4..page * 4], "{url}");
            assert!(status.starts_with("30 incidents, "), "{url}: {status}");
            assert!(status.contains(&format!("Showing {}–{}.", (page - 1) * 4 + 1, page * 4)), "{status}");
            assert!(dom.contains("<nav class=\"pagination\" aria-label=\"Pages of these results\">"), "{url}");
        }
    }
    // Each facet, and two together, across the whole archive (not one static page).
    type Filter = Box<dyn Fn(&Spec) -> bool>;
    let cases: Vec<(&str, Filter)> = vec![
        ("year=2020", Box::new(|x: &Spec| x.date.0 == 2020)),
        ("severity=SEV2", Box::new(|x: &Spec| x.severity == Some(2))),
        ("service=svc-1", Box::new(|x: &Spec| x.service == "svc-1")),
        ("cause=cause-2", Box::new(|x: &Spec| x.cause == "cause-2")),
        ("sort=title&year=2021&service=svc-0", Box::new(|x: &Spec| x.date.0 == 2021 && x.service == "svc-0")),
    ];
    for (q, keep) in cases {
        let sort = q.strip_prefix("sort=").map_or("", |r| &r[..r.find('&').unwrap()]);
        let want = expected(specs, sort, &*keep);
        assert!(want.len() > 1 && want.len() < 30, "{q}: the fixture must make the filter matter");
        let mut got = Vec::new();
        for page in 1..=want.len().div_ceil(4) {
            let url = s.server.url(&format!("/incidents/?{q}&page={page}"));
            let dom = dump_dom(&chrome, &url);
            let (block, status) = results(&dom);
            assert!(status.starts_with(&format!("{} incident", want.len())), "{url}: {status}");
            got.extend(row_links(&block));
        }
        assert_eq!(got, want, "{q}");
    }
    // Nothing matches: a sentence, and the live region says 0.
    let dom = dump_dom(&chrome, &s.server.url("/incidents/?year=2020&service=no-such"));
    let (block, status) = results(&dom);
    assert!(block.contains("No incident matches these filters.") && status.starts_with("0 incidents"), "{status}");
}

#[test]
fn browser_keeps_the_view_in_the_url_and_the_back_button_walks_it() {
    let Some(chrome) = chromium() else { return };
    let s = served(30, 4);
    let specs = &s.site.specs;
    // A reader in a frame: picks a sort, then a year, goes back, then to the next page.
    fs::write(
        s.site.out.join("drive.html"),
        r#"<!doctype html><html><body><pre id="out">pending</pre>
<script>
var out = document.getElementById("out"), log = [];
var f = document.createElement("iframe");
function wait(cond, then) { var n = 0; (function poll() { if (cond()) then(); else if (n++ < 400) setTimeout(poll, 25); else { log.push("timeout"); out.textContent = JSON.stringify(log); } })(); }
function snap(d, label) {
  var rows = Array.from(d.querySelectorAll(".browse-results a.row-title")).map(function (a) { return a.getAttribute("href"); });
  log.push({ label: label, search: f.contentWindow.location.search, view: d.getElementById("incident-browser").getAttribute("data-view"),
    rows: rows, status: d.getElementById("browse-status").textContent, sort: d.getElementById("browse-sort").value,
    year: d.getElementById("browse-year").value, staticHidden: d.querySelector(".incident-static").hidden,
    focused: d.activeElement && d.activeElement.id });
}
function viewIs(v) { return function () { var r = f.contentDocument && f.contentDocument.getElementById("incident-browser"); return r && r.getAttribute("data-view") === v; }; }
var step = 0;
f.onload = function () {
  if (step++) return;
  var d = f.contentDocument;
  wait(viewIs("static"), function () {
    snap(d, "start");
    var sort = d.getElementById("browse-sort");
    sort.focus(); sort.value = "title"; sort.dispatchEvent(new Event("change", { bubbles: true }));
    wait(viewIs("?sort=title"), function () {
      snap(d, "title");
      var year = d.getElementById("browse-year");
      year.value = "2020"; year.dispatchEvent(new Event("change", { bubbles: true }));
      wait(viewIs("?sort=title&year=2020"), function () {
        snap(d, "year");
        f.contentWindow.history.back();
        wait(viewIs("?sort=title"), function () {
          snap(d, "back");
          d.querySelector(".browse-results a[rel=next]").click();
          wait(viewIs("?sort=title&page=2"), function () {
            snap(d, "next");
            f.contentWindow.history.back(); f.contentWindow.history.back();
            wait(viewIs("static"), function () { snap(d, "home"); out.textContent = JSON.stringify(log); });
          });
        });
      });
    });
  });
};
f.src = "/incidents/";
document.body.appendChild(f);
</script></body></html>"#,
    )
    .unwrap();
    let dom = dump_dom(&chrome, &s.server.url("/drive.html"));
    let at = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let text = dom[at..at + dom[at..].find("</pre>").unwrap()].replace("&quot;", "\"").replace("&amp;", "&");
    let log: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert!(!text.contains("timeout"), "{text}");
    let by_label = |l: &str| log.iter().find(|e| e["label"] == l).unwrap_or_else(|| panic!("no {l} in {text}")).clone();
    let rows = |e: &serde_json::Value| -> Vec<String> {
        e["rows"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
    };
    let start = by_label("start");
    assert_eq!((start["search"].as_str(), start["staticHidden"].as_bool()), (Some(""), Some(false)));
    let title = expected(specs, "title", &|_| true);
    let t = by_label("title");
    assert_eq!((t["search"].as_str(), t["staticHidden"].as_bool()), (Some("?sort=title"), Some(true)));
    assert_eq!(rows(&t), title[..4]);
    let y = by_label("year");
    assert_eq!(y["search"], "?sort=title&year=2020");
    assert_eq!(rows(&y), expected(specs, "title", &|x| x.date.0 == 2020)[..4]);
    assert!(y["status"].as_str().unwrap().contains("(of 2020)"), "{}", y["status"]);
    // Back: the URL, the controls and the rows follow.
    let b = by_label("back");
    assert_eq!(
        (b["search"].as_str(), b["sort"].as_str(), b["year"].as_str()),
        (Some("?sort=title"), Some("title"), Some(""))
    );
    assert_eq!(rows(&b), title[..4]);
    let n = by_label("next");
    assert_eq!(n["search"], "?sort=title&page=2");
    assert_eq!(rows(&n), title[4..8]);
    assert_eq!(n["focused"], "browse-title", "a new page of results moves focus to its heading");
    let home = by_label("home");
    assert_eq!(
        (home["search"].as_str(), home["staticHidden"].as_bool(), home["sort"].as_str()),
        (Some(""), Some(false), Some(""))
    );
}

#[test]
fn browser_without_javascript_keeps_the_static_pages() {
    let Some(chrome) = chromium() else { return };
    let s = served(30, 4);
    // Frames sandboxed without allow-scripts run no script; the driver reads what they show.
    fs::write(
        s.site.out.join("nojs.html"),
        r#"<!doctype html><html><body><pre id="out">pending</pre>
<script>
var out = document.getElementById("out"), log = {}, left = 2;
["/incidents/?sort=title&year=2020", "/incidents/page/8/"].forEach(function (src) {
  var f = document.createElement("iframe");
  f.setAttribute("sandbox", "allow-same-origin");
  f.onload = function () {
    var d = f.contentDocument, b = d.getElementById("incident-browser");
    log[src] = {
      browserShown: !!b && b.getClientRects().length > 0,
      rows: Array.from(d.querySelectorAll(".incident-static a.row-title")).filter(function (a) { return a.getClientRects().length > 0; }).map(function (a) { return a.getAttribute("href"); }),
      pages: Array.from(d.querySelectorAll(".incident-static nav.pagination a")).map(function (a) { return a.getAttribute("href"); })
    };
    if (--left === 0) out.textContent = JSON.stringify(log);
  };
  f.src = src;
  document.body.appendChild(f);
});
</script></body></html>"#,
    )
    .unwrap();
    let dom = dump_dom(&chrome, &s.server.url("/nojs.html"));
    let at = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let text = dom[at..at + dom[at..].find("</pre>").unwrap()].replace("&quot;", "\"").replace("&amp;", "&");
    let log: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let newest = expected(&s.site.specs, "", &|_| true);
    let first = &log["/incidents/?sort=title&year=2020"];
    assert_eq!(first["browserShown"], false, "the form stays hidden without JavaScript: {text}");
    let rows: Vec<&str> = first["rows"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(rows, newest[..4], "the static page shows the newest incidents whatever the query");
    assert!(first["pages"].as_array().unwrap().iter().any(|h| h == "/incidents/page/2/"), "{text}");
    let last = &log["/incidents/page/8/"];
    let rows: Vec<&str> = last["rows"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(rows, newest[28..]);
}
