//! Search: what goes into the index files (and what never does), the
//! header search form, and the /search/ page in headless Chromium served
//! from a local HTTP server.

use crate::harness as common;
use crate::harness::http;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::*;
use rca_site::output::OutputFile;
use rca_site::output::Sink;
use rca_site::pipeline::{build_site, BuildOptions};
use rca_site::search::index::{decode_docs, decode_postings};
use rca_site::search::tokenize::{tokenize, SAMPLE_TEXT};
use rca_site::source::Snapshot;
use serde_json::Value;

/// Keeps every file in memory, as `serve` will.
#[derive(Default)]
struct Memory(Mutex<BTreeMap<String, Vec<u8>>>);

impl Sink for Memory {
    fn put(&self, file: OutputFile) -> std::io::Result<()> {
        self.0.lock().unwrap().insert(file.path, file.bytes);
        Ok(())
    }
}

/// The search index of one build, read back from its files.
struct Index {
    manifest: Value,
    /// word → (doc, impact)
    words: BTreeMap<String, Vec<(u32, u8)>>,
    /// doc → fragment
    fragments: Vec<Value>,
    /// facet key → value slug → docs
    facets: BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    /// Every file of the index, for leak checks.
    files: BTreeMap<String, Vec<u8>>,
}

impl Index {
    fn from_files(files: &BTreeMap<String, Vec<u8>>) -> Index {
        let manifest_path = files
            .keys()
            .find(|p| p.starts_with("search/") && p.ends_with("/manifest.json"))
            .expect("a search manifest")
            .clone();
        let dir = manifest_path.trim_end_matches("manifest.json").to_string();
        let json = |p: &str| -> Value {
            serde_json::from_slice(files.get(&format!("{dir}{p}")).unwrap_or_else(|| panic!("missing {dir}{p}")))
                .unwrap()
        };
        let manifest = json("manifest.json");
        let mut words = BTreeMap::new();
        for n in 0..manifest["shards"].as_array().unwrap().len() {
            for (w, enc) in json(&format!("s/{n}.json")).as_object().unwrap() {
                assert!(words.insert(w.clone(), decode_postings(enc.as_str().unwrap())).is_none(), "{w} in two shards");
            }
        }
        let fragments = (0..manifest["docs"].as_u64().unwrap()).map(|d| json(&format!("f/{d}.json"))).collect();
        let mut facets = BTreeMap::new();
        for f in manifest["facets"].as_array().unwrap() {
            let lists = json(f["file"].as_str().unwrap());
            let values: BTreeMap<String, Vec<u32>> = f["values"]
                .as_array()
                .unwrap()
                .iter()
                .zip(lists.as_array().unwrap())
                .map(|(v, l)| {
                    let docs = decode_docs(l.as_str().unwrap());
                    assert_eq!(docs.len() as u64, v[2].as_u64().unwrap(), "manifest count of {v}");
                    (v[0].as_str().unwrap().to_string(), docs)
                })
                .collect();
            facets.insert(f["key"].as_str().unwrap().to_string(), values);
        }
        let files = files.iter().filter(|(p, _)| p.starts_with(&dir)).map(|(p, b)| (p.clone(), b.clone())).collect();
        Index { manifest, words, fragments, facets, files }
    }

    fn from_dir(out: &Path) -> Index {
        let mut files = BTreeMap::new();
        for e in walkdir::WalkDir::new(out.join("search")) {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(out).unwrap().to_string_lossy().into_owned();
                files.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
        Index::from_files(&files)
    }

    fn docs_of(&self, word: &str) -> Vec<u32> {
        self.words.get(word).map(|l| l.iter().map(|p| p.0).collect()).unwrap_or_default()
    }

    fn url(&self, doc: u32) -> &str {
        self.fragments[doc as usize]["url"].as_str().unwrap()
    }

    /// Asserts that no index file, folded or not, contains `needle`.
    fn never_mentions(&self, needle: &str) {
        let folded = needle.to_lowercase();
        for (path, bytes) in &self.files {
            let text = String::from_utf8_lossy(bytes).to_lowercase();
            assert!(!text.contains(&folded), "{needle:?} leaked into {path}");
        }
    }
}

fn build_memory(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let snapshot = Snapshot::from_dir(root).unwrap();
    let sink = Memory::default();
    let built = build_site(&snapshot, &BuildOptions::default(), &sink);
    assert!(!built.diagnostics.has_errors(), "{:?}", built.diagnostics);
    sink.0.into_inner().unwrap()
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn index_is_produced_in_memory_through_the_sink() {
    let files = build_memory(&fixtures().join("good"));
    let index = Index::from_files(&files);
    assert!(files.contains_key("search/index.html"));
    let page = String::from_utf8_lossy(&files["search/index.html"]).into_owned();
    let manifest_url = files.keys().find(|p| p.ends_with("/manifest.json")).unwrap();
    assert!(page.contains(&format!("data-index=\"/{manifest_url}\"")), "the page names its manifest");
    // Two public incidents, then the cause pages of their causes.
    assert_eq!(index.manifest["incidents"], 2);
    assert!(index.fragments.iter().any(|f| f["url"] == "/incidents/forums-staging/"));
    assert!(index.fragments.iter().any(|f| f["kind"] == "cause" && f["url"] == "/causes/missing-monitoring/"));
    // Same bytes as a build to disk.
    let site = Site::build("good", &[]).ok();
    let disk = Index::from_dir(&site.out);
    assert_eq!(disk.files, index.files);
}

#[test]
fn left_out_incidents_are_in_no_shard_fragment_or_facet() {
    for flags in [&[][..], &["--base-url", "https://example.org/"][..]] {
        let site = Site::build("good", flags).ok();
        let index = Index::from_dir(&site.out);
        for canary in [
            "LEAKCANARY-INTERNAL",
            "LEAKCANARY-DRAFT",
            "LEAKCANARY-REVIEW",
            "leakcanary",
            "internal-leak",
            "draft-one",
            "in-review",
            "secret-service-xyz",
            "leaktag-internal",
            "draft-only-service",
        ] {
            index.never_mentions(canary);
        }
        for word in ["leakcanary", "leaktag", "xyz"] {
            assert!(index.docs_of(word).is_empty(), "{word:?} is an index word");
        }
        // Facet counts only count public incidents.
        let incidents = index.manifest["incidents"].as_u64().unwrap() as u32;
        for (key, values) in &index.facets {
            for (slug, docs) in values {
                assert!(docs.iter().all(|&d| d < incidents), "{key}={slug} lists a non-incident document");
            }
        }
        assert_eq!(index.facets["cause"]["missing-monitoring"].len(), 1, "the internal and draft uses are not counted");
        let json: Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
        let public_sev: BTreeSet<String> = json["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["severity"].as_str().map(String::from))
            .collect();
        assert_eq!(
            index.facets["severity"].keys().cloned().collect::<BTreeSet<_>>(),
            public_sev,
            "severities of public incidents only"
        );
        let years: BTreeSet<&String> = index.facets["year"].keys().collect();
        assert_eq!(years, ["2021", "2024"].iter().map(|s| s.to_string()).collect::<Vec<_>>().iter().collect());
    }
}

#[test]
fn drafts_flag_indexes_drafts_and_internal_flag_does_not() {
    let site = Site::build("good", &["--drafts"]).ok();
    let index = Index::from_dir(&site.out);
    assert!(!index.docs_of("leakcanary").is_empty(), "--drafts indexes drafts");
    assert!(
        index.files.values().all(|b| !String::from_utf8_lossy(b).contains("LEAKCANARY-INTERNAL")),
        "--drafts alone keeps internal out"
    );
}

#[test]
fn example_archive_canaries_stay_out_of_the_index() {
    let files = build_memory(&repo_root());
    let index = Index::from_files(&files);
    for canary in ["CANARY-INTERNAL-7731", "CANARY-DRAFT-4410", "7731", "4410"] {
        index.never_mentions(canary);
    }
    assert!(!index.words.contains_key("7731") && !index.words.contains_key("4410"));
    assert_eq!(index.manifest["incidents"], 15);
}

#[test]
fn index_holds_folded_words_of_every_field_with_title_ranked_first() {
    let index = Index::from_files(&build_memory(&repo_root()));
    // Unique body word (a MySQL charset named in one incident).
    let docs = index.docs_of("utf8mb3");
    assert_eq!(docs.len(), 1);
    assert_eq!(index.url(docs[0]), "/incidents/forums-v2-staging-outage/");
    // Words are case-folded; no upper case in any key.
    assert!(index.words.keys().all(|w| w.to_lowercase() == *w));
    // Services, tags and cause names are searchable too, and cause pages are documents.
    assert!(!index.docs_of("thumbnails").is_empty());
    let monitoring = &index.words["monitoring"];
    let cause_page =
        monitoring.iter().find(|(d, _)| index.url(*d) == "/causes/missing-monitoring/").expect("cause page indexed");
    // A word in the title outranks the same word in the body only.
    let best = monitoring.iter().max_by_key(|p| p.1).unwrap();
    assert!(best.1 >= cause_page.1);
    // Shards are small and in word order.
    let shards: Vec<&str> = index.manifest["shards"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(shards.windows(2).all(|w| w[0] < w[1]));
    for (path, bytes) in &index.files {
        if path.contains("/s/") {
            assert!(bytes.len() < 64 * 1024, "{path} is {} bytes", bytes.len());
        }
    }
}

#[test]
fn facet_counts_match_the_archive() {
    let files = build_memory(&repo_root());
    let index = Index::from_files(&files);
    let json: Value = serde_json::from_slice(&files["incidents.json"]).unwrap();
    let incidents = json["incidents"].as_array().unwrap();
    let mut sev: BTreeMap<String, usize> = BTreeMap::new();
    let mut years: BTreeMap<String, usize> = BTreeMap::new();
    for i in incidents {
        if let Some(s) = i["severity"].as_str() {
            *sev.entry(s.to_string()).or_default() += 1;
        }
        *years.entry(i["date"].as_str().unwrap()[..4].to_string()).or_default() += 1;
    }
    let counts = |key: &str| -> BTreeMap<String, usize> {
        index.facets[key].iter().map(|(k, v)| (k.clone(), v.len())).collect()
    };
    assert_eq!(counts("severity"), sev);
    assert_eq!(counts("year"), years);
    // Each fragment's severity agrees with the severity facet.
    for (slug, docs) in &index.facets["severity"] {
        for &d in docs {
            assert_eq!(index.fragments[d as usize]["severity"], slug.as_str());
        }
    }
}

#[test]
fn header_search_form_is_on_every_page() {
    let site = Site::build("good", &[]).ok();
    let mut pages = 0;
    for (path, bytes) in site.all_files() {
        let text = String::from_utf8_lossy(&bytes);
        if !path.ends_with(".html") || text.contains("http-equiv=\"refresh\"") {
            continue;
        }
        pages += 1;
        assert!(
            text.contains("<form class=\"search\" role=\"search\" action=\"/search/\" method=\"get\">"),
            "{path} has no header search form"
        );
        assert!(text.contains("name=\"q\""), "{path}");
        assert!(
            text.contains("<label class=\"visually-hidden\" for=\"site-search\">"),
            "{path}: the search box has a label"
        );
        assert!(text.contains("href=\"/search/\""), "{path}: the nav links to search");
    }
    assert!(pages > 10);
}

#[test]
fn search_page_says_what_to_do_without_javascript() {
    let site = Site::build("good", &["--base-url", "https://example.org/archive"]).ok();
    let page = site.page("/search/");
    let noscript = &page[page.find("<noscript>").expect("noscript")..page.find("</noscript>").unwrap()];
    assert!(noscript.contains("needs JavaScript"));
    assert!(noscript.contains("href=\"/archive/incidents/\""), "{noscript}");
    assert!(page.contains("action=\"/archive/search/\""));
    assert!(page.contains("src=\"/archive/search.js\""));
    assert!(site.exists("search.js"));
}

// ------------------------------------------------------------ browser tests

/// Loads `url` in headless Chromium and returns the DOM after scripts ran.
fn dump_dom(chrome: &Path, url: &str) -> String {
    let profile = TempDir::new("chromium-profile");
    let out = Command::new(chrome)
        .args(CHROMIUM_FLAGS)
        .args([
            &format!("--user-data-dir={}", profile.path().display()),
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("</html>"), "chromium printed no DOM for {url}:\n{}", String::from_utf8_lossy(&out.stderr));
    dom
}

/// The `<li>` items of the result list, in order.
fn results(dom: &str) -> Vec<String> {
    let start = dom.find("class=\"search-list\"").expect("result list");
    let end = start + dom[start..].find("</ol>").unwrap();
    dom[start..end].split("<li><article").skip(1).map(|s| s.to_string()).collect()
}

fn status(dom: &str) -> String {
    let s = dom.find("id=\"search-status\"").unwrap();
    let s = s + dom[s..].find('>').unwrap() + 1;
    dom[s..s + dom[s..].find("</p>").unwrap()].to_string()
}

struct Served {
    _tmp: TempDir,
    out: PathBuf,
    server: http::Server,
}

fn serve_example() -> Served {
    let tmp = TempDir::new("search-browser");
    let out = tmp.path().join("public");
    let o = rca(&["build", "--root", repo_root().to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let server = http::Server::start(&out);
    Served { _tmp: tmp, out, server }
}

#[test]
fn browser_finds_the_one_incident_with_a_unique_word_and_applies_facets() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    let index = Index::from_dir(&site.out);

    // A word found in one incident only.
    let dom = dump_dom(&chrome, &site.server.url("/search/?q=utf8mb3"));
    let items = results(&dom);
    assert_eq!(items.len(), 1, "one result for utf8mb3:\n{dom}");
    assert!(items[0].contains("href=\"/incidents/forums-v2-staging-outage/\""));
    assert!(items[0].contains("<mark>utf8mb3</mark>"), "the matched word is highlighted: {}", items[0]);
    assert!(items[0].contains("class=\"sev sev-r"), "severity shown");
    assert!(items[0].contains("<time datetime=\"2024-"), "date shown");
    assert_eq!(status(&dom), "1 result for “utf8mb3”");

    // Query plus a facet from the URL: exactly the SEV3 incidents with the word.
    let monitoring = index.docs_of("monitoring");
    let sev3 = &index.facets["severity"]["SEV3"];
    let expected: BTreeSet<String> =
        monitoring.iter().filter(|d| sev3.contains(d)).map(|&d| index.url(d).to_string()).collect();
    assert!(expected.len() >= 2 && expected.len() < monitoring.len(), "the fixture must make the facet matter");
    let dom = dump_dom(&chrome, &site.server.url("/search/?q=monitoring&severity=SEV3"));
    let got: BTreeSet<String> = results(&dom)
        .iter()
        .map(|li| {
            let h = li.find("class=\"card-title\"><a href=\"").unwrap() + "class=\"card-title\"><a href=\"".len();
            li[h..h + li[h..].find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(got, expected);
    assert!(results(&dom).iter().all(|li| li.contains(">SEV3</a>")));
    assert_eq!(status(&dom), format!("{} results for “monitoring”", expected.len()));
    // The SEV3 box is checked and shows its count; SEV2 shows how many it would add.
    let sev3_box = dom.find("value=\"SEV3\"").unwrap();
    assert!(dom[sev3_box - 120..sev3_box + 60].contains("checked"), "SEV3 checkbox checked");
    let sev2 = monitoring.iter().filter(|d| index.facets["severity"]["SEV2"].contains(d)).count();
    let sev2_label = &dom[dom.find("value=\"SEV2\"").unwrap()..];
    assert!(sev2_label[..200].contains(&format!("<span class=\"count\">{sev2}</span>")), "{}", &sev2_label[..200]);

    // A facet alone (no words): every incident of that service, newest first.
    let wiki = &index.facets["service"]["wiki"];
    let dom = dump_dom(&chrome, &site.server.url("/search/?service=wiki&sort=newest"));
    let items = results(&dom);
    assert_eq!(items.len(), wiki.len().min(10));
    assert!(items[0].contains(&format!("href=\"{}\"", index.url(wiki[0]))), "newest first");
}

#[test]
fn browser_prefix_match_and_url_follow_the_reader() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    // A page that drives /search/ in a frame like a reader: type a prefix,
    // tick a facet, then report the results and the frame's URL.
    std::fs::write(
        site.out.join("drive.html"),
        r#"<!doctype html><html><body><pre id="out">pending</pre>
<script>
var out = document.getElementById("out");
var f = document.createElement("iframe");
function wait(cond, then) { var n = 0; (function poll() { if (cond()) then(); else if (n++ < 200) setTimeout(poll, 25); else out.textContent = "timeout"; })(); }
f.onload = function () {
  var d = f.contentDocument;
  wait(function () { return d.getElementById("search").hasAttribute("data-done"); }, function () {
    var q = d.getElementById("search-q");
    q.focus();
    q.value = "certif";
    q.dispatchEvent(new Event("input"));
    wait(function () { return d.querySelectorAll(".search-list li").length > 0; }, function () {
      var first = d.querySelector(".search-list > li").innerHTML;
      var box = d.querySelector('input[name="year"][value="2017"]');
      box.click();
      wait(function () { return f.contentWindow.location.search.indexOf("year=2017") >= 0 && d.querySelectorAll(".search-list > li").length === 1; }, function () {
        out.textContent = JSON.stringify({
          url: f.contentWindow.location.search,
          first: first,
          after: d.querySelector(".search-list > li").innerHTML,
          status: d.getElementById("search-status").textContent
        });
      });
    });
  });
};
f.src = "/search/";
document.body.appendChild(f);
</script></body></html>"#,
    )
    .unwrap();
    let dom = dump_dom(&chrome, &site.server.url("/drive.html"));
    let s = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let text =
        dom[s..s + dom[s..].find("</pre>").unwrap()].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("driver said: {text}"));
    assert_eq!(v["url"], "?q=certif&year=2017");
    assert!(v["first"].as_str().unwrap().contains("<mark>"), "prefix matches are highlighted: {}", v["first"]);
    assert!(v["after"].as_str().unwrap().contains("/incidents/forums-certificate-expiry/"), "{}", v["after"]);
    assert_eq!(v["status"], "1 result for “certif”");
}

#[test]
fn browser_tokenizer_matches_rust() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    let samples = serde_json::to_string(SAMPLE_TEXT).unwrap();
    std::fs::write(
        site.out.join("tokens.html"),
        format!(
            r#"<!doctype html><html><body><pre id="out">pending</pre><script src="/search.js"></script>
<script>document.getElementById("out").textContent = JSON.stringify({samples}.map(window.rcaSearchTokenize));</script></body></html>"#
        ),
    )
    .unwrap();
    let dom = dump_dom(&chrome, &site.server.url("/tokens.html"));
    let s = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let text =
        dom[s..s + dom[s..].find("</pre>").unwrap()].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let js: Vec<Vec<String>> = serde_json::from_str(&text).unwrap_or_else(|_| panic!("page said: {text}"));
    let rust: Vec<Vec<String>> = SAMPLE_TEXT.iter().map(|s| tokenize(s)).collect();
    assert_eq!(js, rust);
}

/// Loads `/search/<query>` at `width`x`height` with a probe injected at
/// the top of the page: it sums the layout shifts (PerformanceObserver,
/// buffered) until the page has settled, then reports them with the
/// page's headings, the results' "matched in" lines and the facet boxes.
fn probe(chrome: &Path, site: &Served, query: &str, width: u32, height: u32) -> Value {
    let page = std::fs::read_to_string(site.out.join("search/index.html")).unwrap();
    let script = r#"<script>
window.__cls = 0;
new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { if (!e.hadRecentInput) window.__cls += e.value; }); }).observe({ type: "layout-shift", buffered: true });
addEventListener("load", function () {
  var n = 0;
  (function poll() {
    var root = document.getElementById("search");
    if (!(root && root.hasAttribute("data-done")) && n++ < 300) return setTimeout(poll, 25);
    setTimeout(function () {
      var pre = document.createElement("pre");
      pre.id = "probe";
      pre.textContent = JSON.stringify({
        done: root.hasAttribute("data-done"),
        cls: window.__cls,
        headings: Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6")).map(function (h) { return h.tagName; }),
        results: Array.from(document.querySelectorAll(".search-list > li")).map(function (li) {
          var w = li.querySelector(".search-where");
          return { url: li.querySelector(".card-title a").getAttribute("href"), where: w ? w.textContent : null };
        }),
        boxes: Array.from(document.querySelectorAll(".search-facet-values input")).map(function (b) {
          return { key: b.name, value: b.value, disabled: b.disabled, aria: b.getAttribute("aria-disabled"), count: Number(b.parentNode.querySelector(".count").textContent) };
        })
      });
      document.body.appendChild(pre);
    }, 500);
  })();
});
</script>"#;
    let head = page.find("<head>").expect("<head>") + "<head>".len();
    let probed = format!("{}{script}{}", &page[..head], &page[head..]);
    std::fs::write(site.out.join("search/probe.html"), probed).unwrap();
    let profile = TempDir::new("chromium-profile");
    let out = Command::new(chrome)
        .args(CHROMIUM_FLAGS)
        .args([
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--window-size={width},{height}"),
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            "--dump-dom",
            &site.server.url(&format!("/search/probe.html{query}")),
        ])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let s = dom.find("<pre id=\"probe\">").unwrap_or_else(|| {
        panic!("no probe output for {query} at {width}px:\n{dom}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let s = s + "<pre id=\"probe\">".len();
    let text = dom[s..s + dom[s..].find("</pre>").unwrap()]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("probe said {text}: {e}"));
    assert_eq!(v["done"], true, "the search did not finish for {query} at {width}px");
    v
}

#[test]
fn browser_search_page_does_not_shift_as_results_load() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    for (w, h) in [(1280, 800), (390, 844)] {
        for q in ["?q=monitoring", "?q=utf8mb3", "?q=database&severity=SEV2"] {
            let v = probe(&chrome, &site, q, w, h);
            assert!(!v["results"].as_array().unwrap().is_empty(), "{q}: results shown");
            let cls = v["cls"].as_f64().unwrap();
            assert!(cls < 0.05, "cumulative layout shift {cls} for /search/{q} at {w}x{h}");
        }
    }
}

#[test]
fn browser_result_cards_say_where_the_query_matched_under_an_h2() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    let index = Index::from_dir(&site.out);
    let v = probe(&chrome, &site, "?q=monitoring", 1280, 800);
    // Headings never skip a level: h1, then h2 cards (no h3 without an h2 before it).
    let levels: Vec<u32> =
        v["headings"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()[1..].parse().unwrap()).collect();
    let mut deepest = 0;
    for &l in &levels {
        assert!(l <= deepest + 1, "heading h{l} after at most h{deepest}: {levels:?}");
        deepest = deepest.max(l);
    }
    let results = v["results"].as_array().unwrap();
    assert!(results.len() >= 3);
    let mut by_cause = 0;
    for r in results {
        let url = r["url"].as_str().unwrap();
        let where_ = r["where"].as_str().unwrap_or_else(|| panic!("{url} says nothing about where it matched"));
        let frag = index.fragments.iter().find(|f| f["url"] == url).unwrap();
        let has = |field: &str| frag[field].as_str().is_some_and(|t| tokenize(t).iter().any(|w| w == "monitoring"));
        assert_eq!(where_.contains("in title"), has("title"), "{url}: {where_}");
        assert_eq!(where_.contains("in summary"), has("summary"), "{url}: {where_}");
        let causes: Vec<&str> =
            frag["causes"].as_array().map(|c| c.iter().filter_map(|c| c.as_str()).collect()).unwrap_or_default();
        let matching: Vec<&&str> = causes.iter().filter(|c| tokenize(c).iter().any(|w| w == "monitoring")).collect();
        if frag["kind"] == "incident" && !matching.is_empty() {
            by_cause += 1;
            assert!(where_.contains(&format!("in causes: {}", matching[0])), "{url}: {where_}");
        }
        if !has("title") && !has("summary") && matching.is_empty() {
            assert!(
                where_.contains("in body")
                    || where_.contains("in aliases")
                    || where_.contains("in tags")
                    || where_.contains("in services"),
                "{url}: {where_}"
            );
        }
    }
    assert!(by_cause >= 2, "the example has incidents that match 'monitoring' through a cause: {results:?}");
    // A facet-only search matched no words, so no card claims a match.
    let v = probe(&chrome, &site, "?severity=SEV2", 1280, 800);
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["where"].is_null()), "{v}");
}

#[test]
fn browser_zero_count_facets_are_disabled_and_years_run_newest_first() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    let index = Index::from_dir(&site.out);
    // utf8mb3 is in one 2024 incident; the archive has later years.
    let v = probe(&chrome, &site, "?q=utf8mb3", 1280, 800);
    let boxes = v["boxes"].as_array().unwrap();
    let years: Vec<&str> = boxes.iter().filter(|b| b["key"] == "year").map(|b| b["value"].as_str().unwrap()).collect();
    let mut sorted = years.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(years, sorted, "years newest first");
    let mut all: Vec<&String> = index.facets["year"].keys().collect();
    all.reverse();
    assert_eq!(years, all, "every year is listed");
    let mut zero = 0;
    for b in boxes {
        let c = b["count"].as_u64().unwrap();
        assert_eq!(b["disabled"], c == 0, "{b}");
        assert_eq!(b["aria"] == "true", c == 0, "{b}");
        zero += (c == 0) as usize;
    }
    assert!(zero > 0 && zero < boxes.len(), "{boxes:?}");
    let y2024 = boxes.iter().find(|b| b["key"] == "year" && b["value"] == "2024").unwrap();
    assert_eq!(y2024["count"], 1);
    assert_eq!(y2024["disabled"], false);
}

#[test]
fn browser_long_facets_load_when_unfolded_and_count_the_query() {
    let Some(chrome) = chromium() else { return };
    let site = serve_example();
    let index = Index::from_dir(&site.out);
    // search.js folds a facet of more than 12 values (LONG_FACET), years aside.
    let long: Vec<(usize, String, String)> = index.manifest["facets"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, f)| f["key"] != "year" && f["values"].as_array().unwrap().len() > 12)
        .map(|(n, f)| (n, f["key"].as_str().unwrap().to_string(), f["file"].as_str().unwrap().to_string()))
        .collect();
    assert!(!long.is_empty(), "the example has a long facet (tags): {}", index.manifest["facets"]);
    let (fi, key, file) = long[0].clone();
    // A driver page: query, list the facet files fetched, unfold the long
    // facet, then list the files again and read its boxes.
    std::fs::write(
        site.out.join("drive-facets.html"),
        format!(
            r#"<!doctype html><html><body><pre id="out">pending</pre>
<script>
var out = document.getElementById("out");
var f = document.createElement("iframe");
function wait(cond, then) {{ var n = 0; (function poll() {{ if (cond()) then(); else if (n++ < 300) setTimeout(poll, 25); else out.textContent = "timeout"; }})(); }}
function facetFiles() {{ return f.contentWindow.performance.getEntriesByType("resource").map(function (e) {{ return e.name.replace(/^.*\//, ""); }}).filter(function (n) {{ return n.indexOf("facet-") === 0; }}).sort(); }}
f.onload = function () {{
  var d = f.contentDocument;
  wait(function () {{ return d.getElementById("search").hasAttribute("data-done"); }}, function () {{
    var before = facetFiles();
    var folded = d.querySelectorAll('input[name="{key}"]').length;
    var button = d.getElementById("facet-open-{fi}");
    if (!button) {{ out.textContent = JSON.stringify({{ before: before, folded: folded, button: false }}); return; }}
    button.click();
    wait(function () {{ return d.querySelectorAll('input[name="{key}"]').length > 0; }}, function () {{
      out.textContent = JSON.stringify({{
        before: before,
        folded: folded,
        button: true,
        after: facetFiles(),
        boxes: Array.from(d.querySelectorAll('input[name="{key}"]')).map(function (b) {{
          return {{ value: b.value, disabled: b.disabled, count: Number(b.parentNode.querySelector(".count").textContent) }};
        }})
      }});
    }});
  }});
}};
f.src = "/search/?q=monitoring";
document.body.appendChild(f);
</script></body></html>"#
        ),
    )
    .unwrap();
    let dom = dump_dom(&chrome, &site.server.url("/drive-facets.html"));
    let s = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let text =
        dom[s..s + dom[s..].find("</pre>").unwrap()].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("driver said: {text}"));
    let names =
        |k: &str| -> Vec<String> { v[k].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect() };
    let file_name = file.rsplit('/').next().unwrap().to_string();
    // The first query fetched the short facets' files (for their counts), not the long one.
    let before = names("before");
    assert!(!before.contains(&file_name), "{file_name} fetched before the reader asked: {before:?}");
    assert!(before.contains(&"facet-severity.json".to_string()), "{before:?}");
    assert_eq!(v["folded"], 0, "a folded facet shows no boxes");
    assert_eq!(v["button"], true, "a folded facet has its button: {text}");
    // Unfolded: its file is fetched, and its boxes count this query.
    assert!(names("after").contains(&file_name), "{:?}", names("after"));
    let monitoring: BTreeSet<u32> = index.docs_of("monitoring").into_iter().collect();
    let incidents = index.manifest["incidents"].as_u64().unwrap() as u32;
    let boxes = v["boxes"].as_array().unwrap();
    assert!(!boxes.is_empty());
    for b in boxes {
        let value = b["value"].as_str().unwrap();
        let expected = index.facets[&key][value].iter().filter(|d| **d < incidents && monitoring.contains(d)).count();
        assert_eq!(b["count"].as_u64().unwrap() as usize, expected, "{key}={value}: {b}");
        assert_eq!(b["disabled"], expected == 0, "{b}");
    }
    // Values with results come first.
    let first_zero = boxes.iter().position(|b| b["count"] == 0).unwrap_or(boxes.len());
    assert!(boxes[first_zero..].iter().all(|b| b["count"] == 0), "{boxes:?}");
}
