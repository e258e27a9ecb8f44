//! The visual timeline of an incident page: the written entries that could
//! be read, merged with the front-matter timestamps, with offsets from the
//! start and the impact window; and the warning about entries that could
//! not be read.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use serde::Serialize;

use super::parse::{parse_item, Context, Entry, When};
use super::written::{written, WrittenTimeline};
use crate::dates;
use crate::diagnostics::{Diagnostics, Pos};
use crate::model::{Incident, Timestamps};

/// One point of the visual timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// RFC 3339 (instants) or `YYYY-MM-DD` (days), for `<time datetime>`.
    pub iso: String,
    /// The day (`13 Oct 2021`) and the time of day (`14:45 UTC`, empty for
    /// a day-only item), so lists can print the day only when it changes.
    pub day: String,
    pub clock: String,
    /// The first event, or the first on a later (UTC) day than the one before.
    pub new_day: bool,
    /// From the start of the incident: `T+7 h 26 min`, `T−3 d`, `T+0`.
    pub offset: String,
    /// Front-matter timestamps that fall on this event: `["Detected"]`.
    pub milestones: Vec<&'static str>,
    pub text: String,
    /// Whether the impact window runs on from this event to the next.
    pub in_impact: bool,
    /// A day-only item (no time of day).
    pub day_only: bool,
}

/// The visual timeline of one incident.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    pub events: Vec<Event>,
    /// `Started → Resolved` or `Started → Mitigated`, and how long.
    pub impact: Option<ImpactWindow>,
    /// The id of the `## Timeline` heading in the body, if there is one.
    pub anchor: Option<String>,
    /// How many `## Timeline` items were read as events, and how many not.
    pub read: usize,
    pub unread: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImpactWindow {
    pub from: &'static str,
    pub to: &'static str,
    pub duration: String,
}

/// The timeline of an incident: front-matter timestamps merged with the
/// `## Timeline` items, in time order. Empty when fewer than two events.
/// The section's anchor is the one the rendered `body` gave its heading.
/// `w`: the incident's written timeline ([`written`] of its body).
pub fn of_incident(i: &Incident, body: &crate::markdown::Rendered, w: &WrittenTimeline) -> Timeline {
    let (entries, _) = read(w, i.date);
    let anchor = if w.found { body.anchor_at(w.line).map(str::to_string) } else { None };
    Timeline { anchor, ..build(&i.timestamps, &entries, w.entries.len()) }
}

/// Reads the written entries in order (each leaves its date and zone to
/// the next): the events, and the lines of the entries that were not read.
pub fn read(w: &WrittenTimeline, date: Date) -> (Vec<Entry>, Vec<usize>) {
    let mut cx = Context { date, zone: w.zone.clone(), last: None };
    let mut entries = Vec::with_capacity(w.entries.len());
    let mut unread = Vec::new();
    for e in &w.entries {
        let entry = match &e.rest {
            None => parse_item(&e.stamp, &mut cx),
            // A table's date and time cells must be only that.
            Some(rest) => {
                parse_item(&e.stamp, &mut cx).filter(|x| x.text.is_empty()).map(|x| Entry { text: rest.clone(), ..x })
            }
        };
        match entry {
            Some(x) => entries.push(x),
            None => unread.push(e.line),
        }
    }
    (entries, unread)
}

/// Warns about `## Timeline` entries that have no date or time this
/// parser can read: they stay in the text as written but are not in the
/// visual timeline, and the author should know.
pub fn check(i: &Incident, diags: &mut Diagnostics) {
    let w = written(&i.body);
    let (_, unread) = read(&w, i.date);
    let Some(&first) = unread.first() else { return };
    let total = w.entries.len();
    let rows = if total == 1 { "row" } else { "rows" };
    let what = if unread.len() == 1 {
        "has no time I can read; it stays in the text but not in the visual timeline".to_string()
    } else {
        "have no time I can read (the first is here); they stay in the text but not in the visual timeline".to_string()
    };
    diags.warning(
        &i.source_path,
        Pos::new(i.body_line + first, 1),
        format!(
            "{} of {total} timeline {rows} {what} — expected a date or time at the start, such as `2024-11-19 08:43`, `08:43 UTC` or `Jan 17`",
            unread.len()
        ),
    );
}

/// Merges parsed entries with the four timestamps.
pub fn build(ts: &Timestamps, entries: &[Entry], items: usize) -> Timeline {
    let labels = ["Started", "Detected", "Mitigated", "Resolved"];
    let mut events: Vec<(When, Vec<&'static str>, String)> =
        entries.iter().map(|e| (e.when, Vec::new(), e.text.clone())).collect();
    for (label, t) in labels.iter().zip(ts.as_array()) {
        let Some(t) = t else { continue };
        match events.iter_mut().find(|(w, _, _)| *w == When::At(t)) {
            Some(e) => e.1.push(label),
            None => events.push((When::At(t), vec![label], String::new())),
        }
    }
    if events.len() < 2 {
        return Timeline { read: entries.len(), unread: items - entries.len(), ..Timeline::default() };
    }
    events.sort_by_key(|(w, _, _)| w.sort_key());
    let start = ts.started.or_else(|| {
        events.iter().find_map(|(w, _, _)| match w {
            When::At(t) => Some(*t),
            When::Day(_) => None,
        })
    });
    // The impact window ends when the impact did: at mitigation when it is
    // known (what an Impact text describes), else at resolution.
    let end = ts.mitigated.map(|t| (t, "Mitigated")).or_else(|| ts.resolved.map(|t| (t, "Resolved")));
    let impact = match (ts.started, end) {
        (Some(s), Some((e, to))) => {
            Some(ImpactWindow { from: "Started", to, duration: dates::human_duration(e.duration_since(s)) })
        }
        _ => None,
    };
    let start_day = start.map(|s| s.to_zoned(TimeZone::UTC).date());
    let mut last_day: Option<Date> = None;
    let events = events
        .into_iter()
        .map(|(when, milestones, text)| {
            // One conversion to UTC per event; every label derives from it.
            let (date, clock, iso, offset) = match when {
                When::At(t) => {
                    let dt = t.to_zoned(TimeZone::UTC).datetime();
                    (
                        dt.date(),
                        format!("{:02}:{:02} UTC", dt.hour(), dt.minute()),
                        dates::rfc3339(t),
                        start.map(|s| t_offset(t.duration_since(s))),
                    )
                }
                When::Day(d) => {
                    (d, String::new(), dates::iso_date(d), start_day.map(|s| day_offset(dates::days_between(s, d))))
                }
            };
            let new_day = last_day != Some(date);
            last_day = Some(date);
            let in_impact = match (when, ts.started, end) {
                (When::At(t), Some(s), Some((e, _))) => s <= t && t < e,
                _ => false,
            };
            Event {
                iso,
                day: dates::human_date(date),
                clock,
                new_day,
                offset: offset.unwrap_or_default(),
                milestones,
                text,
                in_impact,
                day_only: matches!(when, When::Day(_)),
            }
        })
        .collect();
    Timeline { events, impact, anchor: None, read: entries.len(), unread: items - entries.len() }
}

/// `T+7 h 26 min`, `T−3 d 4 h`, `T+0`.
pub fn t_offset(d: SignedDuration) -> String {
    if d.is_zero() {
        return "T+0".to_string();
    }
    let sign = if d.is_negative() { '−' } else { '+' };
    format!("T{sign}{}", dates::human_duration(d.abs()))
}

pub(super) fn day_offset(days: i64) -> String {
    match days {
        0 => "same day".to_string(),
        d if d < 0 => format!("T−{} d", -d),
        d => format!("T+{d} d"),
    }
}
