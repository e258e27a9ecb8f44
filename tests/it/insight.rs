//! Incident insight: durations, the visual timeline, /stats/, the
//! action-item board and the home page's glance, built from
//! tests/fixtures/insight with a fixed build date (2024-06-10).
//!
//! The fixture's left-out incidents (internal, draft, review) carry
//! LEAKCANARY-INSIGHT canaries and extreme numbers (a 200-day detection, a
//! SEV1 in a year with no public incident) so that a leak into any count,
//! chart or percentile changes a number these tests pin.

use crate::harness as common;

use common::html::Scope;
use common::*;

const BUILD_DATE: &str = "2024-06-10";

fn insight() -> Site {
    Site::build("insight", &["--build-date", BUILD_DATE]).ok()
}

/// The chart `<figure>` with this id.
fn figure<'a>(stats: &'a Page, id: &str) -> Scope<'a> {
    stats.document().find(&format!("figure#{id}"))
}

/// The cells of every row of the tables here, header cell first.
fn rows(scope: &Scope) -> Vec<Vec<String>> {
    scope.each("tr").iter().map(|tr| tr.texts("th, td")).collect()
}

/// The cells of the row whose first cell reads `label`.
fn row(scope: &Scope, label: &str) -> Vec<String> {
    let all = rows(scope);
    all.iter().find(|r| r.first().is_some_and(|c| c == label)).cloned().unwrap_or_else(|| {
        let labels: Vec<&str> = all.iter().filter_map(|r| r.first().map(String::as_str)).collect();
        panic!("no row {label:?}; the rows are {labels:?}")
    })
}

/// Each tile here: its label and its value ("incidents", "3").
fn tiles(scope: &Scope) -> Vec<(String, String)> {
    scope.each(".tile").iter().map(|t| (t.text_of(".tile-label"), t.text_of(".tile-value"))).collect()
}

/// The tile labelled `label`.
fn tile<'a>(scope: &Scope<'a>, label: &str) -> Scope<'a> {
    let all = scope.each(".tile");
    let found = all.iter().find(|t| t.text_of(".tile-label") == label).cloned();
    found.unwrap_or_else(|| panic!("no tile {label:?}; the tiles are {:?}", tiles(scope)))
}

/// An action item's title as a board row shows it, without the incident it is from.
fn item_title(tr: &Scope) -> String {
    let cell = tr.text_of("td:first-child");
    match tr.texts(".from").first() {
        Some(from) => cell.strip_suffix(from.as_str()).unwrap_or(&cell).trim().to_string(),
        None => cell,
    }
}

/// The titles of the action items listed here, in order.
fn item_titles(scope: &Scope) -> Vec<String> {
    scope.each("tbody tr").iter().map(item_title).collect()
}

/// The board row of the action item titled `title`.
fn item_row<'a>(scope: &Scope<'a>, title: &str) -> Scope<'a> {
    let found = scope.each("tbody tr").into_iter().find(|tr| item_title(tr) == title);
    found.unwrap_or_else(|| panic!("no action item {title:?}; there are {:?}", item_titles(scope)))
}

/// The first card here that links incident `id`.
fn card<'a>(scope: &Scope<'a>, id: &str) -> Scope<'a> {
    let found = scope.each("article.card").into_iter().find(|c| c.incidents() == [id]);
    found.unwrap_or_else(|| panic!("no card of {id}"))
}

/// The incident page's visual timeline.
fn timeline(page: &Page) -> Scope<'_> {
    page.main().find("figure.tl")
}

/// The ids listed as connected incidents, in page order, with the reasons given.
fn linked(page: &Page) -> Vec<(String, String)> {
    page.section("linked-title")
        .each(".linked-list > li")
        .iter()
        .map(|li| (li.incidents().join(" "), li.texts(".why").join(" · ")))
        .collect()
}

#[test]
fn durations_are_real_time_across_zones_and_dst() {
    let site = insight();
    // 01:30 PST to 03:45 PDT on the night clocks sprang forward: 1 h 15 min.
    let page = site.page("/incidents/dst-deploy/");
    assert_eq!(page.text_of(".fact-detect"), "Detected in 1 h 15 min");
    assert_eq!(page.text_of(".fact-detect strong"), "1 h 15 min");
    assert_eq!(page.text_of(".fact-resolve"), "Resolved in 24 h 30 min");
    // In lists: the table row shows time to resolve, then time to detect.
    let list = site.page("/incidents/");
    let dst = list.main().row_for("/incidents/dst-deploy/");
    let detected = dst.text_of("td:last-child .ttd");
    assert_eq!(detected, "detected in 1 h 15 min");
    assert_eq!(dst.text_of("td:last-child").strip_suffix(detected.as_str()), Some("24 h 30 min"));
    let home = site.page("/");
    assert_eq!(card(&home.main(), "east-rollback").text_of(".fact"), "Resolved in 45 min");
    // A card's facts read apart as text too (its foot is a flex box; no line breaks).
    let foot = card(&home.main(), "east-rollback").text_of("article > div");
    assert!(foot.ends_with(" Resolved in 45 min") || foot.starts_with("Resolved in 45 min"), "{foot}");
    // And in incidents.json, as seconds and words, next to the old fields.
    let json: serde_json::Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
    assert_eq!(json["version"], 1);
    let dst = json["incidents"].as_array().unwrap().iter().find(|i| i["id"] == "dst-deploy").unwrap();
    assert_eq!(dst["time_to_detect"], 4500);
    assert_eq!(dst["time_to_detect_text"], "1 h 15 min");
    assert_eq!(dst["time_to_resolve"], 88_200);
    assert_eq!(dst["time_to_resolve_text"], "24 h 30 min");
    assert!(dst["time_to_mitigate"].is_null() && dst["time_to_mitigate_text"].is_null());
}

#[test]
fn timeline_visual_reads_dated_items_and_leaves_the_rest() {
    let site = insight();
    let page = site.page("/incidents/dst-deploy/");
    let tl = timeline(&page);
    assert_eq!(tl.texts(".tl-events > li > span"), ["T+0", "T+1 h 15 min", "T+1 d", "T+24 h 30 min"]);
    assert_eq!(
        tl.texts(".tl-events > li > div > p:nth-child(2)"),
        ["deploy starts", "pager fires", "cleanup work", "incident closed"]
    );
    let first = &tl.each(".tl-events > li")[0];
    assert_eq!(first.text_of(".tl-tag-started"), "Started");
    let second = &tl.each(".tl-events > li")[1];
    assert_eq!(second.text_of(".tl-tag-detected"), "Detected");
    assert_eq!(
        second.find("time").attr("datetime").as_deref(),
        Some("2021-03-14T10:45:00Z"),
        "3:45 AM PDT is 10:45 UTC"
    );
    assert!(
        tl.text_of(".tl-note").ends_with(" Impact window: 24 h 30 min, started to resolved."),
        "{}",
        tl.text_of(".tl-note")
    );
    // Lines that are not times are not events...
    let written = page.main().find(".tl-written").texts("li");
    for refused in ["v2.3 rollout", "500 errors", "10 minutes later"] {
        assert!(!tl.text().contains(refused), "{refused} drawn as an event");
        // ...but the Markdown list still shows every line as written.
        assert!(written.iter().any(|li| li.starts_with(refused)), "{refused} missing from the list: {written:?}");
    }
    assert!(written.iter().any(|li| li == "1:30 AM pacific — deploy starts"), "{written:?}");

    // A zone carries to the next item; a named region follows DST.
    let page = site.page("/incidents/east-rollback/");
    let tl = timeline(&page);
    let instants: Vec<String> = tl.each("time").iter().filter_map(|t| t.attr("datetime")).collect();
    assert!(instants.iter().any(|t| t == "2024-05-20T16:30:00Z"), "11:30 AM after 11:01 AM EST is EST: {instants:?}");
    assert!(instants.iter().any(|t| t == "2024-05-21T21:00:00Z"), "2pm pacific in May is PDT: {instants:?}");
    assert!(
        tl.texts(".tl-events > li > span").iter().any(|o| o == "T+45 min"),
        "{:?}",
        tl.texts(".tl-events > li > span")
    );
    assert_eq!(tl.texts(".tl-tag-resolved"), ["Resolved"]);

    // No timestamps and no timeline: no visual.
    assert_eq!(site.page("/incidents/quiet-sev3/").count("figure.tl"), 0);
}

#[test]
fn stats_page_charts_and_their_numbers() {
    let site = insight();
    let stats = site.page("/stats/");
    // Six figures, each with title, description, an accessible SVG and a table.
    for id in [
        "incidents-over-time",
        "time-to-detect",
        "time-to-resolve",
        "top-causes",
        "top-services",
        "action-items-over-time",
    ] {
        let f = figure(&stats, id);
        assert_eq!(f.attr("aria-labelledby"), Some(format!("{id}-title")), "{id}");
        let title = f.text_of(&format!("[id='{id}-title']"));
        // Charts whose dots link their incidents are groups: links inside an img are hidden.
        let role = if id.starts_with("time-to-") { "group" } else { "img" };
        let svg = f.find("svg.chart");
        assert_eq!(svg.attr("role").as_deref(), Some(role), "{id}");
        assert_eq!(svg.attr("aria-labelledby"), Some(format!("{id}-svg-title")), "{id}");
        assert_eq!(svg.attr("aria-describedby"), Some(format!("{id}-svg-desc")), "{id}");
        assert_eq!(svg.text_of(&format!("[id='{id}-svg-title']")), title, "{id}");
        assert!(!svg.text_of(&format!("[id='{id}-svg-desc']")).is_empty(), "{id}");
        assert_eq!(f.count("table.data-table"), 1, "{id}");
    }
    // No script and nothing from elsewhere.
    assert_eq!(stats.count("script"), 0);
    let sources: Vec<String> = stats.document().each("[src]").iter().filter_map(|e| e.attr("src")).collect();
    assert!(sources.iter().all(|s| !s.starts_with("http")), "{sources:?}");

    // Incidents per month (the archive spans 40 months), by severity.
    let f = figure(&stats, "incidents-over-time");
    assert_eq!(f.text_of(".chart-title"), "Incidents per month, by severity");
    assert_eq!(row(&f, "Mar 2021"), ["Mar 2021", "1", "0", "0", "0", "1"]);
    assert_eq!(row(&f, "May 2024"), ["May 2024", "0", "1", "0", "0", "1"]);
    assert_eq!(row(&f, "Jun 2024"), ["Jun 2024", "0", "0", "1", "0", "1"]);
    assert!(f.text_of(".chart-desc").starts_with("3 incidents from Mar 2021 to Jun 2024,"), "{f:?}");
    assert!(!f.html().contains("2019"), "the internal incident's year must not appear");

    // Time to resolve: 24 h 30 min and 45 min: two incidents, too few for a
    // median or a 90th percentile; the fastest and slowest link their incidents.
    let f = figure(&stats, "time-to-resolve");
    let all_years = ["All years", "2", "too few to tell", "too few to tell", "45 min", "24 h 30 min"];
    assert_eq!(row(&f, "All years"), all_years);
    let table = f.find("table.data-table");
    let all_years_row = table.each("tr").into_iter().find(|tr| tr.texts("th, td")[0] == "All years").unwrap();
    assert_eq!(all_years_row.hrefs(), ["/incidents/east-rollback/", "/incidents/dst-deploy/"]);
    let desc = f.text_of(".chart-desc");
    assert!(desc.ends_with(". 1 incident without these timestamps is not shown."), "{desc}");
    assert!(desc.contains("The vertical scale is logarithmic"), "45 min to 24 h spans more than 20×: {desc}");
    let f = figure(&stats, "time-to-detect");
    assert_eq!(
        row(&f, "All years"),
        ["All years", "1", "too few to tell", "too few to tell", "1 h 15 min", "1 h 15 min"]
    );
    // Every incident a dot, naming and linking its incident.
    let svg = f.find("svg.chart");
    assert_eq!(svg.count("circle.dot"), 1, "{f:?}");
    assert_eq!(svg.hrefs(), ["/incidents/dst-deploy/"]);
    assert_eq!(svg.find("a").text_of("title"), "Deploy across the spring-forward night (2021-03-14): 1 h 15 min");

    // Top causes and services, with links.
    let f = figure(&stats, "top-causes");
    assert_eq!(row(&f, "missing-monitoring"), ["missing-monitoring", "2"]);
    f.find("table.data-table").links_to("/causes/missing-monitoring/");
    let f = figure(&stats, "top-services");
    assert_eq!(row(&f, "web"), ["web", "2"]);
    f.find("table.data-table").links_to("/services/web/");

    // Action items by the year their incident happened, by status now.
    let f = figure(&stats, "action-items-over-time");
    assert_eq!(row(&f, "2021"), ["2021", "5", "1", "0", "1", "3", "2"]);
    assert_eq!(row(&f, "2024"), ["2024", "2", "1", "1", "0", "0", "0"]);

    // The tiles: medians, not means, and none of two incidents.
    let glance = stats.main();
    let resolve = tile(&glance, "median time to resolve");
    assert_eq!(resolve.text_of(".tile-value"), "too few to tell");
    assert_eq!(resolve.count(".tile-value-few"), 1);
    assert!(!stats.contains("12 h 37 min") && !stats.contains("22 h 7 min"), "no percentile of two incidents");
    assert_eq!(tile(&glance, "action items done").text_of(".tile-value"), "2 of 7");
}

#[test]
fn action_item_board_open_first_overdue_flagged() {
    let site = insight();
    let board = site.page("/action-items/");
    let todo = board.section("todo-title");
    assert_eq!(
        item_titles(&todo),
        ["Long overdue alerting work", "Nearly on time runbook", "Due on build day", "Nobody owns this yet"],
        "most overdue first, then by due date, undated last"
    );
    // Due on the build date is not overdue yet.
    assert_eq!(todo.texts(".overdue"), ["Overdue by 3 years 2 months", "Overdue by 1 day"]);
    assert_eq!(item_row(&todo, "Due on build day").count(".overdue"), 0);
    let closed = item_titles(&board.section("closed-title"));
    assert!(closed.iter().any(|t| t == "Finished pager rota"), "{closed:?}");
    assert!(closed.iter().any(|t| t == "Validate configuration before deploy"), "{closed:?}");
    assert!(!closed.iter().any(|t| t == "Nobody owns this yet"), "{closed:?}");
    // Each item links to its incident and its tracker.
    assert_eq!(board.main().texts("a[href='https://tracker.example.com/T-1']"), ["Finished pager rota"]);
    let from = item_row(&todo, "Long overdue alerting work").find(".from");
    assert_eq!(from.text(), "From Deploy across the spring-forward night 2021-03-14");
    assert_eq!(from.hrefs(), ["/incidents/dst-deploy/"]);
    // As text (a screen reader's, a copy's) the title and "From" stay apart.
    let cell = item_row(&todo, "Long overdue alerting work").text_of("td:first-child");
    assert!(cell.starts_with("Long overdue alerting work From Deploy"), "{cell}");
    // Counts by status and by owner.
    assert_eq!(tile(&board.main(), "action items in all").text_of(".tile-value"), "7");
    let by_status = board.main().find("nav[aria-labelledby='by-status-title']").texts("li > a");
    assert_eq!(by_status, ["All 7", "Overdue 2", "Open 3", "In progress 1", "Untracked 0", "Done 2", "Won't do 1"]);
    let owners = board.main().find("nav[aria-labelledby='by-owner-title']").texts(".facet-name");
    assert_eq!(owners, ["sre-team", "Unassigned", "Web Team"]);

    // Filters are pages: they work without JavaScript.
    let owner = site.page("/action-items/owner/sre-team/");
    assert_eq!(owner.text_of("h1"), "Action items of sre-team");
    let titles = item_titles(&owner.main());
    assert!(titles.iter().any(|t| t == "Long overdue alerting work"), "{titles:?}");
    assert!(!titles.iter().any(|t| t == "Validate configuration before deploy"), "{titles:?}");
    let titles_of = |url: &str| item_titles(&site.page(url).main());
    assert!(titles_of("/action-items/owner/web-team/").iter().any(|t| t == "Validate configuration before deploy"));
    assert!(titles_of("/action-items/owner/unassigned/").iter().any(|t| t == "Nobody owns this yet"));
    let overdue = titles_of("/action-items/status/overdue/");
    assert_eq!(overdue, ["Long overdue alerting work", "Nearly on time runbook"], "not the one due on build day");
    for status in ["open", "in-progress", "done", "wont-do"] {
        assert!(site.exists(&format!("/action-items/status/{status}/index.html")), "{status}");
    }
    let done = titles_of("/action-items/status/done/");
    assert!(done.iter().any(|t| t == "Write the missing dashboard"), "{done:?}");
    assert!(!done.iter().any(|t| t == "Nobody owns this yet"), "{done:?}");
}

#[test]
fn overdue_depends_on_the_build_date() {
    let site = Site::build("insight", &["--build-date", "2021-03-20"]).ok();
    let board = site.page("/action-items/");
    assert_eq!(board.count(".overdue"), 0, "nothing was due yet on 2021-03-20");
    let site = Site::build("insight", &["--build-date", "2021-04-03"]).ok();
    let board = site.page("/action-items/");
    let todo = board.section("todo-title");
    assert_eq!(item_row(&todo, "Long overdue alerting work").text_of(".overdue"), "Overdue by 2 days");
    let bad = Site::build("insight", &["--build-date", "2024-02-30"]);
    assert_eq!(bad.output.status.code(), Some(2), "a bad build date is a usage error");
}

#[test]
fn home_glance_counts_the_last_90_days() {
    let site = insight();
    let home = site.page("/");
    let recent = home.section("recent-title");
    // east-rollback (SEV2) and quiet-sev3; not the draft of 2024-06-05.
    assert_eq!(recent.text_of(".recent-total"), "2 incidents since 2024-03-13");
    assert_eq!(recent.find(".recent-total time").attr("datetime").as_deref(), Some("2024-03-13"));
    assert_eq!(recent.find("a.sev-r2").attr("href").as_deref(), Some("/severity/sev2/"));
    let by_severity: Vec<(String, usize)> = recent.bars();
    let count_of = |sev: &str| by_severity.iter().find(|(s, _)| s == sev).map(|(_, n)| *n);
    assert_eq!([count_of("SEV1"), count_of("SEV2"), count_of("SEV3")], [Some(0), Some(1), Some(1)]);
    // The other glance items: open and overdue action items, top causes, latest.
    let open = tile(&home.main(), "open action items");
    assert_eq!(open.text_of(".tile-value"), "4");
    assert_eq!(open.hrefs(), ["/action-items/"]);
    assert_eq!(open.text_of(".tile-note"), "2 overdue");
    assert!(home.has_section("Top recurring causes"));
    assert!(home.has_section("Latest incidents"));
    // Long ago: nothing recent, and it says so.
    let later = Site::build("insight", &["--build-date", "2025-06-10"]).ok();
    assert_eq!(
        later.page("/").section("recent-title").text_of(".recent-none"),
        "No incidents in the last 90 days. The latest began 374 days ago."
    );
}

#[test]
fn left_out_incidents_count_nowhere() {
    let site = insight();
    site.nowhere("LEAKCANARY");
    site.nowhere("leakcanary");
    assert!(!site.exists("/action-items/owner/leakcanary-insight-owner/index.html"));
    let stats = site.page("/stats/");
    assert_eq!(tile(&stats.main(), "incidents").text_of(".tile-value"), "3");
    // The internal incident's 200-day detection would be the slowest.
    assert!(!stats.contains("200 d") && !stats.contains(">90 d<"));

    // The same build with everything included shows them: the test can fail.
    let all = Site::build("insight", &["--build-date", BUILD_DATE, "--drafts", "--internal"]).ok();
    assert!(all.exists("/action-items/owner/leakcanary-insight-owner/index.html"));
    assert_eq!(tile(&all.page("/stats/").main(), "incidents").text_of(".tile-value"), "6");
    let titles = item_titles(&all.page("/action-items/").main());
    assert!(titles.iter().any(|t| t.starts_with("LEAKCANARY-INSIGHT action")), "{titles:?}");
}

#[test]
fn example_archive_and_good_fixture_leak_nothing_through_insight_pages() {
    let good = Site::build("good", &["--build-date", BUILD_DATE]).ok();
    for page in ["/stats/", "/action-items/", "/"] {
        let html = good.page(page);
        for canary in ["LEAKCANARY", "draft-only-service", "secret-service-xyz", "leaktag-internal"] {
            assert!(!html.contains(canary), "{canary} on {page}");
        }
    }
    // content/ is the example archive: build it and look for its canaries.
    let tmp = TempDir::new("insight-content");
    let out = tmp.path().join("public");
    let root = env!("CARGO_MANIFEST_DIR");
    let o = rca(&["build", "--root", root, "--out", out.to_str().unwrap(), "--build-date", "2026-11-21", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let site = Site { tmp, out, output: o };
    site.nowhere("CANARY-INTERNAL-7731");
    site.nowhere("CANARY-DRAFT-4410");
    let stats = site.page("/stats/");
    assert_eq!(tile(&stats.main(), "incidents").text_of(".tile-value"), "15");
}

#[test]
fn nav_and_sitemap_list_the_insight_pages() {
    let site = insight();
    let home = site.page("/");
    let nav = home.document().find("nav.site-nav");
    nav.links_to("/action-items/");
    nav.links_to("/stats/");
    let stats = site.page("/stats/");
    let current = stats.document().find("nav.site-nav a[aria-current='page']");
    assert_eq!(current.attr("href").as_deref(), Some("/stats/"));
    assert_eq!(current.attr("class").as_deref(), Some("active"));
    assert_eq!(current.text(), "Stats");
    let sitemap = site.file("sitemap.xml");
    for url in ["/stats/", "/action-items/", "/action-items/owner/sre-team/", "/action-items/status/overdue/"] {
        assert!(sitemap.contains(&format!("<loc>https://insight.example.com{url}</loc>")), "{url}");
    }
}

// ---------------------------------------------------------------------------
// Postmortems as people write them (tests/fixtures/real-postmortems): table
// timelines under a zone note, free-text causes, the same incident filed
// twice, action items in the body, Markdown in short fields, and one entry
// centuries older than the rest.

fn real() -> Site {
    Site::build("real-postmortems", &["--build-date", BUILD_DATE]).ok()
}

fn json_incident(site: &Site, id: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&site.file("incidents.json")).unwrap();
    json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in incidents.json"))
        .clone()
}

/// The `datetime` of every event of the visual timeline, in order.
fn timeline_instants(page: &Page) -> Vec<String> {
    timeline(page).each("time").iter().filter_map(|t| t.attr("datetime")).collect()
}

#[test]
fn a_table_timeline_under_all_times_in_cet_is_read_as_central_european_time() {
    let site = real();
    let page = site.page("/incidents/2021-06-22-cni-replaced/");
    // June: CEST (UTC+2). 08:21 as written is 06:21 UTC, never 08:21 UTC.
    assert_eq!(timeline_instants(&page), ["2021-06-22T06:21:00Z", "2021-06-22T06:40:00Z", "2021-06-22T07:55:00Z"]);
    let events = timeline(&page).texts(".tl-events > li > div > p:nth-child(2)");
    assert_eq!(
        events,
        ["VPC CNI replaced by the pipeline", "First pods fail their readiness checks", "Old CNI restored"]
    );
    // The row without a time is not an event, and not shifted: it stays in the table as written.
    let cells = page.main().find(".prose").texts("td");
    let at = cells.iter().position(|c| c == "shortly after").expect("the body keeps the row");
    assert_eq!(cells[at + 1], "On-call paged by a customer");
    let json = json_incident(&site, "2021-06-22-cni-replaced");
    assert_eq!(json["date"], "2021-06-22");
}

#[test]
fn a_list_timeline_with_a_pacific_note_follows_daylight_saving_time() {
    let site = real();
    let page = site.page("/incidents/2021-10-06-west-coast/");
    // October 2021: PDT (UTC−7).
    assert_eq!(timeline_instants(&page), ["2021-10-06T21:05:00Z", "2021-10-06T21:30:00Z", "2021-10-06T22:10:00Z"]);
    let written = page.main().find(".prose").texts("li");
    assert!(written.iter().any(|li| li == "later — customers are told"), "unread item kept as written: {written:?}");
    assert!(!timeline(&page).text().contains("customers are told"));
    assert_eq!(
        json_incident(&site, "2021-10-06-west-coast")["summary"],
        "Checkout took seconds for customers in the west."
    );
}

#[test]
fn check_warns_about_unread_rows_near_duplicates_and_spellings() {
    let root = fixtures().join("real-postmortems");
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "warnings only:\n{err}");
    assert!(
        err.contains(
            "content/incidents/2021-06-22-cni-replaced.md:23:1: warning: 1 of 4 timeline rows has no time I can read"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "content/incidents/2021-10-06-west-coast.md:15:1: warning: 1 of 4 timeline rows has no time I can read"
        ),
        "{err}"
    );
    assert!(err.contains("content/incidents/2023-02-14-build-queue.md:4:10: warning: possibly the same incident as content/incidents/2023-02-14-ci-outage.md"), "{err}");
    assert!(
        err.contains("content/incidents/2023-02-14-ci-outage.md:5:12: warning: service \"TravisCI\" is used only here; did you mean \"Travis CI\" (used by 1 other incident)?"),
        "{err}"
    );
    // Different words are not misspellings.
    assert!(!err.contains("\"k8s\""), "{err}");
    assert_eq!(err.matches("warning:").count(), 4, "{err}");
}

#[test]
fn incidents_with_the_same_title_are_similar_and_answer_has_this_happened_before() {
    let site = real();
    let page = site.page("/incidents/2022-03-11-all-503/");
    let similar = linked(&page);
    for other in ["2022-03-01-all-503", "2022-03-21-all-503"] {
        assert_eq!(similar.iter().filter(|(id, _)| id == other).count(), 1, "{other} not similar once: {similar:?}");
    }
    assert_eq!(similar.iter().filter(|(_, why)| why == "Similar title and summary").count(), 2, "{similar:?}");
    // Its cause is written nowhere else: the answer says so, and the list
    // holds the look-alikes.
    let only = ": first and only incident with this cause.";
    let answer = page.section("linked-title").text_of(".recurrence-line");
    assert!(answer.ends_with(only), "{answer}");
    let first = site.page("/incidents/2022-03-01-all-503/");
    let answer = first.section("linked-title").text_of(".recurrence-line");
    assert!(answer.ends_with(only), "{answer}");
    let json = json_incident(&site, "2022-03-11-all-503");
    assert_eq!(json["causes"][0], "a-certificate-in-the-cluster-expired-over-the-weekend");
}

#[test]
fn the_same_incident_filed_twice_is_flagged_on_both_pages() {
    let site = real();
    let a = site.page("/incidents/2023-02-14-build-queue/");
    let b = site.page("/incidents/2023-02-14-ci-outage/");
    a.main().find(".duplicate-notice").links_to("2023-02-14-ci-outage");
    b.main().find(".duplicate-notice").links_to("2023-02-14-build-queue");
    assert_eq!(
        site.page("/incidents/2022-03-01-all-503/").count(".duplicate-notice"),
        0,
        "same summary, different dates"
    );
    assert_eq!(json_incident(&site, "2023-02-14-build-queue")["services"][0], "travis-ci");
    assert_eq!(json_incident(&site, "2023-02-14-ci-outage")["services"][0], "travisci");
}

#[test]
fn an_action_items_table_in_the_body_fills_the_board() {
    let site = real();
    let board = site.page("/action-items/");
    let main = board.main();
    let pill = |tr: &Scope| tr.find(".pill").attr("class").unwrap_or_default();
    let pin = item_row(&main, "Pin the CNI version in the pipeline");
    assert_eq!(pin.text_of("td:nth-child(2)"), "@platform");
    assert_eq!(pill(&pin), "pill pill-done");
    assert_eq!(pin.find("td:nth-child(3) time").text(), "2021-07-01");
    let alert = item_row(&main, "Alert on pods without an address");
    assert_eq!(alert.text_of("td:nth-child(2)"), "Ana");
    assert_eq!(pill(&alert), "pill pill-in-progress");
    let doc = item_row(&main, "Write down how the CNI is upgraded");
    assert_eq!(pill(&doc), "pill pill-untracked");
    assert_eq!(doc.text_of(".pill"), "Untracked");
    assert_eq!(doc.count(".overdue"), 0);
    assert_eq!(doc.attr("class"), None, "not flagged overdue");
    assert!(item_titles(&board.section("untracked-title")).iter().any(|t| t == "Write down how the CNI is upgraded"));
    let titles_of = |url: &str| item_titles(&site.page(url).main());
    assert!(titles_of("/action-items/status/untracked/").iter().any(|t| t == "Write down how the CNI is upgraded"));
    assert!(!titles_of("/action-items/status/overdue/").iter().any(|t| t == "Write down how the CNI is upgraded"));
    let json = json_incident(&site, "2021-06-22-cni-replaced");
    let items: Vec<(String, String, String)> = json["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().into(),
                i["owner"].as_str().unwrap_or("-").into(),
                i["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("Pin the CNI version in the pipeline".into(), "@platform".into(), "done".into()),
            ("Alert on pods without an address".into(), "Ana".into(), "in-progress".into()),
            ("Write down how the CNI is upgraded".into(), "-".into(), "untracked".into()),
        ]
    );
}

#[test]
fn markdown_in_short_fields_is_html_on_pages_and_plain_text_elsewhere() {
    let site = real();
    let plain = "The pipeline replaced the VPC CNI; see the Traefik v2 bug and kube-system, twice.";
    // The summary as HTML: its text, one link (safe), code and emphasis.
    let is_rendered_summary = |lead: &Scope| {
        assert_eq!(lead.text(), plain);
        assert_eq!(lead.hrefs(), ["https://github.com/traefik/traefik/issues/1"]);
        assert_eq!(lead.find("a").attr("rel").as_deref(), Some("noopener noreferrer"));
        assert_eq!(lead.texts("a"), ["the Traefik v2 bug"]);
        assert_eq!(lead.texts("code"), ["kube-system"]);
        assert_eq!(lead.texts("em"), ["twice"]);
    };
    let page = site.page("/incidents/2021-06-22-cni-replaced/");
    is_rendered_summary(&page.main().find(".incident-head .lead"));
    // The description leads with the facts (severity · date · time to resolve), then the summary as plain text.
    let description = page.document().find("meta[name='description']").attr("content").unwrap_or_default();
    assert!(description.ends_with(&format!(" — {plain}")), "{description}");
    let impact = page.main().find(".impact");
    assert_eq!(impact.text(), "Impact Every pod in kube-system lost its network.");
    assert_eq!(impact.texts("code"), ["kube-system"]);
    // The list shows it too.
    let list = site.page("/incidents/");
    is_rendered_summary(&list.main().row_for("/incidents/2021-06-22-cni-replaced/").find(".row-summary"));
    assert!(site.file("feed.xml").contains(&format!("<summary>{plain}</summary>")));
    let json = json_incident(&site, "2021-06-22-cni-replaced");
    assert_eq!(json["summary"], plain);
    assert_eq!(json["impact"], "Every pod in kube-system lost its network.");
    site.nowhere("[the Traefik v2 bug](");
}

#[test]
fn one_incident_from_1628_does_not_stretch_the_charts() {
    let site = real();
    let stats = site.page("/stats/");
    let f = figure(&stats, "incidents-over-time");
    let desc = f.text_of(".chart-desc");
    assert!(
        desc.ends_with(
            ". 1 incident before 2021 is not drawn (1628), to keep the axis on the years that hold the archive."
        ),
        "{desc}"
    );
    assert!(f.text_of(".chart-title").starts_with("Incidents per month"), "21 months are drawn by month: {f:?}");
    let labels: Vec<String> = f.find("table.data-table tbody").each("tr").iter().map(|tr| tr.text_of("th")).collect();
    assert_eq!(labels.first().map(String::as_str), Some("Jun 2021"), "the axis starts with the archive: {labels:?}");
    assert!(labels.iter().all(|l| !l.contains("1628") && !l.contains("1629")), "{labels:?}");
    // Sparklines on /causes/ start in 2021 too, and say what they leave out.
    let causes = site.page("/causes/");
    let sparks: Vec<String> = causes.main().each(".spark").iter().filter_map(|s| s.attr("aria-label")).collect();
    assert!(sparks.iter().any(|l| l == "0 incidents, 2021–2023; 1 before 2021 not drawn"), "{sparks:?}");
    assert!(!causes.contains("1628–"));
    // The incident itself is listed and published like any other.
    let vasa = site.page("/incidents/1628-08-10-vasa/");
    let dates: Vec<String> = vasa.main().each("time").iter().filter_map(|t| t.attr("datetime")).collect();
    assert!(dates.iter().any(|d| d == "1628-08-10"), "{dates:?}");
    assert_eq!(json_incident(&site, "1628-08-10-vasa")["date"], "1628-08-10");
}
