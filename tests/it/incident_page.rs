//! The incident page as a reader meets it (issue #15, step 12): the facts
//! line, the Impact and the Summary before the body; the timeline drawn once,
//! in the body's Timeline section, with the written list folded; the tracked
//! action items in the body's own section, one click from the top; every
//! connected incident linked once with all its reasons; an impact window that
//! agrees with the facts; display names for services and tags; and revision
//! lists without the commits of `.git-blame-ignore-revs`.

use crate::harness as common;

use std::path::Path;

use common::*;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const CONFIG: &str = "title = \"Pages\"\nbase_url = \"https://x.example\"\n\n[services]\nlearning-platform = \"Larkspur Learn\"\n\n[tags]\n\"My SQL\" = \"MySQL\"\n";

const MAIN: &str = "---
title: Forums merge broke staging
date: 2024-12-10
summary: \"SUMMARYTEXT the partner's staging failed.\"
severity: SEV3
kind: outage
services: [learning-platform, forums]
tags: [my-sql]
causes: [Config drift]
related: [older]
started: 2024-12-10T05:00:00Z
detected: 2024-12-10T07:40:00Z
mitigated: 2024-12-10T16:00:00Z
resolved: 2024-12-11T12:00:00Z
impact: \"IMPACTTEXT staging was down for about 11 hours.\"
detection: Partner report
action_items:
  - title: Declare character sets
    owner: Forums team
    status: done
  - title: Health check for partner search
    owner: Platform team
    status: open
---
## What happened

BODYSTART The merge ran the migrations.

## Timeline

All times in CET.

- 2024-12-10 06:00 — Nightly deploy runs the migrations.
- 2024-12-10 08:40 — The partner reports the failure.
- 2024-12-10 17:00 — Fix-forward merged.

## Action items

Two items; one is open.

## Lessons

Staging must look like production.
";

fn archive(label: &str) -> TempDir {
    let tmp = TempDir::new(label);
    let root = tmp.path().join("site");
    write(
        &root,
        &[
            ("rca-site.toml", CONFIG),
            ("content/incidents/main.md", MAIN),
            (
                "content/incidents/older.md",
                "---\ntitle: Older outage\ndate: 2021-02-10\ncauses: [Config drift]\nservices: [forums]\n---\nLike [[main]] later.\n",
            ),
            ("content/incidents/quiet.md", "---\ntitle: Quiet one\ndate: 2020-01-01\n---\nNothing shared.\n"),
        ],
    );
    tmp
}

fn build(tmp: &TempDir) -> Site {
    Site::build(tmp.path().join("site").to_str().unwrap(), &[]).ok()
}

fn at(page: &str, needle: &str) -> usize {
    page.find(needle).unwrap_or_else(|| panic!("{needle:?} not on the page"))
}

/// From `start` to the end of the element that opens there (`</section>`, …).
fn block<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let s = at(page, start);
    let rest = &page[s..];
    &rest[..rest.find(end).map_or(rest.len(), |e| e + end.len())]
}

#[test]
fn facts_then_impact_then_summary_then_the_body() {
    let tmp = archive("page-order");
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    let (title, facts, impact, summary, body) = (
        at(&page, "<h1 id=\"incident-title\""),
        at(&page, "<p class=\"facts\">"),
        at(&page, "IMPACTTEXT"),
        at(&page, "<p class=\"lead\">SUMMARYTEXT"),
        at(&page, "BODYSTART"),
    );
    assert!(
        title < facts && facts < impact && impact < summary && summary < body,
        "{title} {facts} {impact} {summary} {body}"
    );
    let facts = block(&page, "<p class=\"facts\">", "</p>");
    for expected in [
        ">SEV3</a>",
        "Outage",
        "Detected in <strong>2 h 40 min</strong>",
        "Mitigated in <strong>11 h</strong>",
        "Resolved in <strong>31 h</strong>",
        // The postmortem's own zone (its timeline says CET), then UTC.
        "10 Dec 2024 06:00 → 11 Dec 13:00 CET",
        "(10 Dec 2024 05:00 → 11 Dec 12:00 UTC)",
        "2 action items, 1 open",
    ] {
        assert!(facts.contains(expected), "facts line lacks {expected:?}: {facts}");
    }
    // The count links to the tracked items, which sit in the body's own
    // "Action items" section: one heading, not two.
    assert!(facts.contains("href=\"#action-items\""), "{facts}");
    assert_eq!(page.matches("<h2 id=\"action-items\">Action items").count(), 1);
    assert!(!page.contains("id=\"actions-title\""), "no second Action items heading");
    let section = &page[at(&page, "<h2 id=\"action-items\"")..at(&page, "<h2 id=\"lessons\"")];
    assert!(
        section.contains("Two items; one is open.") && section.contains("Health check for partner search"),
        "{section}"
    );
    assert!(section.contains("1 of 2 open"));
}

#[test]
fn the_timeline_is_drawn_once_in_its_section_with_the_list_folded() {
    let tmp = archive("page-timeline");
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    assert_eq!(page.matches("<figure class=\"tl\"").count(), 1);
    let heading = at(&page, "<h2 id=\"timeline\"");
    let figure = at(&page, "<figure class=\"tl\"");
    let folded = at(&page, "<details class=\"tl-written\">");
    // The event as written: its last mention, after the one drawn in the figure.
    let list = page.rfind("Nightly deploy runs the migrations.").unwrap();
    assert!(heading < figure && figure < folded && folded < list, "heading, figure, then the list folded");
    let details = block(&page, "<details class=\"tl-written\">", "</details>");
    assert!(details.contains("The partner reports the failure."), "the whole written list is in the fold");
    assert!(details.contains("3 entries"));
    // Each event is printed as written once, and drawn once.
    assert_eq!(page.matches("Fix-forward merged.").count(), 2, "figure + written list");
    assert!(!page.contains("id=\"tl-title\""), "in the body's section the figure has no heading of its own");
}

#[test]
fn impact_window_spans_started_to_mitigated_and_agrees_with_the_facts() {
    let tmp = archive("page-impact");
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    let figure = block(&page, "<figure class=\"tl\"", "</figure>");
    assert!(figure.contains("Impact window: 11 h, started to mitigated."), "{figure}");
    let mitigated = block(&page, "<span class=\"fact fact-mitigate\">", "</span>");
    assert!(mitigated.contains("<strong>11 h</strong>"));
    let impact = block(&page, "<p class=\"impact\">", "</p>");
    assert!(impact.contains("Impact window 11 h, started to mitigated."), "{impact}");
    // The window is drawn up to the mitigation, not the resolution.
    let events: Vec<&str> = figure.split("<li").skip(1).collect();
    let drawn: Vec<bool> = events.iter().map(|e| !e.starts_with(" class=\"tl-out")).collect();
    let texts: Vec<bool> = events.iter().map(|e| e.contains("17:00") || e.contains("16:00")).collect();
    let last_in = drawn.iter().rposition(|&d| d).unwrap();
    assert!(texts[last_in + 1], "the window closes at the 16:00 UTC mitigation: {drawn:?}");
}

#[test]
fn each_connected_incident_is_linked_once_with_all_its_reasons() {
    let tmp = archive("page-linked");
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    let linked = block(&page, "<section class=\"incident-section linked\"", "</section>");
    assert_eq!(linked.matches("href=\"/incidents/older/\"").count(), 1, "{linked}");
    // The item ends with its reasons (an item has no </li>: the next <li> ends it).
    let item = block(linked, "href=\"/incidents/older/\"", "</span>");
    for reason in ["Listed as related", "Links to this one", "Same cause: Config drift"] {
        assert!(item.contains(reason), "{reason:?} missing: {item}");
    }
    assert!(!linked.contains("/incidents/quiet/"), "nothing shared, not listed");
    // Outside the body the page links it nowhere else.
    let outside_body = page.replace(block(&page, "<div class=\"prose\">", "</article>"), "");
    assert_eq!(outside_body.matches("/incidents/older/").count(), 0);
    assert_eq!(page.matches("href=\"/incidents/older/\"").count(), 1);
    // "Has this happened before?" still answers per cause, with counts.
    let line = block(linked, "<p class=\"recurrence-line\">", "</p>");
    assert!(line.contains("/causes/config-drift/") && line.contains("1 earlier"), "{line}");
    // The older incident sees main "since" and as related, once.
    let older = site.page("/incidents/older/");
    let linked = block(&older, "<section class=\"incident-section linked\"", "</section>");
    assert_eq!(linked.matches("href=\"/incidents/main/\"").count(), 1);
    assert!(linked.contains("1 since"));
}

#[test]
fn services_and_tags_show_their_display_names_owners_and_detection_as_written() {
    let tmp = archive("page-names");
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    assert!(page.contains("<a href=\"/services/learning-platform/\">Larkspur Learn</a>"), "name, slug URL kept");
    assert!(page.contains("<a href=\"/tags/my-sql/\">MySQL</a>"), "a [tags] key in any spelling");
    assert!(!page.contains(">learning-platform<"));
    assert!(page.contains("<dd>Partner report</dd>"));
    assert!(page.contains("<td>Forums team<td>"), "the owner as written, in its own cell");
    let services = site.page("/services/");
    assert!(services.contains("Larkspur Learn"));
    assert!(site.page("/services/learning-platform/").contains("Larkspur Learn"));
    let board = site.page("/action-items/");
    assert!(board.contains(">Forums team</a>"), "owners as written on the board");
}

#[test]
fn revision_lists_leave_out_the_commits_of_git_blame_ignore_revs() {
    let tmp = archive("page-ignore-revs");
    let root = tmp.path().join("site");
    let who = ("Dev", "dev@example.com");
    git_as(&root, "2026-01-01T10:00:00Z", who, &["init", "-q", "-b", "main"]);
    git_as(&root, "2026-01-01T10:00:00Z", who, &["add", "-A"]);
    git_as(&root, "2026-01-01T10:00:00Z", who, &["commit", "-qm", "Core pipeline: example archive"]);
    let tool = git_as(&root, "2026-01-01T10:00:00Z", who, &["rev-parse", "HEAD"]);
    write(&root, &[(".git-blame-ignore-revs", &format!("# the tool's commits\n{tool}"))]);
    let main = root.join("content/incidents/main.md");
    let text = std::fs::read_to_string(&main).unwrap().replace("Staging must look", "Staging must really look");
    std::fs::write(&main, text).unwrap();
    git_as(&root, "2026-02-01T10:00:00Z", who, &["add", "-A"]);
    git_as(&root, "2026-02-01T10:00:00Z", who, &["commit", "-qm", "Forums merge postmortem: sharper lesson"]);
    let site = build(&tmp);
    let page = site.page("/incidents/main/");
    let history = block(&page, "<details class=\"history\">", "</details>");
    assert!(history.contains("Forums merge postmortem: sharper lesson"), "{history}");
    assert!(history.contains("1 change<"), "{history}");
    site.nowhere("Core pipeline");
    assert!(page.contains("Published <time datetime=\"2026-02-01"), "dates from the commits that remain");
    // Every commit of older.md is listed: no git dates, no revision list.
    let older = site.page("/incidents/older/");
    assert!(!older.contains("class=\"history\"") && !older.contains("Not yet committed"));
}

#[test]
fn the_connected_list_keeps_the_ten_strongest_and_says_how_many_more() {
    let tmp = TempDir::new("page-linked-cap");
    let root = tmp.path().join("site");
    let mut files = vec![("rca-site.toml".to_string(), CONFIG.to_string())];
    for k in 0..13 {
        // All share one cause; x12 also lists x00 as related.
        let related = if k == 12 { "related: [x00]\n" } else { "" };
        files.push((
            format!("content/incidents/x{k:02}.md"),
            format!(
                "---\ntitle: Incident {k}\ndate: 2021-01-{:02}\ncauses: [shared-cause]\n{related}---\nBody.\n",
                k + 1
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    write(&root, &refs);
    let site = build(&tmp);
    let page = site.page("/incidents/x00/");
    let linked = block(&page, "<section class=\"incident-section linked\"", "</section>");
    assert_eq!(linked.matches("<li>").count(), 10, "{linked}");
    // 11 connected: the 5 nearest of the cause (x01–x05), 5 scored as related
    // (newest first, x07–x11) and x12, listed as related: 10 shown.
    assert!(linked.contains("1 more incident with the same causes"), "{linked}");
    assert!(linked.contains("12 since."), "the count per cause is not capped: {linked}");
    // The explicit link ranks first.
    let first = block(linked, "<li>", "</span>");
    assert!(first.contains("/incidents/x12/") && first.contains("Listed as related"), "{first}");
}

/// The section the action items are read from is the one the page shows
/// them in: a "Remediation" section, with no `action_items:` in the front
/// matter, gets the tracked items' table, not a second "Action items".
#[test]
fn items_read_from_a_remediation_section_are_shown_in_it() {
    let tmp = archive("remediation");
    write(
        &tmp.path().join("site"),
        &[(
            "content/incidents/fixes.md",
            "---\ntitle: Queue backlog\ndate: 2023-04-02\n---\n## What happened\n\nThe queue grew.\n\n## Remediation\n\n- [x] Raise the consumer count\n- [ ] Alert on queue depth\n\n## Lessons\n\nWatch the queue.\n",
        )],
    );
    let site = build(&tmp);
    let page = site.page("/incidents/fixes/");
    assert!(!page.contains("id=\"actions-title\""), "no second Action items section");
    let facts = block(&page, "<p class=\"facts\">", "</p>");
    assert!(facts.contains("href=\"#remediation\""), "{facts}");
    let section = &page[at(&page, "<h2 id=\"remediation\"")..at(&page, "<h2 id=\"lessons\"")];
    assert!(section.contains("1 of 2 open"), "{section}");
}
