//! What the built site tells the rest of the web (src/share.rs): canonical
//! URLs, Open Graph, Twitter and description tags on every page, JSON-LD on
//! incident pages, robots.txt, the icons, deploy previews kept out of search
//! engines; and texts that count correctly ("1 incident", never "1 incidents").

use crate::harness as common;
use crate::harness::http;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The tags of a page's `<head>` that matter here, attribute values decoded.
#[derive(Debug, Default)]
struct Head {
    /// `meta name=` or `meta property=` → content.
    meta: BTreeMap<String, String>,
    /// `link rel=` → hrefs.
    links: BTreeMap<String, Vec<String>>,
    /// Contents of every `<script type="application/ld+json">`, undecoded.
    json_ld: Vec<String>,
}

fn decode(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Attributes of one tag (`<meta a="b" c="d">`), double-quoted as the theme writes them.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').expect("closing quote");
        out.insert(name, decode(&after[..end]));
        rest = &after[end + 1..];
    }
    out
}

fn head_of(html: &str) -> Head {
    let start = html.find("<head>").expect("a <head>");
    let end = html.find("</head>").expect("a </head>");
    let head = &html[start..end];
    let mut h = Head::default();
    for (i, _) in head.match_indices('<') {
        let tag = &head[i..i + head[i..].find('>').unwrap() + 1];
        let a = attributes(tag);
        if tag.starts_with("<meta ") {
            if let (Some(k), Some(v)) = (a.get("name").or(a.get("property")), a.get("content")) {
                h.meta.insert(k.clone(), v.clone());
            }
        } else if tag.starts_with("<link ") {
            if let (Some(rel), Some(href)) = (a.get("rel"), a.get("href")) {
                h.links.entry(rel.clone()).or_default().push(href.clone());
            }
        } else if tag.starts_with("<script type=\"application/ld+json\">") {
            let body = &head[i + tag.len()..];
            h.json_ld.push(body[..body.find("</script>").expect("</script>")].to_string());
        }
    }
    h
}

/// Every HTML page of a built site (not the redirect stubs of old URLs),
/// with its URL path: `incidents/x/index.html` → `/incidents/x/`.
fn pages(site: &Site) -> Vec<(String, String)> {
    site.all_files()
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| {
            let url = match p.strip_suffix("index.html") {
                Some(dir) => format!("/{dir}"),
                None => format!("/{p}"),
            };
            (url, String::from_utf8(b).unwrap())
        })
        .filter(|(_, html)| !html.contains("http-equiv=\"refresh\""))
        .collect()
}

fn incident_ids(site: &Site) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
    json["incidents"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// The repository's own example archive (content/, git history and all).
fn example_site() -> Site {
    let tmp = TempDir::new("share-example");
    let out = tmp.path().join("public");
    let output = rca(&["build", "--root", env!("CARGO_MANIFEST_DIR"), "--out", out.to_str().unwrap()]);
    Site { tmp, out, output }.ok()
}

/// An archive in a temp dir: `rca-site.toml` and files under it.
fn archive(label: &str, config: &str, files: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new(label);
    let root = tmp.path().join("archive");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("rca-site.toml"), config).unwrap();
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}

fn build_archive(tmp: TempDir, flags: &[&str]) -> Site {
    let root = tmp.path().join("archive");
    let out = tmp.path().join("public");
    let mut args = vec!["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(flags);
    let output = rca(&args);
    Site { tmp, out, output }.ok()
}

/// Asserts the tags every page must carry, with `base_url` the site's
/// absolute base; returns how many pages were checked.
fn check_share_tags(site: &Site, base_url: &str, site_title: &str) -> usize {
    let incidents = incident_ids(site);
    assert!(!incidents.is_empty());
    let pages = pages(site);
    for (url, html) in &pages {
        let h = head_of(html);
        let canonical = format!("{base_url}{url}");
        assert_eq!(h.links.get("canonical"), Some(&vec![canonical.clone()]), "{url}: canonical");
        let m = |k: &str| h.meta.get(k).cloned().unwrap_or_else(|| panic!("{url}: no {k}"));
        assert_eq!(m("og:url"), canonical, "{url}");
        assert_eq!(m("og:site_name"), site_title, "{url}");
        let description = m("description");
        assert!(description.len() > 10, "{url}: description {description:?}");
        assert_eq!(m("og:description"), description, "{url}");
        assert!(!m("og:title").is_empty(), "{url}");
        // X falls back to og:title and og:description: no second copy of each.
        assert!(!h.meta.contains_key("twitter:title") && !h.meta.contains_key("twitter:description"), "{url}");
        assert_eq!(m("twitter:card"), "summary", "{url}");
        // A modified time is there only when it differs from the published one.
        if let Some(modified) = h.meta.get("article:modified_time") {
            assert_ne!(Some(modified), h.meta.get("article:published_time"), "{url}");
        }
        assert!(!h.meta.contains_key("og:locale"), "{url}: <html lang> gives the language");
        assert!(!h.meta.contains_key("robots"), "{url}: a normal build must be indexable");
        assert_eq!(h.links.get("icon").map(|v| v.contains(&"/favicon.ico".to_string())), Some(true), "{url}");
        assert_eq!(h.links.get("apple-touch-icon"), Some(&vec!["/apple-touch-icon.png".to_string()]), "{url}");

        let incident = url
            .strip_prefix("/incidents/")
            .and_then(|r| r.strip_suffix('/'))
            .filter(|id| incidents.iter().any(|i| i == id));
        match incident {
            Some(id) => {
                assert_eq!(m("og:type"), "article", "{url}");
                assert_eq!(h.json_ld.len(), 1, "{url}: one JSON-LD block");
                let ld: serde_json::Value =
                    serde_json::from_str(&h.json_ld[0]).unwrap_or_else(|e| panic!("{url}: JSON-LD: {e}"));
                assert_eq!(ld["@type"], "Report", "{url}");
                assert_eq!(ld["url"], canonical.as_str(), "{url}");
                assert_eq!(ld["reportNumber"], *id, "{url}");
                assert_eq!(ld["headline"], m("og:title").as_str(), "{url}");
                for key in ["datePublished", "dateModified"] {
                    let d = ld[key].as_str().unwrap_or_else(|| panic!("{url}: {key}"));
                    assert!(d.len() == 20 && d.ends_with('Z'), "{url}: {key} {d}");
                }
                assert!(ld["about"].as_array().is_some_and(|a| !a.is_empty()), "{url}: about");
                // The event is dated, or named; its name would only repeat the headline.
                let event = &ld["about"][0];
                assert_eq!(event["@type"], "Event", "{url}");
                let dated = event.get("startDate").is_some() || event.get("endDate").is_some();
                assert!(dated != event.get("name").is_some(), "{url}: {event}");
                assert!(ld.get("isPartOf").is_none(), "{url}: the site is og:site_name");
                assert!(ld["keywords"].is_array(), "{url}: keywords");
                assert!(html.contains(&format!("Incident {id}")), "{url}: print header");
            }
            None => {
                assert_eq!(m("og:type"), "website", "{url}");
                assert!(h.json_ld.is_empty(), "{url}: JSON-LD on a page that is not an incident");
            }
        }
        assert!(
            html.contains("<p class=\"print-header wrap\">") && html.contains(&format!("{canonical}</p>")),
            "{url}: print header"
        );
    }
    for required in ["/", "/404.html", "/incidents/", "/search/", "/stats/", "/action-items/", "/tags/"] {
        assert!(pages.iter().any(|(u, _)| u == required), "{required} was not checked");
    }
    for id in &incidents {
        assert!(pages.iter().any(|(u, _)| *u == format!("/incidents/{id}/")), "incident {id} was not checked");
    }
    pages.len()
}

#[test]
fn every_page_of_the_example_archive_has_canonical_open_graph_and_description() {
    let site = example_site();
    let n = check_share_tags(&site, "https://rca-site-example.netlify.app", "Larkspur Labs incident archive");
    assert!(n > 80, "only {n} pages");
    let about = head_of(&site.page("/about/"));
    assert!(
        about.meta["description"].starts_with("This is the public incident archive of Larkspur Labs."),
        "{:?}",
        about.meta["description"]
    );
}

#[test]
fn every_page_of_a_fixture_has_canonical_open_graph_and_description() {
    let site = Site::build("good", &[]).ok();
    check_share_tags(&site, "https://incidents.example.com", "Fixture Corp incidents");
    // A base URL with a path: canonical URLs keep it.
    let site = Site::build("good", &["--base-url", "https://incidents.example.com/"]).ok();
    let h = head_of(&site.page("/incidents/koa2-install/"));
    assert_eq!(h.links["canonical"], vec!["https://incidents.example.com/incidents/koa2-install/".to_string()]);
    assert!(!h.meta.contains_key("robots"), "the configured base_url given again is not a preview");
}

#[test]
fn incident_description_leads_with_severity_date_and_time_to_resolve() {
    let site = Site::build("good", &[]).ok();
    let h = head_of(&site.page("/incidents/koa2-install/"));
    assert_eq!(
        h.meta["og:description"],
        "SEV2 · 10 Feb 2021 · resolved in 26 h 26 min — Nobody following the native install docs could install koa.2."
    );
    assert_eq!(h.meta["description"], h.meta["og:description"]);
    assert_eq!(h.meta["og:title"], "Release tag koa.2 could not be installed");
}

#[test]
fn json_ld_survives_a_title_that_closes_the_script() {
    let evil = "Outage </script><script>alert(1)</script> & <!-- more";
    let tmp = archive(
        "share-jsonld",
        "title = \"T\"\nbase_url = \"https://t.example\"\n",
        &[(
            "content/incidents/evil.md",
            &format!("---\ntitle: {evil:?}\ndate: 2022-03-04\nsummary: \"a <b>bold</b> claim\"\nservices: [api]\n---\nBody\n"),
        )],
    );
    let site = build_archive(tmp, &[]);
    let html = site.page("/incidents/evil/");
    assert!(!html.contains("<script>alert(1)"), "the title escaped its element");
    let h = head_of(&html);
    assert_eq!(h.json_ld.len(), 1);
    let raw = &h.json_ld[0];
    assert!(!raw.contains('<') && !raw.contains('>') && !raw.contains('&'), "{raw}");
    let ld: serde_json::Value = serde_json::from_str(raw).unwrap();
    assert_eq!(ld["headline"], evil);
    assert_eq!(
        h.meta["description"], "4 Mar 2022 — a bold claim",
        "descriptions are plain text: inline Markdown and HTML reduced to words"
    );
    // The description, language and publisher are the page's own meta tags,
    // not repeated in the JSON-LD of every incident page.
    assert!(ld.get("description").is_none() && ld.get("mainEntityOfPage").is_none(), "{ld}");
    assert_eq!(ld["about"][1], serde_json::json!({ "@type": "Service", "name": "api" }));
    assert_eq!(h.meta["og:title"], evil);
}

#[test]
fn deploy_preview_is_noindex_everywhere() {
    let site = Site::build("good", &["--base-url", "https://deploy-preview-42--fixture.netlify.app"]).ok();
    let pages = pages(&site);
    assert!(pages.len() > 10);
    for (url, html) in &pages {
        let h = head_of(html);
        assert_eq!(h.meta.get("robots").map(String::as_str), Some("noindex"), "{url}");
        assert_eq!(h.links["canonical"], vec![format!("https://deploy-preview-42--fixture.netlify.app{url}")], "{url}");
    }
    assert_eq!(
        site.file("robots.txt").lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>(),
        ["User-agent: *", "Disallow: /"]
    );
    // Drafts are never for search engines either.
    let site = Site::build("good", &["--drafts"]).ok();
    assert!(site.page("/").contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(site.file("robots.txt").contains("Disallow: /\n"));
}

#[test]
fn robots_txt_names_the_absolute_sitemap() {
    let site = Site::build("good", &[]).ok();
    assert_eq!(
        site.file("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://incidents.example.com/sitemap.xml\n"
    );
    assert!(site.exists("sitemap.xml"));

    // Without a base URL there is no absolute sitemap URL to give; a
    // --base-url is then the site's only URL (GitHub Pages), not a preview.
    let one = [("content/incidents/one.md", "---\ntitle: One\ndate: 2022-03-04\n---\nHi\n")];
    let site = build_archive(archive("share-robots", "title = \"T\"\n", &one), &[]);
    assert_eq!(site.file("robots.txt"), "User-agent: *\nAllow: /\n");
    let site = build_archive(
        archive("share-robots-pages", "title = \"T\"\n", &one),
        &["--base-url", "https://example.github.io/archive/"],
    );
    assert_eq!(
        site.file("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.github.io/archive/sitemap.xml\n"
    );
    let h = head_of(&site.page("/incidents/one/"));
    assert!(!h.meta.contains_key("robots"));
    assert_eq!(h.links["canonical"], vec!["https://example.github.io/archive/incidents/one/".to_string()]);

    // A theme's own robots.txt wins.
    let tmp = archive(
        "share-robots-theme",
        "title = \"T\"\nbase_url = \"https://t.example\"\n",
        &[
            ("content/incidents/one.md", "---\ntitle: One\ndate: 2022-03-04\n---\nHi\n"),
            ("theme/static/robots.txt", "User-agent: *\nDisallow: /private/\n"),
        ],
    );
    let site = build_archive(tmp, &[]);
    assert_eq!(site.file("robots.txt"), "User-agent: *\nDisallow: /private/\n");
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Width and height of a PNG, after checking its signature and header chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(PNG_MAGIC), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    assert!(bytes.ends_with(b"IEND\xaeB`\x82"), "PNG without its IEND chunk");
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn favicon_and_apple_touch_icon_are_real_images() {
    let site = Site::build("good", &[]).ok();
    let icon = std::fs::read(site.out.join("apple-touch-icon.png")).unwrap();
    assert_eq!(png_size(&icon), (180, 180));

    let ico = std::fs::read(site.out.join("favicon.ico")).unwrap();
    assert_eq!(&ico[..4], b"\x00\x00\x01\x00", "ICO signature");
    let le16 = |o: usize| u16::from_le_bytes([ico[o], ico[o + 1]]) as usize;
    let le32 = |o: usize| u32::from_le_bytes(ico[o..o + 4].try_into().unwrap()) as usize;
    let count = le16(4);
    assert!(count >= 1);
    let mut sizes = Vec::new();
    for k in 0..count {
        let e = 6 + 16 * k;
        let (w, len, off) = (ico[e] as u32, le32(e + 8), le32(e + 12));
        let (pw, ph) = png_size(&ico[off..off + len]);
        assert_eq!((pw, ph), (w, w), "entry {k}: directory and image disagree");
        sizes.push(w);
    }
    assert!(sizes.contains(&32), "{sizes:?}");
    assert!(site.exists("favicon.svg"));
}

/// Texts that count must agree with their number. A phrase like "1 incidents"
/// (a 1 not part of a larger number or a decimal) in the page's text or its
/// attributes.
const PLURALS: &[&str] = &[
    "incidents",
    "action items",
    "items",
    "causes",
    "services",
    "tags",
    "days",
    "hours",
    "minutes",
    "weeks",
    "months",
    "years",
    "revisions",
    "changes",
    "commits",
    "results",
    "events",
    "owners",
    "times",
];

fn wrong_plurals(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for noun in PLURALS {
        let phrase = format!("1 {noun}");
        for (i, _) in text.match_indices(&phrase) {
            let before = text[..i].chars().next_back();
            let after = text[i + phrase.len()..].chars().next();
            let starts_word = before.is_none_or(|c| !(c.is_alphanumeric() || c == '.' || c == ','));
            let ends_word = after.is_none_or(|c| !c.is_alphanumeric());
            if starts_word && ends_word {
                found.push(text[i.saturating_sub(40)..(i + phrase.len() + 20).min(text.len())].to_string());
            }
        }
    }
    found
}

/// A page's text (tags removed, whitespace folded) and the values of the
/// attributes people read (descriptions, titles, labels).
fn readable_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let a = attributes(&tag);
                for key in ["content", "title", "aria-label", "alt", "placeholder"] {
                    if let Some(v) = a.get(key) {
                        text.push_str(&format!(" | {v} | "));
                    }
                }
            }
            (true, c) => tag.push(c),
            (false, c) => text.push(c),
        }
    }
    decode(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_plural_scan_finds_what_it_should() {
    assert_eq!(wrong_plurals("We had 1 incidents, 1 action items and 1 items.").len(), 3);
    assert!(wrong_plurals("1 incident, 11 incidents, 0.1 days, 21 days, 1 daysy").is_empty());
    assert_eq!(readable_text("<p>Only <b>1</b> incidents</p><meta content=\"1 tags\">"), "Only 1 incidents | 1 tags |");
}

#[test]
fn no_page_says_1_incidents() {
    // One of everything: each count on the site is 1 somewhere.
    let one = archive(
        "share-one",
        "title = \"One\"\nbase_url = \"https://one.example\"\n",
        &[
            (
                "content/incidents/only.md",
                "---\ntitle: The only one\ndate: 2022-03-04\nsummary: Once.\nseverity: SEV1\nservices: [api]\ntags: [db]\ncauses: [missing-monitoring]\n\
started: 2022-03-04T10:00:00Z\ndetected: 2022-03-04T11:00:00Z\nresolved: 2022-03-05T11:00:00Z\n\
action_items:\n  - title: Add an alert\n    owner: ops\n    status: open\n    due: 2022-04-01\n---\n## Timeline\n\n- 10:00 UTC — began\n- 11:00 UTC — seen\n",
            ),
            ("content/pages/about.md", "---\ntitle: About\n---\nWe had 2 incidents once; now 1 incident.\n"),
        ],
    );
    let sites = [
        ("one of everything", build_archive(one, &[])),
        ("good", Site::build("good", &[]).ok()),
        ("example", example_site()),
    ];
    let mut checked = 0;
    for (name, site) in &sites {
        let mut wrong = Vec::new();
        for (url, html) in pages(site) {
            for w in wrong_plurals(&readable_text(&html)) {
                wrong.push(format!("{url}: …{w}…"));
            }
            checked += 1;
        }
        assert!(wrong.is_empty(), "{name}: counts that disagree with their noun:\n{}", wrong.join("\n"));
    }
    assert!(checked > 100, "{checked}");
    let one = &sites[0].1;
    assert!(one.page("/tags/db/").contains("content=\"1 incident with the tag db.\""));
    assert!(one.page("/action-items/").contains("content=\"1 action item from our postmortems"));
}

fn git(dir: &Path, date: &str, args: &[&str]) {
    git_as(dir, date, ("Alice", "alice@example.org"), args);
}

#[test]
fn printed_page_has_its_url_and_the_revision_history_open() {
    let tmp = archive(
        "share-print",
        "title = \"T\"\nbase_url = \"https://t.example\"\n",
        &[(
            "content/incidents/db.md",
            "---\ntitle: DB\ndate: 2022-03-04\nseverity: SEV2\n---\nSee [the docs](https://docs.example.org/db).\n",
        )],
    );
    let root = tmp.path().join("archive");
    git(&root, "2022-03-05 10:00:00 +0000", &["init", "-q", "-b", "main"]);
    git(&root, "2022-03-05 10:00:00 +0000", &["add", "-A"]);
    git(&root, "2022-03-05 10:00:00 +0000", &["commit", "-q", "-m", "Add the DB postmortem"]);
    std::fs::write(
        root.join("content/incidents/db.md"),
        "---\ntitle: DB\ndate: 2022-03-04\nseverity: SEV2\n---\nSee [the docs](https://docs.example.org/db). More.\n",
    )
    .unwrap();
    git(&root, "2022-03-07 10:00:00 +0000", &["commit", "-q", "-am", "Add a lesson to the DB postmortem"]);
    let site = build_archive(tmp, &[]);
    let html = site.page("/incidents/db/");
    assert!(html.contains("<p class=\"print-header wrap\">Incident db · SEV2 · <time datetime=\"2022-03-04\">4 Mar 2022</time> · https://t.example/incidents/db/</p>"), "{html}");
    let details = &html[html.find("<details class=\"history\">").expect("history")..];
    for subject in ["Add the DB postmortem", "Add a lesson to the DB postmortem"] {
        assert!(details[..details.find("</details>").unwrap()].contains(subject));
    }
    let css = site.file("style.css");
    let print_css = &css[css.rfind("sharing and print").unwrap()..];
    for rule in [
        ".print-header { display: none; }",
        ".history::details-content { content-visibility: visible; display: block;",
        ".print-header { display: block;",
    ] {
        assert!(print_css.contains(rule), "style.css lacks {rule}");
    }
    assert!(css.contains(".prose a[href^=\"http\"]::after { content: \" (\" attr(href) \")\""));
}

// ------------------------------------------------------------ browser tests

/// One tab of headless Chromium driven over the DevTools protocol, with
/// just enough WebSocket (std only) to send a command and read its reply.
struct Tab {
    ws: TcpStream,
    next_id: u64,
    child: Child,
    _profile: TempDir,
}

impl Tab {
    fn open(chrome: &Path, url: &str) -> Tab {
        let profile = TempDir::new("share-chromium");
        let child = Command::new(chrome)
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port_file = profile.path().join("DevToolsActivePort");
        let port: u16 = loop {
            if let Some(p) =
                std::fs::read_to_string(&port_file).ok().and_then(|t| t.lines().next()?.trim().parse().ok())
            {
                break p;
            }
            assert!(Instant::now() < deadline, "chromium did not open its DevTools port");
            std::thread::sleep(Duration::from_millis(50));
        };
        let path = loop {
            let list = http_get(port, "/json/list");
            let tabs: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap_or_default();
            if let Some(ws) = tabs.iter().find(|t| t["type"] == "page").and_then(|t| t["webSocketDebuggerUrl"].as_str())
            {
                break ws.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
            }
            assert!(Instant::now() < deadline, "no page in chromium");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut ws = TcpStream::connect(("127.0.0.1", port)).unwrap();
        ws.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            ws,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: cmNhLXNpdGUtdGVzdC1rZXk=\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            ws.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
        Tab { ws, next_id: 0, child, _profile: profile }
    }

    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let text = serde_json::json!({ "id": id, "method": method, "params": params }).to_string();
        let (payload, mask) = (text.as_bytes(), [0x12u8, 0x34, 0x56, 0x78]);
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend((n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend((n as u64).to_be_bytes());
            }
        }
        frame.extend(mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.ws.write_all(&frame).unwrap();
        loop {
            let reply: serde_json::Value = serde_json::from_slice(&self.read_message()).unwrap();
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// One whole message (continuation frames joined; control frames skipped).
    fn read_message(&mut self) -> Vec<u8> {
        let mut message = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.ws.read_exact(&mut h).unwrap();
            let len = match h[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.ws.read_exact(&mut b).unwrap();
                    u16::from_be_bytes(b) as usize
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.ws.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b) as usize
                }
                n => n as usize,
            };
            let mut data = vec![0u8; len];
            self.ws.read_exact(&mut data).unwrap();
            if h[0] & 0x08 != 0 {
                continue; // ping, pong or close
            }
            message.extend(data);
            if h[0] & 0x80 != 0 {
                return message;
            }
        }
    }

    /// Evaluates a JavaScript expression that returns a string of JSON.
    fn eval(&mut self, js: &str) -> serde_json::Value {
        let r = self.call("Runtime.evaluate", serde_json::json!({ "expression": js, "returnByValue": true }));
        let text = r["result"]["value"].as_str().unwrap_or_else(|| panic!("{js}: {r}")).to_string();
        serde_json::from_str(&text).unwrap()
    }

    fn goto(&mut self, url: &str) {
        self.call("Page.navigate", serde_json::json!({ "url": url }));
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.eval("JSON.stringify(document.readyState === 'complete' && location.href)") != serde_json::json!(url)
        {
            assert!(Instant::now() < deadline, "{url} did not load");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of a GET from Chromium's DevTools HTTP endpoint, which keeps the
/// connection open: read by Content-Length.
fn http_get(port: u16, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return String::new() };
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let (mut buf, mut chunk) = (Vec::new(), [0u8; 65536]);
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(n) = length.filter(|n| buf.len() >= i + 4 + n) {
                return String::from_utf8_lossy(&buf[i + 4..i + 4 + n]).into_owned();
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return String::new(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// In print media: the header line shows, the revision history is open,
/// body links print their targets and the navigation does not.
#[test]
fn browser_prints_the_url_the_history_and_link_targets() {
    let Some(chrome) = chromium() else { return };
    let tmp = archive(
        "share-print-browser",
        "title = \"T\"\nbase_url = \"https://t.example\"\n",
        &[
            ("content/incidents/db.md", "---\ntitle: DB\ndate: 2022-03-04\nseverity: SEV2\n---\nSee [the docs](https://docs.example.org/db) and [the other one](other.md).\n"),
            ("content/incidents/other.md", "---\ntitle: Other\ndate: 2022-01-04\n---\nHi\n"),
        ],
    );
    let root = tmp.path().join("archive");
    git(&root, "2022-03-05 10:00:00 +0000", &["init", "-q", "-b", "main"]);
    git(&root, "2022-03-05 10:00:00 +0000", &["add", "-A"]);
    git(&root, "2022-03-05 10:00:00 +0000", &["commit", "-q", "-m", "Add the DB postmortem"]);
    let site = build_archive(tmp, &[]);
    let server = http::Server::start(&site.out);
    let url = server.url("/incidents/db/");
    let mut tab = Tab::open(&chrome, "about:blank");
    tab.goto(&url);
    let probe = r#"JSON.stringify((() => {
        const shown = (e) => !!e && e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none';
        const after = (sel) => { const e = document.querySelector(sel); return e ? getComputedStyle(e, '::after').content : null; };
        const list = document.querySelector('details.history ol');
        return {
            header: shown(document.querySelector('.print-header')),
            headerText: document.querySelector('.print-header').textContent,
            history: !!list && list.checkVisibility() && list.getBoundingClientRect().height > 0,
            web: after('.prose a[href^="http"]'),
            site: after('.prose a[href^="/"]'),
            nav: after('.site-nav a'),
        };
    })())"#;
    let screen = tab.eval(probe);
    assert_eq!(screen["header"], false, "{screen}");
    assert_eq!(screen["history"], false, "the history is folded on screen: {screen}");
    assert_eq!(screen["web"], "none", "{screen}");

    tab.call("Emulation.setEmulatedMedia", serde_json::json!({ "media": "print" }));
    let print = tab.eval(probe);
    assert_eq!(print["header"], true, "{print}");
    assert_eq!(print["headerText"], "Incident db · SEV2 · 4 Mar 2022 · https://t.example/incidents/db/");
    assert_eq!(print["history"], true, "the history prints open: {print}");
    assert_eq!(print["web"], "\" (https://docs.example.org/db)\"", "{print}");
    assert_eq!(print["site"], "\" (/incidents/other/)\"", "{print}");
    assert_eq!(print["nav"], "none", "{print}");
}

/// Dates in tables and on the action-item board stay on one line on a phone.
#[test]
fn browser_dates_in_tables_never_wrap() {
    let Some(chrome) = chromium() else { return };
    let site = example_site();
    let server = http::Server::start(&site.out);
    let mut tab = Tab::open(&chrome, "about:blank");
    let mut checked = 0;
    for width in [320, 390] {
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": true }),
        );
        for path in ["/action-items/", "/incidents/", "/incidents/koa2-install/", "/causes/"] {
            tab.goto(&server.url(path));
            let r = tab.eval(
                "JSON.stringify((() => { const t = [...document.querySelectorAll('td time')].filter(e => e.getClientRects().length > 0);
                  return { count: t.length, wrapped: t.filter(e => e.getClientRects().length > 1).map(e => e.textContent) }; })())",
            );
            assert_eq!(r["wrapped"], serde_json::json!([]), "{path} at {width} px: dates broken over lines");
            checked += r["count"].as_u64().unwrap();
        }
    }
    assert!(checked > 100, "only {checked} dates checked");
}
