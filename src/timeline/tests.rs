//! The timeline's rules, one test each.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::parse::*;
use super::view::*;
use super::written::*;
use crate::model::Timestamps;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Parses each line in turn (as items of one list) from an incident date.
fn read(date: &str, lines: &[&str]) -> Vec<Option<Entry>> {
    let mut cx = Context::new(d(date));
    lines.iter().map(|l| parse_item(l, &mut cx)).collect()
}

fn at(date: &str, line: &str) -> Timestamp {
    match read(date, &[line])[0].clone().unwrap_or_else(|| panic!("not read: {line}")).when {
        When::At(t) => t,
        When::Day(day) => panic!("{line}: day only {day}"),
    }
}

fn day(date: &str, line: &str) -> Date {
    match read(date, &[line])[0].clone().unwrap_or_else(|| panic!("not read: {line}")).when {
        When::Day(day) => day,
        When::At(t) => panic!("{line}: instant {t}"),
    }
}

#[test]
fn iso_day_alone() {
    assert_eq!(day("2024-01-01", "2024-11-19 — rollout begins"), d("2024-11-19"));
    assert_eq!(read("2024-01-01", &["2024-11-19: rollout"])[0].as_ref().unwrap().text, "rollout");
}

#[test]
fn iso_day_and_time_is_utc_without_a_zone() {
    assert_eq!(at("2024-01-01", "2024-11-19 08:43 — page fires"), ts("2024-11-19T08:43:00Z"));
    assert_eq!(at("2024-01-01", "2024-11-19 08:43:12: x"), ts("2024-11-19T08:43:12Z"));
    assert_eq!(at("2024-01-01", "2024-11-19, 08:43 UTC: x"), ts("2024-11-19T08:43:00Z"));
}

#[test]
fn iso_timestamps_with_offsets() {
    assert_eq!(at("2024-01-01", "2024-11-19T08:43:00Z deploy"), ts("2024-11-19T08:43:00Z"));
    assert_eq!(at("2024-01-01", "2024-11-19T08:43:00-07:00 deploy"), ts("2024-11-19T15:43:00Z"));
    assert_eq!(at("2024-01-01", "2024-11-19T08:43+01:00 — deploy"), ts("2024-11-19T07:43:00Z"));
    assert_eq!(at("2024-01-01", "2024-11-19T08:43:00.250Z deploy"), ts("2024-11-19T08:43:00Z"));
    assert_eq!(at("2024-01-01", "2024-11-19 08:43 UTC+2 deploy"), ts("2024-11-19T06:43:00Z"));
}

#[test]
fn time_with_zone_takes_the_incident_date() {
    let e = read("2024-11-19", &["08:43 UTC — alert fires"])[0].clone().unwrap();
    assert_eq!(e.when, When::At(ts("2024-11-19T08:43:00Z")));
    assert_eq!(e.text, "alert fires");
    assert_eq!(at("2024-11-19", "14:05 - x"), ts("2024-11-19T14:05:00Z"));
}

#[test]
fn twelve_hour_clock_with_abbreviations() {
    assert_eq!(at("2024-01-17", "11:01 AM EST — x"), ts("2024-01-17T16:01:00Z"));
    assert_eq!(at("2024-07-17", "2:05 PM PDT: x"), ts("2024-07-17T21:05:00Z"));
    assert_eq!(at("2024-07-17", "12:30 am UTC x"), ts("2024-07-17T00:30:00Z"));
    assert_eq!(at("2024-07-17", "12:30 p.m. (CEST) x"), ts("2024-07-17T10:30:00Z"));
    assert_eq!(at("2024-07-17", "9am GMT x"), ts("2024-07-17T09:00:00Z"));
}

#[test]
fn month_name_days() {
    assert_eq!(day("2024-01-10", "Jan 17: the fix ships"), d("2024-01-17"));
    assert_eq!(day("2024-01-10", "January 17, 2023 — earlier"), d("2023-01-17"));
    assert_eq!(day("2024-01-10", "17 Jan 2024 - x"), d("2024-01-17"));
    assert_eq!(day("2024-01-10", "Sept. 3rd: x"), d("2023-09-03"));
    assert_eq!(at("2024-01-10", "Jan 17, 2:05 PM PST: x"), ts("2024-01-17T22:05:00Z"));
    assert_eq!(at("2024-01-10", "Jan 17 at 14:05 UTC: x"), ts("2024-01-17T14:05:00Z"));
}

#[test]
fn named_regions_follow_daylight_saving_time() {
    // 2021-10-06 is in PDT (UTC−7); 2021-12-06 in PST (UTC−8).
    assert_eq!(at("2021-10-06", "2021-10-06 2pm pacific — x"), ts("2021-10-06T21:00:00Z"));
    assert_eq!(at("2021-12-06", "2021-12-06 2pm Pacific time: x"), ts("2021-12-06T22:00:00Z"));
    assert_eq!(at("2024-03-01", "09:00 eastern — x"), ts("2024-03-01T14:00:00Z"));
    assert_eq!(at("2024-06-01", "09:00 ET — x"), ts("2024-06-01T13:00:00Z"));
    assert_eq!(at("2024-06-01", "09:00 Europe/Berlin — x"), ts("2024-06-01T07:00:00Z"));
    assert_eq!(at("2024-12-01", "09:00 Europe/Berlin — x"), ts("2024-12-01T08:00:00Z"));
}

#[test]
fn across_the_dst_change_durations_are_real_time() {
    // US clocks sprang forward at 02:00 on 2021-03-14: 01:30 PST to
    // 03:30 PDT is one hour, not two.
    let e = read("2021-03-14", &["1:30 AM pacific — start", "3:30 AM pacific — end"]);
    let (a, b) = (e[0].clone().unwrap().when, e[1].clone().unwrap().when);
    let (When::At(a), When::At(b)) = (a, b) else { panic!() };
    assert_eq!(b.duration_since(a), SignedDuration::from_hours(1));
    assert_eq!(t_offset(b.duration_since(a)), "T+1 h");
    // And in autumn 2021-11-07, 00:30 to 03:30 pacific is four hours.
    let e = read("2021-11-07", &["00:30 pacific — a", "03:30 pacific — b"]);
    let (Some(Entry { when: When::At(a), .. }), Some(Entry { when: When::At(b), .. })) = (&e[0], &e[1]) else {
        panic!()
    };
    assert_eq!(b.duration_since(*a), SignedDuration::from_hours(4));
}

#[test]
fn dates_and_zones_carry_forward() {
    let e = read(
        "2021-10-01",
        &[
            "2021-10-12 16:19 PDT — deploy",
            "16:25 — session ends",
            "23:50 — last check",
            "00:10 — alert",
            "Oct 14: review",
        ],
    );
    let whens: Vec<When> = e.iter().map(|e| e.as_ref().unwrap().when).collect();
    assert_eq!(whens[0], When::At(ts("2021-10-12T23:19:00Z")));
    assert_eq!(whens[1], When::At(ts("2021-10-12T23:25:00Z")), "PDT carried forward");
    assert_eq!(whens[2], When::At(ts("2021-10-13T06:50:00Z")));
    assert_eq!(whens[3], When::At(ts("2021-10-13T07:10:00Z")), "past midnight: next day");
    assert_eq!(whens[4], When::Day(d("2021-10-14")));
}

#[test]
fn small_backward_steps_do_not_roll_over() {
    let e = read("2024-05-01", &["14:05 UTC — a", "14:00 — b (written out of order)"]);
    assert_eq!(e[1].as_ref().unwrap().when, When::At(ts("2024-05-01T14:00:00Z")));
}

#[test]
fn year_is_the_nearest() {
    let e = read("2024-12-28", &["Dec 30: a", "Jan 2: b"]);
    assert_eq!(e[0].as_ref().unwrap().when, When::Day(d("2024-12-30")));
    assert_eq!(e[1].as_ref().unwrap().when, When::Day(d("2025-01-02")));
    assert_eq!(day("2021-01-05", "Dec 20: before the incident"), d("2020-12-20"));
}

#[test]
fn ranges_take_their_start_and_their_zone() {
    assert_eq!(at("2024-05-01", "08:43–09:10 PDT — degraded"), ts("2024-05-01T15:43:00Z"));
    assert_eq!(at("2024-05-01", "2pm to 3pm EST: x"), ts("2024-05-01T19:00:00Z"));
}

#[test]
fn lines_it_must_refuse() {
    let refused = [
        "v2.3 rollout begins",
        "500 errors climb",
        "10 minutes later, the alert fires",
        "3:1 ratio of reads to writes",
        "2024-13-01 — not a month",
        "2024-02-30 — not a day",
        "25:00 UTC — not an hour",
        "10:75 — not a minute",
        "13 pm — not a 12-hour time",
        "0 am — x",
        "2024-11-19x",
        "12345 requests",
        "The deploy starts at 08:43",
        "",
        "Mayday called",
        "Marching orders",
        "14:05 IST — ambiguous zone",
        "08:43 Mars/Olympus — unknown zone",
        "T+5 min: the page fires",
        "~08:43 roughly",
    ];
    for line in refused {
        assert!(read("2024-05-01", &[line])[0].is_none(), "should refuse {line:?}");
    }
}

#[test]
fn words_after_the_time_are_text_not_zones() {
    let e = read("2024-05-01", &["14:05 Central database fails over"])[0].clone().unwrap();
    assert_eq!(e.when, When::At(ts("2024-05-01T14:05:00Z")));
    assert_eq!(e.text, "Central database fails over");
    let e = read("2024-05-01", &["14:05 Et cetera"])[0].clone().unwrap();
    assert_eq!(e.when, When::At(ts("2024-05-01T14:05:00Z")));
}

#[test]
fn section_items_reads_only_the_timeline_list() {
    let body = "## Summary\n\n- 08:00 UTC — not in the timeline\n\n## Timeline\n\n\
        Intro paragraph.\n\n- **08:43 UTC** — alert fires\n  and pages\n- 09:00 — `db-1` fails over\n  - nested 09:01 detail\n\
        1. 10:00 — [linked](https://x) text\n\n```\n- 11:00 in a code block\n```\n\n### Day two\n\n* Jan 17: review\n\n## Root cause\n\n- 12:00 — later\n";
    assert_eq!(
        section_items(body),
        vec!["08:43 UTC — alert fires and pages", "09:00 — db-1 fails over", "10:00 — linked text", "Jan 17: review"]
    );
    assert!(section_items("## Summary\n\n- 08:00 x\n").is_empty());
    assert_eq!(section_items("## Timeline (UTC)\n\n- a\n"), vec!["a"]);
    assert!(!written("## Summary\n").found);
}

/// The anchor "Timeline as written" links to, found as `of_incident`
/// finds it, and every id the rendered page has.
fn anchor_and_ids(body: &str) -> (Option<String>, Vec<String>) {
    let src = crate::markdown::Source { path: "content/incidents/x.md", body_line: 1 };
    let r = crate::markdown::render(body, &src, &crate::markdown::NoLinks, false);
    let w = written(body);
    let anchor = if w.found { r.anchor_at(w.line).map(str::to_string) } else { None };
    let ids = r.html.split(" id=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_string).collect();
    (anchor, ids)
}

#[test]
fn the_timeline_anchor_is_the_id_the_page_gives_its_heading() {
    for (body, want) in [
        ("## Timeline (UTC)\n\n- a\n", "timeline-utc"),
        ("## Timeline {#events}\n\n- a\n", "events"),
        // An earlier heading took `timeline`: the renderer counts on
        // (this linked to #timeline while the section was timeline-1).
        ("## Overview {#timeline}\n\nx\n\n## Timeline\n\n- 08:00 a\n", "timeline-1"),
        ("# Report\n\n## Timeline\n\n- 08:00 a\n\n## Summary\n\n### Timeline\n", "timeline"),
        // The renderer reads the id `a` (and drops `b` with a warning);
        // the copy in sections.rs said `a b`.
        ("## Timeline {#a b}\n\n- 08:00 a\n", "a"),
        ("Timeline\n--------\n\n- 08:00 a\n", "timeline"),
    ] {
        let (anchor, ids) = anchor_and_ids(body);
        assert_eq!(anchor.as_deref(), Some(want), "{body:?}");
        assert!(ids.iter().any(|i| i == want), "{body:?}: {ids:?}");
    }
    assert_eq!(anchor_and_ids("## Summary\n\n- a\n").0, None);
}

#[test]
fn merges_front_matter_and_marks_the_impact_window() {
    let stamps = Timestamps {
        started: Some(ts("2024-11-19T01:17:00Z")),
        detected: Some(ts("2024-11-19T08:43:00Z")),
        mitigated: Some(ts("2024-11-19T12:00:00Z")),
        resolved: Some(ts("2024-11-19T17:43:00Z")),
    };
    let mut cx = Context::new(d("2024-11-19"));
    let entries: Vec<Entry> =
        ["2024-11-18 — change reviewed", "2024-11-19 08:43 UTC — alert fires", "10:00 — cause found", "v2 rollout"]
            .iter()
            .filter_map(|l| parse_item(l, &mut cx))
            .collect();
    let t = build(&stamps, &entries, 4);
    assert_eq!((t.read, t.unread), (3, 1));
    let offsets: Vec<&str> = t.events.iter().map(|e| e.offset.as_str()).collect();
    assert_eq!(offsets, ["T−1 d", "T+0", "T+7 h 26 min", "T+8 h 43 min", "T+10 h 43 min", "T+16 h 26 min"]);
    let labels: Vec<Vec<&str>> = t.events.iter().map(|e| e.milestones.clone()).collect();
    assert_eq!(labels[1], ["Started"]);
    assert_eq!(labels[2], ["Detected"], "the body's 08:43 item carries the milestone");
    assert_eq!(t.events[2].text, "alert fires");
    let impact: Vec<bool> = t.events.iter().map(|e| e.in_impact).collect();
    assert_eq!(impact, [false, true, true, true, false, false], "the window closes at mitigation");
    let w = t.impact.unwrap();
    assert_eq!((w.from, w.to, w.duration.as_str()), ("Started", "Mitigated", "10 h 43 min"));
}

#[test]
fn no_visual_for_a_single_point() {
    let stamps = Timestamps { started: Some(ts("2024-11-19T01:17:00Z")), ..Timestamps::default() };
    assert!(build(&stamps, &[], 0).events.is_empty());
}

#[test]
fn impact_ends_at_mitigation_without_resolution() {
    let stamps = Timestamps {
        started: Some(ts("2024-11-19T01:00:00Z")),
        mitigated: Some(ts("2024-11-19T03:30:00Z")),
        ..Timestamps::default()
    };
    let w = build(&stamps, &[], 0).impact.unwrap();
    assert_eq!((w.to, w.duration.as_str()), ("Mitigated", "2 h 30 min"));
}

#[test]
fn impact_ends_at_resolution_without_mitigation() {
    let stamps = Timestamps {
        started: Some(ts("2024-11-19T01:00:00Z")),
        resolved: Some(ts("2024-11-19T05:00:00Z")),
        ..Timestamps::default()
    };
    let w = build(&stamps, &[], 0).impact.unwrap();
    assert_eq!((w.to, w.duration.as_str()), ("Resolved", "4 h"));
}

fn utc(s: &str) -> Timestamp {
    ts(s)
}

fn events(body: &str, date: &str) -> (Vec<Entry>, Vec<usize>) {
    super::read(&written(body), d(date))
}

#[test]
fn table_rows_under_a_cet_note_follow_central_european_clocks() {
    let body =
        "## Timeline\n\nAll times in CET.\n\n| Time | Event |\n|---|---|\n| 2021-06-22 08:21 | VPC CNI replaced |\n\
        | 08:40 | pods fail |\n| soon after | escalated |\n| 2021-12-01 09:00 | review |\n";
    let (e, unread) = events(body, "2021-06-22");
    // June: CEST, UTC+2. December: CET, UTC+1.
    assert_eq!(e[0].when, When::At(utc("2021-06-22T06:21:00Z")));
    assert_eq!(e[0].text, "VPC CNI replaced");
    assert_eq!(e[1].when, When::At(utc("2021-06-22T06:40:00Z")));
    assert_eq!(e[2].when, When::At(utc("2021-12-01T08:00:00Z")));
    assert_eq!(unread, [8], "the row without a time, by its line");
}

#[test]
fn time_columns_by_header_and_zones_in_headers() {
    let body = "### Chronology\n\n| Event | Date | Time (Pacific) |\n|---|---|---|\n| deploy | 2021-10-06 | 14:00 |\n";
    let (e, _) = events(body, "2021-10-06");
    assert_eq!(e[0].when, When::At(utc("2021-10-06T21:00:00Z")));
    assert_eq!(e[0].text, "deploy");
}

#[test]
fn notes_set_the_zone_of_list_items() {
    let (e, _) = events("## Timeline\n\n(Pacific)\n\n- 2021-03-01 09:00 — a\n- 18:30 UTC — b\n", "2021-03-01");
    assert_eq!(e[0].when, When::At(utc("2021-03-01T17:00:00Z")));
    assert_eq!(e[1].when, When::At(utc("2021-03-01T18:30:00Z")), "an entry's own zone wins");
    let (e, _) = events("## Timeline (UTC)\n\n- 09:00 — a\n", "2021-03-01");
    assert_eq!(e[0].when, When::At(utc("2021-03-01T09:00:00Z")));
    assert!(note_zone("Times are US/Pacific").is_some());
    assert_eq!(note_zone("All times UTC"), Some(TimeZone::UTC));
    assert!(note_zone("The team met in the PT office").is_none(), "prose, not a note about times");
    assert!(note_zone("Times are in CET or PT").is_none(), "two zones: neither");
    assert!(note_zone("Times are approximate").is_none());
}

#[test]
fn headings_that_name_the_timeline() {
    for h in
        ["timeline", "chronology", "timeline of events", "incident timeline", "timeline (utc)", "detailed timeline"]
    {
        assert!(is_timeline_heading(h), "{h}");
    }
    for h in ["summary", "timelines are hard to write", "action items"] {
        assert!(!is_timeline_heading(h), "{h}");
    }
}

#[test]
fn never_panics_on_any_prefix_of_odd_input() {
    let odd = [
        "2024-11-19T08:43:00−07:00 — x",
        "08:43 —— ünïcode",
        "Jan 1७: x",
        "12:30 p.m",
        "2pm pacific (",
        "+99:99",
        "08:43 (UTC",
        "—",
        "10 a",
        "Ω 08:43",
    ];
    for s in odd {
        for (n, _) in s.char_indices().chain([(s.len(), ' ')]) {
            let mut cx = Context::new(d("2024-01-01"));
            let _ = parse_item(&s[..n], &mut cx);
            let _ = section_items(&format!("## Timeline\n\n- {}", &s[..n]));
        }
    }
}
