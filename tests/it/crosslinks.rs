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

/// The incident page's list of connected incidents, in page order: each
/// listed incident's id and the reasons given for it ("Listed as related",
/// "Same cause: No monitoring", …). Empty when the page has no such list.
fn linked(page: &Page) -> Vec<(String, Vec<String>)> {
    if !page.has_section("linked-title") {
        return Vec::new();
    }
    page.section("linked-title")
        .each(".linked-list > li")
        .iter()
        .map(|li| {
            let ids = li.incidents();
            assert_eq!(ids.len(), 1, "one incident per item: {li:?}");
            let why = li.texts(".why").join(" · ");
            let reasons = why.split(" · ").filter(|r| !r.is_empty()).map(str::to_string).collect();
            (ids[0].clone(), reasons)
        })
        .collect()
}

/// The ids listed as connected, in page order (an id listed twice shows twice).
fn linked_ids(page: &Page) -> Vec<String> {
    linked(page).into_iter().map(|(id, _)| id).collect()
}

/// The reasons given for the connected incident `id`, joined as the page
/// shows them; `None` when it is not listed.
fn why(page: &Page, id: &str) -> Option<String> {
    linked(page).into_iter().find(|(i, _)| i == id).map(|(_, r)| r.join(" · "))
}

/// The ids of the connected incidents one of whose reasons starts with
/// `reason` ("Same service" also matches "Same services: a, b"), in page order.
fn with_reason(page: &Page, reason: &str) -> Vec<String> {
    linked(page).into_iter().filter(|(_, r)| r.iter().any(|r| r.starts_with(reason))).map(|(id, _)| id).collect()
}

fn position(ids: &[String], id: &str) -> usize {
    ids.iter().position(|i| i == id).unwrap_or_else(|| panic!("{id} is not listed: {ids:?}"))
}

#[test]
fn explicit_related_is_symmetric_and_drops_left_out_incidents() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    assert_eq!(with_reason(&a, "Listed as related"), ["d"], "a lists d; the internal related entry is dropped");
    assert!(!linked_ids(&a).contains(&"secret".to_string()));
    let d = site.page("/incidents/d/");
    assert_eq!(with_reason(&d, "Listed as related"), ["a"], "d shows a back");
    // The internal incident lists a; a must not show it back, nor link it anywhere.
    a.document().does_not_link_to("secret");
    assert!(!a.contains("/incidents/secret/"));
    // The draft lists b; b lists nothing as related.
    assert!(with_reason(&site.page("/incidents/b/"), "Listed as related").is_empty());
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
    let body = a.main().find(".prose");
    assert_eq!(body.texts("a[href='/incidents/b/']"), ["Bravo outage"], "[[b]] shows b's title");
    assert_eq!(body.texts("a[href='/incidents/c/']"), ["the c write-up"], "relative .md link rewritten");
    // b is linked from a (and from the draft and the internal one, which must not count).
    assert_eq!(with_reason(&site.page("/incidents/b/"), "Links to this one"), ["a"]);
    // c is linked from a; the internal incident's link to c is not a backlink.
    assert_eq!(with_reason(&site.page("/incidents/c/"), "Links to this one"), ["a"]);
    // a is linked from c.
    assert_eq!(with_reason(&a, "Links to this one"), ["c"]);
    // Nobody links to d.
    assert!(with_reason(&site.page("/incidents/d/"), "Links to this one").is_empty());
}

#[test]
fn links_to_left_out_incidents_lose_their_target_but_keep_their_text() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    let body = a.main().find(".prose");
    // [[secret]] says only that it is not public; a Markdown link keeps its text.
    assert_eq!(body.text(), "See Bravo outage, the c write-up, a non-public incident and the hidden one.");
    assert_eq!(body.hrefs(), ["/incidents/b/", "/incidents/c/"], "the links to the internal incident are gone");
    assert!(!a.contains("secret.md") && !a.contains("/incidents/secret/"));
    for canary in ["LEAKCANARY", "leakcause", "leakservice", "/incidents/secret/", "/incidents/draft/"] {
        site.nowhere(canary);
    }
}

#[test]
fn backlinks_from_left_out_incidents_appear_only_when_they_are_built() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &["--internal"]).ok();
    let back_c = with_reason(&site.page("/incidents/c/"), "Links to this one");
    assert!(back_c.contains(&"secret".to_string()) && back_c.contains(&"a".to_string()), "{back_c:?}");
    // With --internal the secret incident is related to a both ways.
    assert!(with_reason(&site.page("/incidents/a/"), "Listed as related").contains(&"secret".to_string()));
}

#[test]
fn automatic_related_incidents_are_scored_ranked_and_explained() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    let similar = linked_ids(&a);
    // b: two causes (3 + 3); c: a cause, a service and a tag (3 + 2 + 1).
    // Equal scores: the newer incident (c, 2021) comes first.
    let b_at = position(&similar, "b");
    assert!(position(&similar, "c") < b_at, "ties go to the newer incident: {similar:?}");
    // Reasons name the terms as readers know them: the cause file's title, else the spelling used.
    assert_eq!(
        why(&a, "c").unwrap(),
        "Links to this one · Same cause: No monitoring · Same service: billing · Same tag: dns"
    );
    assert_eq!(why(&a, "b").unwrap(), "Same causes: manual-deploy-steps, No monitoring");
    // d shares a cause and is explicitly related: listed once, with both reasons, first.
    assert_eq!(similar.iter().filter(|i| *i == "d").count(), 1, "{similar:?}");
    assert_eq!(why(&a, "d").unwrap(), "Listed as related · Same cause: manual-deploy-steps");
    assert!(position(&similar, "d") < b_at, "an explicit link outranks two shared causes");
    assert!(!similar.contains(&"a".to_string()), "never the incident itself");
    // e shares only the service api with b (2 < threshold 3): not suggested.
    assert!(why(&site.page("/incidents/b/"), "e").is_none());
    // The internal incident shares everything with a but is never scored.
    assert!(!similar.contains(&"secret".to_string()));
}

#[test]
fn related_weights_and_threshold_come_from_the_config() {
    let tmp = graph_archive();
    let config = format!("{CONFIG}\n[related]\nmax = 1\ncauses = 1\nservices = 5\ntags = 0\nthreshold = 5\n");
    std::fs::write(tmp.path().join("site/rca-site.toml"), config).unwrap();
    let site = build(tmp.path(), &[]).ok();
    let a = site.page("/incidents/a/");
    // c: cause 1 + service 5 = 6; b: 2 causes = 2 < 5, listed for its causes only.
    assert_eq!(with_reason(&a, "Same service"), ["c"]);
    assert_eq!(
        why(&a, "c").unwrap(),
        "Links to this one · Same cause: No monitoring · Same service: billing",
        "tags weigh nothing"
    );
    assert!(!why(&a, "b").unwrap().contains("Same service"));
    // e and b share api (5): e is b's only suggestion, max = 1.
    let b = site.page("/incidents/b/");
    assert_eq!(with_reason(&b, "Same service"), ["e"]);
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
    // Sharing only the common cause relates nothing beyond "has this happened before?".
    let i10 = site.page("/incidents/i10/");
    assert!(with_reason(&i10, "Same service").is_empty() && with_reason(&i10, "Similar").is_empty());
    // The shared service alone (2) does.
    let i00 = site.page("/incidents/i00/");
    assert_eq!(with_reason(&i00, "Same service: rare-service"), ["i01"]);
}

#[test]
fn causes_index_ranks_counts_dates_and_sparklines_without_left_out_incidents() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let index = site.page("/causes/");
    // no-monitoring: a, b, c (plus the internal and the draft one, not counted).
    let nm = index.main().row_for("/causes/no-monitoring/");
    assert_eq!(nm.text_of("a"), "No monitoring");
    assert_eq!(nm.text_of(".bars-count"), "3");
    let seen: Vec<Option<String>> = nm.each("time").iter().map(|t| t.attr("datetime")).collect();
    assert_eq!(seen, [Some("2020-01-10".into()), Some("2021-03-01".into())], "first and last seen");
    let spark = nm.find(".spark");
    assert_eq!(spark.attr("role").as_deref(), Some("img"));
    assert_eq!(spark.attr("aria-label").as_deref(), Some("3 incidents, 2019–2022: 2 in 2020, 1 in 2021"));
    assert_eq!(spark.text_of("title"), "3 incidents, 2019–2022: 2 in 2020, 1 in 2021");
    assert_eq!(spark.count(".spark-bar"), 2, "one bar per year with incidents");
    // Ranked by count: no-monitoring (3) and manual-deploy-steps (3: a, b, d) before billing-bug (1).
    let ranked = index.main().bars();
    let at = |name: &str| ranked.iter().position(|(n, _)| n == name).unwrap_or_else(|| panic!("{name}: {ranked:?}"));
    assert!(at("No monitoring").max(at("manual-deploy-steps")) < at("billing-bug"), "{ranked:?}");
    assert_eq!(ranked[at("manual-deploy-steps")].1, 3);
    assert_eq!(ranked[at("billing-bug")].1, 1);
}

#[test]
fn cause_page_shows_description_recurrences_co_causes_and_services() {
    let tmp = graph_archive();
    let site = build(tmp.path(), &[]).ok();
    let page = site.page("/causes/no-monitoring/");
    assert_eq!(page.text_of(".term-description"), "CAUSE-DESCRIPTION: nothing watched the thing that broke.");
    assert_eq!(page.text_of(".lead"), "3 incidents, from 10 Jan 2020 to 1 Mar 2021.");
    // Oldest first, each with the gap since the previous one.
    let occurrences: Vec<(String, Vec<String>)> = page
        .section("Every occurrence")
        .each(".recurrences > li")
        .iter()
        .map(|li| (li.text_of(".recurrence-gap"), li.incidents()))
        .collect();
    let expected = [
        ("First seen", "a"),
        ("Recurred after 213 days", "b"), // 2020-01-10 → 2020-08-10
        ("Recurred after 203 days", "c"), // 2020-08-10 → 2021-03-01
    ];
    assert_eq!(occurrences, expected.map(|(gap, id)| (gap.to_string(), vec![id.to_string()])));
    // Co-occurring causes and services, with counts; left-out ones ignored.
    assert_eq!(page.section("co-causes-title").bars(), [("manual-deploy-steps".to_string(), 2)]);
    assert_eq!(
        page.section("cause-services-title").bars(),
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
    let panel = b.section("Connected incidents");
    assert_eq!(
        panel.text_of(".recurrence-line"),
        "Has this happened before? No monitoring: 1 earlier, 1 since; manual-deploy-steps: 2 earlier."
    );
    assert_eq!(panel.find(".recurrence-line").hrefs(), ["/causes/no-monitoring/", "/causes/manual-deploy-steps/"]);
    // The incidents themselves, each once with the causes it shares.
    assert_eq!(why(&b, "a").unwrap(), "Links to this one · Same causes: manual-deploy-steps, No monitoring");
    assert_eq!(why(&b, "c").unwrap(), "Same cause: No monitoring");
    assert_eq!(why(&b, "d").unwrap(), "Same cause: manual-deploy-steps");
    // A cause seen once says so.
    let e = site.page("/incidents/e/");
    assert_eq!(
        e.section("Connected incidents").text_of(".recurrence-line"),
        "Has this happened before? billing-bug: first and only incident with this cause; no-monitorng: first and only incident with this cause."
    );
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
    assert_eq!(billing.text_of(".lead"), "2 incidents, from 10 Jan 2020 to 1 Mar 2021.");
    assert_eq!(billing.incidents(), ["c", "a"]);
    let dns = site.page("/tags/dns/");
    assert_eq!(
        dns.text_of(".lead"),
        "2 incidents, from 10 Jan 2020 to 1 Mar 2021.",
        "the internal incident's tag is not counted"
    );
    assert_eq!(dns.section("term-incidents").incidents(), ["c", "a"]);
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
