//! Cross-links (issue #4): explicit and automatic related incidents,
//! backlinks, the causes catalogue and its pages, "has this happened
//! before?", and that left-out incidents never leak through any of them.
//!
//! Each test writes a small archive into a temp dir, so the scenario reads
//! next to its assertions.

use crate::harness as common;

use std::path::Path;

use common::*;

/// Writes `files` (path, text) under a new temp dir and returns it.
fn archive(label: &str, files: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new(label);
    for (path, text) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}

fn build(root: &Path, flags: &[&str]) -> Site {
    Site::build(root.join("site").to_str().unwrap(), flags)
}

const CONFIG: &str = "title = \"Graph\"\nbase_url = \"https://x.example\"\n";

/// The scenario most tests use: four public incidents sharing causes, one
/// with a misspelt cause, an internal and a draft incident that share the
/// same causes and link to the public ones, and one cause file.
fn graph_archive() -> TempDir {
    archive(
        "xlinks",
        &[
            ("site/rca-site.toml", CONFIG),
            (
                "site/content/incidents/a.md",
                "---\ntitle: Alpha outage\ndate: 2020-01-10\ncauses: [no-monitoring, manual-deploy-steps]\nservices: [billing]\ntags: [dns]\nrelated: [secret, d]\n---\nSee [[b]], [the c write-up](c.md), [[secret]] and [the hidden one](secret.md).\n",
            ),
            (
                "site/content/incidents/b.md",
                "---\ntitle: Bravo outage\ndate: 2020-08-10\ncauses: [no-monitoring, manual-deploy-steps]\nservices: [api]\n---\nNothing links from here.\n",
            ),
            (
                "site/content/incidents/c.md",
                "---\ntitle: Charlie outage\ndate: 2021-03-01\ncauses: [\"No Monitoring\"]\nservices: [billing]\ntags: [dns]\n---\nLike [[a]] again.\n",
            ),
            (
                "site/content/incidents/d.md",
                "---\ntitle: Delta outage\ndate: 2019-05-05\ncauses: [other-cause, manual-deploy-steps]\n---\nBody.\n",
            ),
            (
                "site/content/incidents/e.md",
                "---\ntitle: Echo outage\ndate: 2022-01-01\ncauses: [billing-bug, no-monitorng]\nservices: [api]\n---\nBody.\n",
            ),
            (
                "site/content/incidents/secret.md",
                "---\ntitle: LEAKCANARY-SECRET-TITLE\ndate: 2020-06-01\nvisibility: internal\ncauses: [no-monitoring, manual-deploy-steps, leakcause-secret]\nservices: [billing, leakservice-secret]\ntags: [dns]\nrelated: [a]\n---\nLEAKCANARY-SECRET-BODY links [[c]] and [b](b.md).\n",
            ),
            (
                "site/content/incidents/draft.md",
                "---\ntitle: LEAKCANARY-DRAFT-TITLE\ndate: 2020-07-01\nstatus: draft\ncauses: [no-monitoring, leakcause-draft]\nservices: [api]\nrelated: [b]\n---\nLEAKCANARY-DRAFT-BODY links [[b]].\n",
            ),
            (
                "site/content/causes/no-monitoring.md",
                "---\ntitle: No monitoring\naliases: [unmonitored]\n---\nCAUSE-DESCRIPTION: nothing watched the thing that broke.\n",
            ),
        ],
    )
}

#[test]
fn explicit_related_is_symmetric_and_drops_left_out_incidents() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    // The internal related entry is dropped.
    assert_eq!(a.section("Related incidents").incidents(), ["d"]);
    // d shows a back.
    assert_eq!(site.page("/incidents/d/").section("Related incidents").incidents(), ["a"]);
    // The internal incident lists a; a must not show it back.
    a.does_not_list_incident("secret");
    // The draft lists b; b shows no related section at all.
    assert!(!site.page("/incidents/b/").has_section("Related incidents"));
}

#[test]
fn unknown_related_id_broken_link_and_broken_wiki_link_are_errors_with_positions() {
    let tmp = archive(
        "xlinks-broken",
        &[
            ("site/rca-site.toml", CONFIG),
            (
                "site/content/incidents/x.md",
                "---\ntitle: X\ndate: 2021-02-10\nrelated: [a, nowhere]\n---\nSee [[missing-id]].\n\nAnd [this](../gone.md).\n",
            ),
            ("site/content/incidents/a.md", "---\ntitle: A\ndate: 2021-01-01\n---\nFine.\n"),
        ],
    );
    let root = tmp.path().join("site");
    let out = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "content/incidents/x.md:4:14: related id \"nowhere\" is not the id of any incident",
        "content/incidents/x.md:6:5: [[missing-id]] links to no incident",
        "content/incidents/x.md:8:5: link to \"../gone.md\" resolves to no incident",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // `build` refuses too, and writes nothing.
    let site = build(tmp.path(), &[]);
    assert!(!site.output.status.success());
    assert!(!site.exists("index.html"));
}

#[test]
fn body_links_are_rewritten_and_make_backlinks() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    assert!(a.contains("<a href=\"/incidents/b/\">Bravo outage</a>"), "[[b]] shows b's title");
    assert!(a.contains("<a href=\"/incidents/c/\">the c write-up</a>"), "relative .md link rewritten");
    // b is linked from a (and from the draft and the internal one, which must not count).
    let b = site.page("/incidents/b/");
    assert_eq!(b.section("Referenced by").incidents(), ["a"]);
    assert_eq!(b.section("Referenced by").count("li"), 1);
    // c is linked from a; the internal incident's link to c is not a backlink.
    assert_eq!(site.page("/incidents/c/").section("Referenced by").incidents(), ["a"]);
    // a is linked from c.
    assert_eq!(a.section("Referenced by").incidents(), ["c"]);
    // Nobody links to d.
    assert!(!site.page("/incidents/d/").has_section("Referenced by"));
}

#[test]
fn links_to_left_out_incidents_lose_their_target_but_keep_their_text() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    assert!(a.contains("a non-public incident"), "[[secret]] says only that it is not public");
    assert!(a.contains("the hidden one"), "a Markdown link keeps its text");
    assert!(!a.contains("secret.md") && !a.contains("/incidents/secret/"));
    for canary in ["LEAKCANARY", "leakcause", "leakservice", "/incidents/secret/", "/incidents/draft/"] {
        site.nowhere(canary);
    }
}

#[test]
fn backlinks_from_left_out_incidents_appear_only_when_they_are_built() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &["--internal"]).ok();
    let c = site.page("/incidents/c/");
    c.section("Referenced by").lists_incident("secret").lists_incident("a");
    // With --internal the secret incident is related to a both ways.
    site.page("/incidents/a/").section("Related incidents").lists_incident("secret");
}

#[test]
fn automatic_related_incidents_are_scored_ranked_and_explained() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    let similar = a.section("Similar incidents");
    // b: two causes (3 + 3); c: a cause, a service and a tag (3 + 2 + 1).
    // Equal scores: the newer incident (c, 2021) comes first. d shares a
    // cause (score 3) but is explicitly related: listed there only. Never
    // a itself; the internal incident shares everything with a but is
    // never scored.
    assert_eq!(similar.incidents(), ["c", "b"], "ties go to the newer incident");
    // Reasons name the terms as readers know them: the cause file's title, else the spelling used.
    assert_eq!(
        similar.texts(".why"),
        [
            "Shares causes: No monitoring; services: billing; tags: dns",
            "Shares causes: No monitoring, manual-deploy-steps"
        ]
    );
    // e shares only the service api with b (2 < threshold 3): not suggested.
    site.page("/incidents/b/").section("Similar incidents").does_not_list_incident("e");
}

#[test]
fn related_weights_and_threshold_come_from_the_config() {
    let tmp = graph_archive();
    let config = format!("{CONFIG}\n[related]\nmax = 1\ncauses = 1\nservices = 5\ntags = 0\nthreshold = 5\n");
    std::fs::write(tmp.path().join("site/rca-site.toml"), config).unwrap();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    let similar = a.section("Similar incidents");
    // c: cause 1 + service 5 = 6; b: 2 causes = 2 < 5.
    assert_eq!(similar.incidents(), ["c"]);
    assert_eq!(similar.texts(".why"), ["Shares causes: No monitoring; services: billing"], "tags weigh nothing");
    // e and b share api (5): e is b's only suggestion, max = 1.
    let b = site.page("/incidents/b/");
    assert_eq!(b.section("Similar incidents").incidents(), ["e"]);
    assert_eq!(b.section("Similar incidents").count("li"), 1);
}

#[test]
fn a_term_on_a_large_share_of_the_archive_carries_no_weight() {
    // 30 incidents all share the cause "everywhere" (and more than 20 of them
    // carry it, more than 10 %); two of them also share a service.
    let mut files: Vec<(String, String)> = vec![("site/rca-site.toml".into(), CONFIG.into())];
    for k in 0..30 {
        let services = if k < 2 { "services: [rare-service]\n" } else { "" };
        files.push((
            format!("site/content/incidents/i{k:02}.md"),
            format!("---\ntitle: Incident {k}\ndate: 2021-01-{:02}\ncauses: [everywhere]\ntags: [t{k}]\n{services}---\nBody.\n", k + 1),
        ));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let tmp = archive("xlinks-common", &refs);
    std::fs::write(tmp.path().join("site/rca-site.toml"), format!("{CONFIG}\n[related]\nthreshold = 2\n")).unwrap();
    let site = build(tmp.path(), &[]).ok();
    // Sharing only the common cause relates nothing.
    assert!(!site.page("/incidents/i10/").has_section("Similar incidents"));
    // The shared service alone (2) does, and the reason leaves the cause out.
    let i00 = site.page("/incidents/i00/");
    let similar = i00.section("Similar incidents");
    assert_eq!(similar.incidents(), ["i01"]);
    assert_eq!(similar.texts(".why"), ["Shares services: rare-service"]);
}

#[test]
fn causes_index_ranks_counts_dates_and_sparklines_without_left_out_incidents() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let index = site.page("/causes/");
    // no-monitoring: a, b, c (plus the internal and the draft one, not counted).
    let nm = index.main().row_for("/causes/no-monitoring/");
    assert_eq!(nm.text_of("th a"), "No monitoring");
    assert_eq!(nm.text_of(".bars-count"), "3");
    let seen: Vec<String> = nm.each("time").iter().filter_map(|t| t.attr("datetime")).collect();
    assert_eq!(seen, ["2020-01-10", "2021-03-01"], "first and last seen");
    let spark = nm.find("svg.spark");
    assert_eq!(spark.attr("aria-label").as_deref(), Some("3 incidents, 2019–2022: 2 in 2020, 1 in 2021"));
    assert_eq!(spark.text_of("title"), "3 incidents, 2019–2022: 2 in 2020, 1 in 2021");
    assert_eq!(nm.count(".spark-bar"), 2, "one bar per year with incidents");
    // Ranked by count: no-monitoring (3) and manual-deploy-steps (3: a, b, d) before the ones seen once.
    let ranked = index.main().bars();
    assert_eq!(ranked[..2].iter().map(|(_, n)| *n).collect::<Vec<_>>(), [3, 3], "{ranked:?}");
    let names: Vec<&str> = ranked.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names[..2].contains(&"No monitoring") && names[..2].contains(&"manual-deploy-steps"), "{ranked:?}");
    assert!(ranked[2..].iter().all(|(_, n)| *n == 1), "{ranked:?}");
    assert!(names[2..].contains(&"billing-bug"), "{ranked:?}");
}

#[test]
fn cause_page_shows_description_recurrences_co_causes_and_services() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let page = site.page("/causes/no-monitoring/");
    assert!(page.text_of(".term-description").contains("CAUSE-DESCRIPTION"));
    assert!(page.text_of(".lead").starts_with("3 incidents, from"), "{}", page.text_of(".lead"));
    // Oldest first, each with the gap since the previous one.
    let every = page.section("Every occurrence");
    assert_eq!(every.text_of("h2 .count"), "3");
    page.lists_incident("a").lists_incident("b").lists_incident("c");
    assert_eq!(every.incidents(), ["a", "b", "c"], "date order");
    assert_eq!(
        every.texts(".recurrence-gap"),
        ["First seen", "Recurred after 213 days", "Recurred after 203 days"],
        "2020-01-10 → 2020-08-10 → 2021-03-01"
    );
    // Co-occurring causes and services, with counts; left-out ones ignored.
    assert_eq!(page.section("Together with").bars(), [("manual-deploy-steps".to_string(), 2)]);
    assert_eq!(
        page.section("Services hit").bars(),
        [("billing".to_string(), 2), ("api".to_string(), 1)],
        "billing (2) before api (1)"
    );
    assert!(!page.contains("leak"));
}

#[test]
fn incident_page_answers_has_this_happened_before() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let b = site.page("/incidents/b/");
    let causes = b.section("Has this happened before?").each("ul.recurrence > li");
    assert_eq!(causes.iter().map(|c| c.text_of("h3")).collect::<Vec<_>>(), ["No monitoring", "manual-deploy-steps"]);
    let (nm, mds) = (&causes[0], &causes[1]);
    assert_eq!(nm.texts(".recurrence-label"), ["Earlier (1)", "Since then (1)"]);
    assert_eq!(nm.incidents(), ["a", "c"]);
    assert_eq!(mds.texts(".recurrence-label"), ["Earlier (2)"]);
    let mut earlier = mds.incidents();
    earlier.sort();
    assert_eq!(earlier, ["a", "d"]);
    // A cause seen once says so.
    let e = site.page("/incidents/e/");
    assert!(e
        .section("Has this happened before?")
        .texts("p")
        .contains(&"First and only incident with this cause.".to_string()));
}

#[test]
fn services_and_tags_pages_rank_and_count_incidents() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let services = site.page("/services/");
    // billing: a, c; api: b, e (the draft does not count). Equal: by name.
    assert_eq!(services.main().bars(), [("api".to_string(), 2), ("billing".to_string(), 2)]);
    assert!(!services.contains("leakservice"));
    let billing = site.page("/services/billing/");
    assert!(billing.text_of(".lead").starts_with("2 incidents, from"), "{}", billing.text_of(".lead"));
    let mut listed = billing.section("Incidents").incidents();
    listed.sort();
    assert_eq!(listed, ["a", "c"]);
    let dns = site.page("/tags/dns/");
    assert!(dns.text_of(".lead").starts_with("2 incidents,"), "the internal incident's tag is not counted");
}

#[test]
fn check_warns_about_a_cause_spelt_once_and_close_to_another() {
    let tmp = graph_archive();
    let root = tmp.path().join("site");
    let out = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "a warning is not an error: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("content/incidents/e.md:4:23: warning: cause \"no-monitorng\" is used only here; did you mean \"no-monitoring\""),
        "{err}"
    );
    // billing-bug is used once too, but nothing is spelt like it; an alias
    // ("unmonitored") or a spelling ("No Monitoring") folds without a warning.
    assert!(!err.contains("billing-bug"), "{err}");
    assert!(!err.contains("No Monitoring"), "{err}");
    assert_eq!(err.matches("did you mean").count(), 1, "{err}");
}
