//! Incident insight: durations, the visual timeline, /stats/, the
//! action-item board and the home page's glance, built from
//! tests/fixtures/insight with a fixed build date (2024-06-10).
//!
//! The fixture's left-out incidents (internal, draft, review) carry
//! LEAKCANARY-INSIGHT canaries and extreme numbers (a 200-day detection, a
//! SEV1 in a year with no public incident) so that a leak into any count,
//! chart or percentile changes a number these tests pin.

use crate::harness as common;

use common::*;

const BUILD_DATE: &str = "2024-06-10";

fn insight() -> Site {
    Site::build("insight", &["--build-date", BUILD_DATE]).ok()
}

/// The part of `html` from `start` up to the next `end`.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    let rest = &html[from..];
    let to = rest.find(end).map_or(rest.len(), |n| n + end.len());
    &rest[..to]
}

fn figure<'a>(stats: &'a str, id: &str) -> &'a str {
    section(stats, &format!("<figure class=\"chart-figure\" id=\"{id}\""), "</figure>")
}

#[test]
fn durations_are_real_time_across_zones_and_dst() {
    let site = insight();
    // 01:30 PST to 03:45 PDT on the night clocks sprang forward: 1 h 15 min.
    let page = site.page("/incidents/dst-deploy/");
    assert!(page.contains("Detected in <strong>1 h 15 min</strong>"), "{page}");
    assert!(page.contains("Resolved in <strong>24 h 30 min</strong>"));
    // In lists: the table row and the card.
    let list = site.page("/incidents/");
    assert!(list.contains("24 h 30 min"));
    assert!(list.contains("detected in 1 h 15 min"));
    let home = site.page("/");
    assert!(home.contains("<span class=\"fact-label\">Resolved in</span> 45 min"), "card of east-rollback");
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
    let tl = section(&page, "<figure class=\"tl\"", "</figure>");
    let offsets: Vec<&str> = tl
        .split("<li")
        .skip(1)
        .map(|s| s[s.find("><span>").unwrap() + "><span>".len()..].split('<').next().unwrap())
        .collect();
    assert_eq!(offsets, ["T+0", "T+1 h 15 min", "T+1 d", "T+24 h 30 min"]);
    assert!(tl.contains("deploy starts"));
    assert!(tl.contains("tl-tag-started\">Started"));
    assert!(tl.contains("tl-tag-detected\">Detected"));
    assert!(tl.contains("<time datetime=\"2021-03-14T10:45:00Z\""), "3:45 AM PDT is 10:45 UTC");
    assert!(tl.contains("Impact window: 24 h 30 min, started to resolved."));
    // Lines that are not times are not events...
    for refused in ["v2.3 rollout", "500 errors", "10 minutes later"] {
        assert!(!tl.contains(refused), "{refused} drawn as an event");
        // ...but the Markdown list still shows every line as written.
        assert!(page.contains(&format!("<li>{refused}")), "{refused} missing from the list");
    }
    assert!(page.contains("<li>1:30 AM pacific — deploy starts</li>"));

    // A zone carries to the next item; a named region follows DST.
    let page = site.page("/incidents/east-rollback/");
    let tl = section(&page, "<figure class=\"tl\"", "</figure>");
    assert!(tl.contains("datetime=\"2024-05-20T16:30:00Z\""), "11:30 AM after 11:01 AM EST is EST");
    assert!(tl.contains("datetime=\"2024-05-21T21:00:00Z\""), "2pm pacific in May is PDT");
    assert!(tl.contains("T+45 min") && tl.contains("tl-tag-resolved\">Resolved"));

    // No timestamps and no timeline: no visual.
    assert!(!site.page("/incidents/quiet-sev3/").contains("<figure class=\"tl\""));
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
        assert!(f.contains(&format!("aria-labelledby=\"{id}-title\"")), "{id}");
        // Charts whose dots link their incidents are groups: links inside an img are hidden.
        let role = if id.starts_with("time-to-") { "group" } else { "img" };
        assert!(
            f.contains(&format!(
                "role=\"{role}\" aria-labelledby=\"{id}-svg-title\" aria-describedby=\"{id}-svg-desc\""
            )),
            "{id}"
        );
        assert!(
            f.contains(&format!("<title id=\"{id}-svg-title\">"))
                && f.contains(&format!("<desc id=\"{id}-svg-desc\">")),
            "{id}"
        );
        assert!(f.contains("<table class=\"data-table\">"), "{id}");
    }
    // No script and nothing from elsewhere.
    assert!(!stats.contains("<script"));
    assert!(!stats.contains("src=\"http"));

    // Incidents per month (the archive spans 40 months), by severity.
    let f = figure(&stats, "incidents-over-time");
    assert!(f.contains("Incidents per month, by severity"));
    assert!(f.contains("<th scope=\"row\">Mar 2021</th><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td>"));
    assert!(f.contains("<th scope=\"row\">May 2024</th><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td>"));
    assert!(f.contains("<th scope=\"row\">Jun 2024</th><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td>"));
    assert!(f.contains("3 incidents from Mar 2021 to Jun 2024"));
    assert!(!f.contains("2019"), "the internal incident's year must not appear");

    // Time to resolve: 24 h 30 min and 45 min: two incidents, too few for a
    // median or a 90th percentile; the fastest and slowest link their incidents.
    let f = figure(&stats, "time-to-resolve");
    assert!(
        f.contains(
            "<th scope=\"row\">All years</th><td class=\"num\">2</td><td>too few to tell</td><td>too few to tell</td><td class=\"num\"><a href=\"/incidents/east-rollback/\">45 min</a></td><td class=\"num\"><a href=\"/incidents/dst-deploy/\">24 h 30 min</a></td>"
        ),
        "{f}"
    );
    assert!(f.contains("1 incident without these timestamps is not shown"));
    assert!(f.contains("logarithmic"), "45 min to 24 h spans more than 20×");
    let f = figure(&stats, "time-to-detect");
    assert!(f.contains("<th scope=\"row\">All years</th><td class=\"num\">1</td><td>too few to tell</td><td>too few to tell</td><td class=\"num\"><a href=\"/incidents/dst-deploy/\">1 h 15 min</a></td>"), "{f}");
    // Every incident a dot, naming and linking its incident.
    assert_eq!(f.matches("<circle class=\"dot\"").count(), 1, "{f}");
    assert!(f.contains("<a href=\"/incidents/dst-deploy/\"><title>"), "{f}");

    // Top causes and services, with links.
    let f = figure(&stats, "top-causes");
    assert!(
        f.contains("<a href=\"/causes/missing-monitoring/\">missing-monitoring</a></th><td class=\"num\">2</td>"),
        "{f}"
    );
    let f = figure(&stats, "top-services");
    assert!(f.contains("<a href=\"/services/web/\">web</a></th><td class=\"num\">2</td>"));

    // Action items by the year their incident happened, by status now.
    let f = figure(&stats, "action-items-over-time");
    assert!(f.contains("<th scope=\"row\">2021</th><td class=\"num\">5</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">3</td><td class=\"num\">2</td>"), "{f}");
    assert!(f.contains("<th scope=\"row\">2024</th><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td>"));

    // The tiles: medians, not means, and none of two incidents.
    assert!(stats.contains(
        "<span class=\"tile-value tile-value-few\">too few to tell</span><span class=\"tile-label\">median time to resolve</span>"
    ));
    assert!(!stats.contains("12 h 37 min") && !stats.contains("22 h 7 min"), "no percentile of two incidents");
    assert!(stats.contains("2 of 7</span><span class=\"tile-label\">action items done"));
}

#[test]
fn action_item_board_open_first_overdue_flagged() {
    let site = insight();
    let board = site.page("/action-items/");
    let todo = section(&board, "id=\"todo-title\"", "</section>");
    let titles = ["Long overdue alerting work", "Nearly on time runbook", "Due on build day", "Nobody owns this yet"];
    let positions: Vec<usize> =
        titles.iter().map(|t| todo.find(t).unwrap_or_else(|| panic!("{t} not in To do"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "most overdue first, then by due date, undated last");
    assert!(todo.contains("Overdue by 3 years 2 months"));
    assert!(todo.contains("Overdue by 1 day"));
    assert_eq!(todo.matches("class=\"overdue\"").count(), 2, "due on the build date is not overdue yet");
    let closed = section(&board, "id=\"closed-title\"", "</section>");
    assert!(closed.contains("Finished pager rota") && closed.contains("Validate configuration before deploy"));
    assert!(!closed.contains("Nobody owns this yet"));
    // Each item links to its incident and its tracker.
    assert!(board.contains("<a href=\"https://tracker.example.com/T-1\">Finished pager rota</a>"));
    assert!(board.contains("From <a href=\"/incidents/dst-deploy/\">Deploy across the spring-forward night</a>"));
    // Counts by status and by owner.
    assert!(board.contains("<span class=\"tile-value\">7</span>"));
    assert!(board.contains(">Overdue <span class=\"count\">2</span>"));
    assert!(board.contains(">Open <span class=\"count\">3</span>"));
    assert!(board.contains(">Won&#39;t do <span class=\"count\">1</span>"));
    assert!(board.contains("<span class=\"facet-name\">sre-team</span>"));

    // Filters are pages: they work without JavaScript.
    let owner = site.page("/action-items/owner/sre-team/");
    assert!(owner.contains("Action items of sre-team"));
    assert!(owner.contains("Long overdue alerting work") && !owner.contains("Validate configuration"));
    assert!(site.page("/action-items/owner/web-team/").contains("Validate configuration before deploy"));
    assert!(site.page("/action-items/owner/unassigned/").contains("Nobody owns this yet"));
    let overdue = site.page("/action-items/status/overdue/");
    assert!(overdue.contains("Long overdue alerting work") && overdue.contains("Nearly on time runbook"));
    assert!(!overdue.contains("Due on build day"));
    for status in ["open", "in-progress", "done", "wont-do"] {
        assert!(site.exists(&format!("/action-items/status/{status}/index.html")), "{status}");
    }
    let done = site.page("/action-items/status/done/");
    assert!(done.contains("Write the missing dashboard") && !done.contains("Nobody owns this yet"));
}

#[test]
fn overdue_depends_on_the_build_date() {
    let site = Site::build("insight", &["--build-date", "2021-03-20"]).ok();
    let board = site.page("/action-items/");
    assert!(!board.contains("class=\"overdue\""), "nothing was due yet on 2021-03-20");
    let site = Site::build("insight", &["--build-date", "2021-04-03"]).ok();
    assert!(site.page("/action-items/").contains("Overdue by 2 days"));
    let bad = Site::build("insight", &["--build-date", "2024-02-30"]);
    assert_eq!(bad.output.status.code(), Some(2), "a bad build date is a usage error");
}

#[test]
fn home_glance_counts_the_last_90_days() {
    let site = insight();
    let home = site.page("/");
    let recent = section(&home, "<section class=\"panel recent\"", "</section>");
    // east-rollback (SEV2) and quiet-sev3; not the draft of 2024-06-05.
    assert!(recent.contains("<strong>2</strong> incidents since <time datetime=\"2024-03-13\">"), "{recent}");
    assert!(recent.contains("sev-r2\" href=\"/severity/sev2/\">SEV2</a>"));
    let count_of = |sev: &str| {
        let row = section(recent, &format!(">{sev}</a>"), "</li>");
        row[row.find("bars-count\">").unwrap() + 12..].chars().take_while(char::is_ascii_digit).collect::<String>()
    };
    assert_eq!([count_of("SEV1"), count_of("SEV2"), count_of("SEV3")], ["0", "1", "1"]);
    // The other glance items: open and overdue action items, top causes, latest.
    assert!(home.contains("<a href=\"/action-items/\"><span class=\"tile-value\">4</span>"));
    assert!(home.contains("<span class=\"tile-note\">2 overdue</span>"));
    assert!(home.contains("Top recurring causes"));
    assert!(home.contains("Latest incidents"));
    // Long ago: nothing recent, and it says so.
    let later = Site::build("insight", &["--build-date", "2025-06-10"]).ok();
    assert!(later.page("/").contains("No incidents in the last 90 days. The latest began 374 days ago."));
}

#[test]
fn left_out_incidents_count_nowhere() {
    let site = insight();
    site.nowhere("LEAKCANARY");
    site.nowhere("leakcanary");
    assert!(!site.exists("/action-items/owner/leakcanary-insight-owner/index.html"));
    let stats = site.page("/stats/");
    assert!(stats.contains("<span class=\"tile-value\">3</span><span class=\"tile-label\">incidents"));
    // The internal incident's 200-day detection would be the slowest.
    assert!(!stats.contains("200 d") && !stats.contains(">90 d<"));

    // The same build with everything included shows them: the test can fail.
    let all = Site::build("insight", &["--build-date", BUILD_DATE, "--drafts", "--internal"]).ok();
    assert!(all.exists("/action-items/owner/leakcanary-insight-owner/index.html"));
    assert!(all.page("/stats/").contains("<span class=\"tile-value\">6</span>"));
    assert!(all.page("/action-items/").contains("LEAKCANARY-INSIGHT action"));
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
    assert!(stats.contains("<span class=\"tile-value\">15</span><span class=\"tile-label\">incidents"));
}

#[test]
fn nav_and_sitemap_list_the_insight_pages() {
    let site = insight();
    let home = site.page("/");
    assert!(home.contains("<a href=\"/action-items/\""));
    assert!(home.contains("<a href=\"/stats/\""));
    let stats = site.page("/stats/");
    assert!(stats.contains("<a href=\"/stats/\" aria-current=\"page\" class=\"active\">Stats</a>"));
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
fn timeline_instants(page: &str) -> Vec<String> {
    let tl = section(page, "<figure class=\"tl\"", "</figure>");
    tl.split("<time datetime=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

#[test]
fn a_table_timeline_under_all_times_in_cet_is_read_as_central_european_time() {
    let site = real();
    let page = site.page("/incidents/2021-06-22-cni-replaced/");
    // June: CEST (UTC+2). 08:21 as written is 06:21 UTC, never 08:21 UTC.
    assert_eq!(timeline_instants(&page), ["2021-06-22T06:21:00Z", "2021-06-22T06:40:00Z", "2021-06-22T07:55:00Z"]);
    let tl = section(&page, "<figure class=\"tl\"", "</figure>");
    assert!(tl.contains("VPC CNI replaced by the pipeline") && tl.contains("Old CNI restored"));
    // The row without a time is not an event, and not shifted: it stays in the table as written.
    assert!(!tl.contains("On-call paged"));
    assert!(page.contains("<td>shortly after</td>"), "the body keeps the row");
    let json = json_incident(&site, "2021-06-22-cni-replaced");
    assert_eq!(json["date"], "2021-06-22");
}

#[test]
fn a_list_timeline_with_a_pacific_note_follows_daylight_saving_time() {
    let site = real();
    let page = site.page("/incidents/2021-10-06-west-coast/");
    // October 2021: PDT (UTC−7).
    assert_eq!(timeline_instants(&page), ["2021-10-06T21:05:00Z", "2021-10-06T21:30:00Z", "2021-10-06T22:10:00Z"]);
    assert!(page.contains("<li>later — customers are told</li>"), "unread item kept as written");
    assert!(!section(&page, "<figure class=\"tl\"", "</figure>").contains("customers are told"));
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
    let similar = section(&page, "id=\"linked-title\"", "</section>");
    for other in ["/incidents/2022-03-01-all-503/", "/incidents/2022-03-21-all-503/"] {
        assert_eq!(similar.matches(&format!("href=\"{other}\"")).count(), 1, "{other} not similar once:\n{similar}");
    }
    assert_eq!(similar.matches("Similar title and summary").count(), 2, "{similar}");
    // Its cause is written nowhere else: the answer says so, and the list
    // holds the look-alikes.
    assert!(similar.contains("first and only incident with this cause"), "{similar}");
    let first = site.page("/incidents/2022-03-01-all-503/");
    assert!(section(&first, "id=\"linked-title\"", "</section>").contains("first and only incident with this cause"));
    let json = json_incident(&site, "2022-03-11-all-503");
    assert_eq!(json["causes"][0], "a-certificate-in-the-cluster-expired-over-the-weekend");
}

#[test]
fn the_same_incident_filed_twice_is_flagged_on_both_pages() {
    let site = real();
    let a = site.page("/incidents/2023-02-14-build-queue/");
    let b = site.page("/incidents/2023-02-14-ci-outage/");
    assert!(section(&a, "duplicate-notice", "</p>").contains("href=\"/incidents/2023-02-14-ci-outage/\""));
    assert!(section(&b, "duplicate-notice", "</p>").contains("href=\"/incidents/2023-02-14-build-queue/\""));
    assert!(!site.page("/incidents/2022-03-01-all-503/").contains("duplicate-notice"), "same summary, different dates");
    assert_eq!(json_incident(&site, "2023-02-14-build-queue")["services"][0], "travis-ci");
    assert_eq!(json_incident(&site, "2023-02-14-ci-outage")["services"][0], "travisci");
}

#[test]
fn an_action_items_table_in_the_body_fills_the_board() {
    let site = real();
    let board = site.page("/action-items/");
    let row = |title: &str| section(&board, title, "</tr>").to_string();
    let pin = row("Pin the CNI version in the pipeline");
    assert!(pin.contains("@platform") && pin.contains("pill-done") && pin.contains("2021-07-01"), "{pin}");
    let alert = row("Alert on pods without an address");
    assert!(alert.contains(">Ana<") && alert.contains("pill-in-progress"), "{alert}");
    let doc = row("Write down how the CNI is upgraded");
    assert!(doc.contains("pill-untracked") && doc.contains("Untracked") && !doc.contains("overdue"), "{doc}");
    assert!(section(&board, "id=\"untracked-title\"", "</section>").contains("Write down how the CNI is upgraded"));
    assert!(site.page("/action-items/status/untracked/").contains("Write down how the CNI is upgraded"));
    assert!(!site.page("/action-items/status/overdue/").contains("Write down how the CNI is upgraded"));
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
    let html = "The pipeline replaced the VPC CNI; see <a href=\"https://github.com/traefik/traefik/issues/1\" rel=\"noopener noreferrer\">the Traefik v2 bug</a> and <code>kube-system</code>, <em>twice</em>.";
    let plain = "The pipeline replaced the VPC CNI; see the Traefik v2 bug and kube-system, twice.";
    let page = site.page("/incidents/2021-06-22-cni-replaced/");
    assert!(page.contains(&format!("<p class=\"lead\">{html}</p>")), "{page}");
    // The description leads with the facts (severity · date · time to resolve), then the summary as plain text.
    let description = page
        .split("<meta name=\"description\" content=\"")
        .nth(1)
        .and_then(|d| d.split('"').next())
        .unwrap_or_default();
    assert!(description.ends_with(&format!(" — {plain}")), "{description}");
    assert!(page.contains(
        "<strong class=\"impact-label\">Impact</strong> Every pod in <code>kube-system</code> lost its network."
    ));
    assert!(site.page("/incidents/").contains(html), "the list shows it too");
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
    assert!(f.contains("1 incident before 2021 is not drawn (1628)"), "{f}");
    assert!(f.contains("Incidents per month"), "21 months are drawn by month: {f}");
    assert!(f.contains("<th scope=\"row\">Jun 2021</th>"), "the axis starts with the archive: {f}");
    assert!(!f.contains("<th scope=\"row\">Aug 1628</th>") && !f.contains(">1629<"), "{f}");
    // Sparklines on /causes/ start in 2021 too, and say what they leave out.
    let causes = site.page("/causes/");
    assert!(causes.contains("aria-label=\"0 incidents, 2021–2023; 1 before 2021 not drawn\""), "{causes}");
    assert!(!causes.contains("1628–"));
    // The incident itself is listed and published like any other.
    assert!(site.page("/incidents/1628-08-10-vasa/").contains("datetime=\"1628-08-10\""));
    assert_eq!(json_incident(&site, "1628-08-10-vasa")["date"], "1628-08-10");
}
