//! `rca-site build` on fixture archives: the pages, the leak rules, the
//! feeds and the atomic output.

use crate::harness as common;

use common::*;

#[test]
fn builds_every_page_of_the_good_archive() {
    let site = Site::build("good", &[]).ok();
    for url in [
        "/",
        "/incidents/",
        "/incidents/koa2-install/",
        "/incidents/forums-staging/",
        "/tags/",
        "/tags/release/",
        "/services/",
        "/services/release-pipeline/",
        "/causes/",
        "/causes/missing-monitoring/",
        "/severity/sev1/",
        "/severity/sev2/",
        "/about/",
        "/404.html",
        "/feed.xml",
        "/sitemap.xml",
        "/incidents.json",
        "/style.css",
        "/_redirects",
    ] {
        assert!(
            site.exists(if url.ends_with('/') { format!("{url}index.html") } else { url.to_string() }.as_str()),
            "missing {url}"
        );
    }
}

#[test]
fn id_comes_from_the_file_stem_slugified() {
    let site = Site::build("good", &[]).ok();
    // content/incidents/2021/Koa2_Install.md
    assert!(site.page("/incidents/koa2-install/").contains("Release tag koa.2 could not be installed"));
}

#[test]
fn incident_page_shows_metadata_durations_toc_and_action_items() {
    let site = Site::build("good", &[]).ok();
    let page = site.page("/incidents/koa2-install/");
    for needle in [
        "SEV2",
        "Outage",
        "native-installer",
        "/services/release-pipeline/",
        "/tags/ci/",
        "/causes/fix-not-backported/",
        "Nobody following the native install docs could install koa.2.",
        "Release tag cut without the install fix",
        "community-report",
        "datetime=\"2021-02-09T16:00:00Z\"",
        // started 02-09 16:00 → detected 02-10 09:00
        "17 h",
        // → resolved 02-10 18:26
        "26 h 26 min",
        "Install every release tag before announcing it",
        "https://github.com/example/repo/issues/12",
        "href=\"#timeline\"",
        "id=\"root-cause\"",
    ] {
        assert!(page.contains(needle), "incident page lacks {needle:?}");
    }
}

#[test]
fn raw_html_is_sanitised() {
    let site = Site::build("good", &[]).ok();
    let page = site.page("/incidents/koa2-install/");
    assert!(!page.contains("pwned-by-script"), "script content must go, also as text");
    assert!(!page.contains("stealCookies"));
    assert!(!page.contains("evilThing"));
    assert!(!page.contains("<script>alert"));
}

#[test]
fn cross_links_are_rewritten() {
    let site = Site::build("good", &[]).ok();
    let page = site.page("/incidents/koa2-install/");
    assert!(page.contains("href=\"/incidents/forums-staging/#timeline\""), "relative .md link rewritten");
    assert!(
        page.contains(">Forums v2 broke a hoster&#x27;s staging</a>")
            || page.contains(">Forums v2 broke a hoster's staging</a>")
    );
    assert!(page.contains("a non-public incident"));
    assert!(page.contains("secret stuff"), "a link to a left-out incident keeps its text");
}

#[test]
fn left_out_incidents_never_reach_the_output() {
    let site = Site::build("good", &[]).ok();
    for canary in [
        "LEAKCANARY-INTERNAL",
        "LEAKCANARY-DRAFT",
        "LEAKCANARY-REVIEW",
        "internal-leak",
        "draft-one",
        "in-review",
        "secret-service-xyz",
        "leaktag-internal",
        "draft-only-service",
    ] {
        site.nowhere(canary);
    }
    assert!(!site.exists("/incidents/internal-leak/index.html"));
    let json = site.file("incidents.json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["incidents"].as_array().unwrap().len(), 2);
    // Counts ignore them: missing-monitoring is used by forums-staging
    // (via the alias "missing monitoring"), the internal and the draft one.
    let causes = site.page("/causes/missing-monitoring/");
    assert!(causes.contains("Forums v2"));
}

#[test]
fn drafts_and_internal_flags_include_them() {
    let site = Site::build("good", &["--drafts"]).ok();
    assert!(site.page("/incidents/draft-one/").contains("LEAKCANARY-DRAFT"));
    assert!(site.exists("/incidents/in-review/index.html"));
    assert!(!site.exists("/incidents/internal-leak/index.html"));
    let site = Site::build("good", &["--internal"]).ok();
    assert!(site.page("/incidents/internal-leak/").contains("LEAKCANARY-INTERNAL"));
    assert!(!site.exists("/incidents/draft-one/index.html"));
}

#[test]
fn related_is_symmetric() {
    let site = Site::build("good", &[]).ok();
    // koa2-install lists forums-staging; forums-staging shows koa2-install back.
    assert!(site.page("/incidents/forums-staging/").contains("/incidents/koa2-install/"));
    let v: serde_json::Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
    let forums = v["incidents"].as_array().unwrap().iter().find(|i| i["id"] == "forums-staging").unwrap();
    assert_eq!(forums["related"], serde_json::json!(["koa2-install"]));
}

#[test]
fn taxonomies_fold_spellings_and_cause_aliases() {
    let site = Site::build("good", &[]).ok();
    // "Release Pipeline" and "release-pipeline" are one service.
    let svc = site.page("/services/release-pipeline/");
    assert!(svc.contains("koa2-install") && svc.contains("forums-staging"));
    // "missing monitoring" folds into the cause file's id and title.
    let cause = site.page("/causes/missing-monitoring/");
    assert!(cause.contains("Missing monitoring"));
    assert!(cause.contains("Nothing watched the service"), "cause description rendered");
    // The severity name is matched case-insensitively ("sev1").
    assert!(site.page("/severity/sev1/").contains("forums-staging"));
    assert!(site.page("/severity/sev1/").contains("Full outage"));
}

#[test]
fn feeds_sitemap_json_and_redirects() {
    let site = Site::build("good", &[]).ok();
    let feed = site.file("feed.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert!(feed.contains("<link href=\"https://incidents.example.com/incidents/koa2-install/\"/>"));
    assert!(feed.contains("[SEV2] Release tag koa.2 could not be installed"));
    let sitemap = site.file("sitemap.xml");
    // lastmod is the file's last commit (the fixture is in this project's repository).
    assert!(sitemap.contains("<loc>https://incidents.example.com/incidents/forums-staging/</loc><lastmod>20"));
    assert!(sitemap.contains("<loc>https://incidents.example.com/about/</loc>"));
    let v: serde_json::Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
    assert_eq!(v["version"], 1);
    let koa = &v["incidents"][1];
    assert_eq!(koa["id"], "koa2-install");
    assert_eq!(koa["time_to_detect"], 17 * 3600);
    assert_eq!(koa["services"], serde_json::json!(["native-installer", "release-pipeline"]));
    assert_eq!(koa["action_items"][0]["status"], "open");
    assert_eq!(site.file("_redirects"), "/old/forums-staging/ /incidents/forums-staging/ 301\n");
    let old = site.page("/old/forums-staging/");
    assert!(old.contains("url=/incidents/forums-staging/") && old.contains("rel=\"canonical\""));
}

#[test]
fn not_found_page_uses_root_relative_links() {
    let site = Site::build("good", &[]).ok();
    let page = site.file("404.html");
    assert!(page.contains("href=\"/style.css\""));
    assert!(page.contains("href=\"/incidents/\""));
}

#[test]
fn base_url_with_a_path_prefixes_every_link() {
    let site = Site::build("good", &["--base-url", "https://example.github.io/archive/"]).ok();
    let page = site.page("/incidents/koa2-install/");
    assert!(page.contains("href=\"/archive/style.css\""));
    assert!(page.contains("href=\"/archive/incidents/forums-staging/#timeline\""));
    assert!(!page.contains("href=\"/incidents/"), "unprefixed link");
    assert!(site.file("feed.xml").contains("https://example.github.io/archive/incidents/koa2-install/"));
}

#[test]
fn pages_need_no_third_party_requests() {
    let site = Site::build("good", &[]).ok();
    for (path, bytes) in site.all_files() {
        if !path.ends_with(".html") && !path.ends_with(".css") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for attr in ["src=\"http", "href=\"//", "src=\"//", "@import", "url(http"] {
            assert!(!text.contains(attr), "{path} loads a third-party resource ({attr})");
        }
        if path.ends_with(".html") {
            assert!(!text.contains("<link rel=\"stylesheet\" href=\"http"), "{path}");
        }
    }
}

#[test]
fn failed_build_leaves_previous_output_byte_identical() {
    let tmp = TempDir::new("atomic");
    let root = tmp.path().join("archive");
    copy_tree(&fixtures().join("good"), &root);
    let out = tmp.path().join("public");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let snapshot = |dir: &std::path::Path| {
        let mut v = Vec::new();
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            v.push((
                e.path().to_path_buf(),
                if e.file_type().is_file() { std::fs::read(e.path()).unwrap() } else { vec![] },
            ));
        }
        v
    };
    let before = snapshot(&out);
    std::fs::write(root.join("content/incidents/2024/forums-staging.md"), "---\ntitle: broken\n").unwrap();
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("content/incidents/2024/forums-staging.md:1:1: front matter opened here is never closed")
    );
    assert!(stderr(&o).contains("previous output was left untouched"));
    assert_eq!(before, snapshot(&out), "output changed after a failed build");
    // No staging directories left behind.
    let names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn default_output_is_public_under_root_and_archive_is_protected() {
    let tmp = TempDir::new("default-out");
    let root = tmp.path().join("archive");
    copy_tree(&fixtures().join("good"), &root);
    let o = rca(&["build", "-q", "--root", root.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The copy is not a git repository: that one warning is all -q prints.
    assert!(stderr(&o).lines().all(|l| l.contains("not in a git repository")), "-q prints nothing: {}", stderr(&o));
    assert!(root.join("public/index.html").exists());
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", root.join("content").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(root.join("content/incidents").exists());
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn theme_files_can_be_overridden() {
    let tmp = TempDir::new("theme");
    let root = tmp.path().join("archive");
    copy_tree(&fixtures().join("good"), &root);
    std::fs::create_dir_all(root.join("theme/templates")).unwrap();
    std::fs::create_dir_all(root.join("theme/static")).unwrap();
    std::fs::write(root.join("theme/templates/404.html"), "<p>Custom {{ site.title }} 404</p>").unwrap();
    std::fs::write(root.join("theme/static/style.css"), "body{color:red}").unwrap();
    std::fs::write(root.join("theme/static/logo.svg"), "<svg/>").unwrap();
    let out = tmp.path().join("out");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("404.html")).unwrap(), "<p>Custom Fixture Corp incidents 404</p>");
    assert_eq!(std::fs::read_to_string(out.join("style.css")).unwrap(), "body{color:red}");
    assert!(out.join("logo.svg").exists());
    // Templates not overridden still come from the built-in theme.
    assert!(std::fs::read_to_string(out.join("index.html")).unwrap().contains("Fixture Corp incidents"));
}

#[test]
fn an_archive_with_only_content_builds() {
    let tmp = TempDir::new("bare");
    let root = tmp.path().join("archive");
    std::fs::create_dir_all(root.join("content/incidents")).unwrap();
    std::fs::write(root.join("content/incidents/one.md"), "---\ntitle: One\ndate: 2022-03-04\n---\nHello\n").unwrap();
    let out = tmp.path().join("out");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("base_url is not set"));
    assert!(std::fs::read_to_string(out.join("incidents/one/index.html")).unwrap().contains("Hello"));
}

/// Every root-relative link and asset in every page points at a file of
/// the site: no page links to a section that does not exist.
#[test]
fn every_internal_link_resolves() {
    for (fixture, flags) in [("good", vec![]), ("good", vec!["--drafts", "--internal"])] {
        let site = Site::build(fixture, &flags).ok();
        check_links(&site);
    }
    // The repository's own example archive too.
    let tmp = TempDir::new("example");
    let out = tmp.path().join("public");
    let root = env!("CARGO_MANIFEST_DIR");
    let output = rca(&["build", "--root", root, "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    check_links(&Site { tmp, out, output });
}

fn check_links(site: &Site) {
    let mut checked = 0;
    for (path, bytes) in site.all_files() {
        if !path.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for attr in ["href=\"", "src=\""] {
            for (i, _) in text.match_indices(attr) {
                let rest = &text[i + attr.len()..];
                let url = &rest[..rest.find('"').unwrap()];
                if !url.starts_with('/') || url.starts_with("//") {
                    continue;
                }
                let target = url.split(['#', '?']).next().unwrap();
                let file = if target.ends_with('/') { format!("{target}index.html") } else { target.to_string() };
                assert!(site.exists(&file), "{path} links to {url}, which does not exist");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

/// The card every list shows is rendered by the theme's `incident_card`
/// component; a theme that breaks it fails the build instead of printing
/// empty cards.
#[test]
fn a_broken_card_component_is_an_error() {
    let tmp = TempDir::new("card");
    let root = tmp.path().join("archive");
    copy_tree(&fixtures().join("good"), &root);
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates/partials/card.html"),
    )
    .unwrap();
    let start = builtin.find("{% component incident_card(").unwrap();
    let end = builtin.find("{%- endcomponent incident_card %}").unwrap() + "{%- endcomponent incident_card %}".len();
    let without_card = format!("{}{}", &builtin[..start], &builtin[end..]);
    std::fs::create_dir_all(root.join("theme/templates/partials")).unwrap();
    std::fs::write(root.join("theme/templates/partials/card.html"), without_card).unwrap();
    let out = tmp.path().join("out");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("incident_card"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `build` frees the snapshot once it is parsed and, after the pages, the
/// values only they use (pipeline.rs, `Renderer::release_pages`); serve
/// keeps both. Every file is the same either way: the search index, the
/// /search/ page and the listing rows made after the release included.
#[test]
fn a_build_that_frees_as_it_goes_writes_what_one_that_keeps_everything_writes() {
    use rca_site::output::Memory;
    use rca_site::pipeline::{build_site, build_site_owned, build_site_reusing, BuildOptions};
    use rca_site::source::Snapshot;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let snapshot = Snapshot::from_dir(root).unwrap();
    let opts = BuildOptions { build_date: Some(jiff::civil::date(2025, 6, 1)), ..BuildOptions::default() };
    // incidents.json says when it was made: to the second.
    let files = |sink: Memory| -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut files: std::collections::BTreeMap<_, _> = sink.take().into_iter().collect();
        let json = String::from_utf8(files["incidents.json"].clone()).unwrap();
        let at = json.find("\"generated\":\"").unwrap() + "\"generated\":\"".len();
        let end = at + json[at..].find('"').unwrap();
        files.insert("incidents.json".into(), format!("{}{}", &json[..at], &json[end..]).into_bytes());
        files
    };
    let (borrowed, owned, kept) = (Memory::default(), Memory::default(), Memory::default());
    let built = build_site(&snapshot, &opts, &borrowed);
    assert!(!built.diagnostics.has_errors(), "{:?}", built.diagnostics);
    build_site_owned(snapshot.clone(), &opts, &owned);
    build_site_reusing(&snapshot, &opts, &kept, &mut rca_site::serve::incremental::Cache::on());
    let (borrowed, owned, kept) = (files(borrowed), files(owned), files(kept));
    assert!(borrowed.keys().any(|p| p.starts_with("action-items/")), "the board is built");
    assert!(borrowed.keys().any(|p| p.starts_with("search/") && p.ends_with("/manifest.json")), "the index is built");
    assert!(borrowed == owned, "an owned snapshot builds the same site");
    let differ: Vec<&String> = kept.keys().filter(|p| borrowed.get(*p) != kept.get(*p)).collect();
    assert!(differ.is_empty() && kept.len() == borrowed.len(), "a build that keeps its pages differs at {differ:?}");
}
