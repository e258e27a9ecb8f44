//! The top of an incident page: the one line of facts a reader wants first
//! (when it ran, in the postmortem's own zone and in UTC; how long it took
//! to detect, mitigate and resolve), and the cut points that let the page
//! show the visual timeline and the tracked action items inside the body's
//! own "Timeline" and "Action items" sections instead of a second time
//! beside them.
//!
//! Plain functions over the incident and its rendered body, so each rule
//! has a unit test; src/pages/incident.rs hands the results to incident.html.

use jiff::{tz::TimeZone, Timestamp};
use serde::Serialize;

use crate::dates;
use crate::markdown::TocEntry;
use crate::model::Incident;

/// When the incident ran and how long each phase took.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Facts {
    pub window: Option<Window>,
    /// "Detected in 2 h 40 min", then mitigated and resolved, those known.
    pub spans: Vec<Span>,
}

/// Start → end (start: `started`, else `detected`; end: `resolved`, else
/// `mitigated`), written in UTC and, when the postmortem names a zone for
/// its timeline ("All times in CET"), in that zone too.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Window {
    pub from_iso: String,
    pub to_iso: Option<String>,
    /// `10 Dec 2024 05:00 → 11 Dec 12:00 UTC`.
    pub utc: String,
    /// `10 Dec 2024 06:00 → 11 Dec 13:00 CET`, when the zone is not UTC.
    pub local: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Span {
    /// `detect`, `mitigate`, `resolve`.
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
}

/// `zone`: the zone the incident's written timeline names, if any
/// ([`crate::timeline::written`]).
pub fn of_incident(i: &Incident, zone: Option<&TimeZone>) -> Facts {
    facts(i, zone)
}

fn facts(i: &Incident, zone: Option<&TimeZone>) -> Facts {
    let ts = &i.timestamps;
    let spans = [
        ("detect", "Detected in", ts.time_to_detect()),
        ("mitigate", "Mitigated in", ts.time_to_mitigate()),
        ("resolve", "Resolved in", ts.time_to_resolve()),
    ]
    .into_iter()
    .filter_map(|(key, label, d)| d.map(|d| Span { key, label, value: dates::human_duration(d) }))
    .collect();
    let window = ts.started.or(ts.detected).map(|from| {
        let to = ts.resolved.or(ts.mitigated).filter(|&t| t > from);
        let utc = range(from, to, &TimeZone::UTC);
        let local = zone.map(|z| range(from, to, z)).filter(|l| *l != utc && !l.ends_with(" UTC"));
        Window { from_iso: dates::rfc3339(from), to_iso: to.map(dates::rfc3339), utc, local }
    });
    Facts { window, spans }
}

/// `10 Dec 2024 05:00 → 16:00 UTC` (same day), `10 Dec 2024 05:00 → 11 Dec
/// 12:00 UTC` (same year), else both dates in full; the zone's abbreviation
/// at the start (`CET`, `PDT`).
fn range(from: Timestamp, to: Option<Timestamp>, zone: &TimeZone) -> String {
    let a = from.to_zoned(zone.clone());
    let name = a.strftime("%Z").to_string();
    let start = format!("{} {:02}:{:02}", dates::human_date(a.date()), a.hour(), a.minute());
    let Some(to) = to else { return format!("{start} {name}") };
    let b = to.to_zoned(zone.clone());
    let clock = format!("{:02}:{:02}", b.hour(), b.minute());
    let end = if a.date() == b.date() {
        clock
    } else if a.year() == b.year() {
        let day = dates::human_date(b.date());
        format!("{} {clock}", day.rsplit_once(' ').map_or(day.as_str(), |(dm, _)| dm))
    } else {
        format!("{} {clock}", dates::human_date(b.date()))
    };
    format!("{start} → {end} {name}")
}

/// Where the page inserts its own parts into the rendered body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Insert {
    /// After the timeline heading: the figure, then the written list folded.
    TimelineStart,
    /// End of the timeline section: closes the fold.
    TimelineEnd,
    /// End of the body's action-items section: the tracked items' table.
    Actions,
}

/// A slice of the body, then what the page puts after it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BodyPart<'a> {
    pub html: &'a str,
    pub then: Option<Insert>,
}

/// The heading of the body section that action items belong in: the one
/// they are read from when the front matter has none
/// ([`crate::parse::is_actions_heading`]).
pub fn actions_heading(toc: &[TocEntry]) -> Option<&TocEntry> {
    toc.iter().find(|h| crate::parse::is_actions_heading(&h.title))
}

/// Cuts the body at the timeline heading (`timeline`: its id, when the
/// visual timeline is drawn) and at the end of the action-items section
/// (`actions`: its heading id, when there are tracked items to show).
/// A section runs to the next heading of the same or a higher level.
/// An id not found in the body leaves the body whole for that part.
pub fn body_parts<'a>(html: &'a str, timeline: Option<&str>, actions: Option<&str>) -> Vec<BodyPart<'a>> {
    let mut cuts: Vec<(usize, Insert)> = Vec::new();
    if let Some((head_end, end)) = timeline.and_then(|id| section(html, id)) {
        cuts.push((head_end, Insert::TimelineStart));
        cuts.push((end, Insert::TimelineEnd));
    }
    if let Some((_, end)) = actions.and_then(|id| section(html, id)) {
        cuts.push((end, Insert::Actions));
    }
    // TimelineEnd before Actions at the same point (adjacent sections).
    cuts.sort_by_key(|&(at, what)| (at, what != Insert::TimelineEnd));
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for (at, what) in cuts {
        parts.push(BodyPart { html: &html[from..at], then: Some(what) });
        from = at;
    }
    parts.push(BodyPart { html: &html[from..], then: None });
    parts
}

/// The byte range of a section: the end of its heading and the start of the
/// next heading of the same or a higher level (or the end of the body).
fn section(html: &str, id: &str) -> Option<(usize, usize)> {
    // memchr's searchers, not `str::find`'s: this runs over every body.
    use memchr::memmem;
    let bytes = html.as_bytes();
    let needle = format!(" id=\"{id}\"");
    let finder = memmem::Finder::new(needle.as_bytes());
    let mut search = 0;
    let (open, level) = loop {
        let at = search + finder.find(&bytes[search..])?;
        let open = memchr::memrchr(b'<', &bytes[..at])?;
        if let [b'h', l @ b'1'..=b'6'] = &bytes[open + 1..at] {
            break (open, l - b'0');
        }
        search = at + needle.len();
    };
    let close = [b'<', b'/', b'h', b'0' + level, b'>'];
    let head_end = open + memmem::find(&bytes[open..], &close)? + close.len();
    let mut end = html.len();
    let mut pos = head_end;
    while let Some(k) = memmem::find(&bytes[pos..], b"<h") {
        let at = pos + k;
        match bytes.get(at + 2) {
            Some(&l @ b'1'..=b'6') if l - b'0' <= level && matches!(bytes.get(at + 3), Some(b' ' | b'>')) => {
                end = at;
                break;
            }
            _ => pos = at + 2,
        }
    }
    Some((head_end, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamps;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn incident(stamps: Timestamps) -> Incident {
        let mut i = crate::parse::parse_incident(
            "content/incidents/x.md",
            b"---\ntitle: X\ndate: 2024-12-10\n---\nBody.\n",
            &crate::config::Config::default(),
        )
        .unwrap();
        i.timestamps = stamps;
        i
    }

    #[test]
    fn window_and_spans_in_utc_and_the_timeline_zone() {
        let stamps = Timestamps {
            started: Some(ts("2024-12-10T05:00:00Z")),
            detected: Some(ts("2024-12-10T07:40:00Z")),
            mitigated: Some(ts("2024-12-10T16:00:00Z")),
            resolved: Some(ts("2024-12-11T12:00:00Z")),
        };
        let i = incident(stamps);
        let cet = TimeZone::get("Europe/Paris").unwrap();
        let f = facts(&i, Some(&cet));
        let w = f.window.unwrap();
        assert_eq!(w.utc, "10 Dec 2024 05:00 → 11 Dec 12:00 UTC");
        assert_eq!(w.local.as_deref(), Some("10 Dec 2024 06:00 → 11 Dec 13:00 CET"));
        assert_eq!(w.to_iso.as_deref(), Some("2024-12-11T12:00:00Z"));
        let spans: Vec<(&str, &str)> = f.spans.iter().map(|s| (s.label, s.value.as_str())).collect();
        assert_eq!(spans, [("Detected in", "2 h 40 min"), ("Mitigated in", "11 h"), ("Resolved in", "31 h")]);
        // No zone named (or UTC): one line.
        assert_eq!(facts(&i, None).window.unwrap().local, None);
        assert_eq!(facts(&i, Some(&TimeZone::UTC)).window.unwrap().local, None);
    }

    #[test]
    fn window_on_one_day_across_years_and_without_an_end() {
        let one_day = Timestamps {
            started: Some(ts("2024-12-10T05:00:00Z")),
            mitigated: Some(ts("2024-12-10T06:30:00Z")),
            ..Default::default()
        };
        assert_eq!(facts(&incident(one_day), None).window.unwrap().utc, "10 Dec 2024 05:00 → 06:30 UTC");
        let years = Timestamps {
            started: Some(ts("2024-12-31T23:00:00Z")),
            resolved: Some(ts("2025-01-01T01:00:00Z")),
            ..Default::default()
        };
        assert_eq!(facts(&incident(years), None).window.unwrap().utc, "31 Dec 2024 23:00 → 1 Jan 2025 01:00 UTC");
        let open = Timestamps { detected: Some(ts("2024-12-10T05:00:00Z")), ..Default::default() };
        let f = facts(&incident(open), None);
        assert_eq!(f.window.unwrap().utc, "10 Dec 2024 05:00 UTC");
        assert!(f.spans.is_empty());
        assert_eq!(facts(&incident(Timestamps::default()), None), Facts::default());
    }

    const BODY: &str = "<h2 id=\"summary\">Summary</h2>\n<p>s</p>\n<h2 id=\"timeline\">Timeline <a class=\"anchor\" href=\"#timeline\">¶</a></h2>\n<ul><li>a</li></ul>\n<h3 id=\"sub\">Sub</h3><p>in</p>\n<h2 id=\"action-items\">Action items</h2>\n<p>Some.</p>\n<h2 id=\"lessons\">Lessons</h2><p>l</p>";

    #[test]
    fn body_parts_cut_at_the_timeline_and_after_the_action_items() {
        let parts = body_parts(BODY, Some("timeline"), Some("action-items"));
        let joined: String = parts.iter().map(|p| p.html).collect();
        assert_eq!(joined, BODY, "nothing lost or doubled");
        let then: Vec<Option<Insert>> = parts.iter().map(|p| p.then).collect();
        assert_eq!(then, [Some(Insert::TimelineStart), Some(Insert::TimelineEnd), Some(Insert::Actions), None]);
        assert!(parts[0].html.ends_with("</h2>"));
        assert!(parts[1].html.contains("<li>a</li>") && parts[1].html.contains("Sub"), "an h3 stays in its h2 section");
        assert!(parts[2].html.starts_with("<h2 id=\"action-items\"") && parts[2].html.ends_with("<p>Some.</p>\n"));
        assert!(parts[3].html.starts_with("<h2 id=\"lessons\""));
    }

    #[test]
    fn body_parts_without_the_sections_leave_the_body_whole() {
        let parts = body_parts(BODY, Some("nowhere"), None);
        assert_eq!(parts, [BodyPart { html: BODY, then: None }]);
        // An id on something that is not a heading is not a section.
        let p = "<p id=\"timeline\">x</p><h2 id=\"timeline\">T</h2>rest";
        let parts = body_parts(p, Some("timeline"), None);
        assert_eq!(parts[0].html, "<p id=\"timeline\">x</p><h2 id=\"timeline\">T</h2>");
        assert_eq!(parts[1].html, "rest");
    }

    #[test]
    fn the_action_items_heading_by_its_title() {
        let toc = |t: &str| vec![TocEntry { level: 2, id: "x".into(), title: t.into() }];
        assert!(actions_heading(&toc("Action items")).is_some());
        assert!(actions_heading(&toc("Action Items and owners")).is_some());
        assert!(actions_heading(&toc("Lessons")).is_none());
        // The section the items are read from is the one they are shown after.
        assert!(actions_heading(&toc("Remediation")).is_some());
        assert!(actions_heading(&toc("Corrective actions")).is_some());
    }
}
