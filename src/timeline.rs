//! Timelines: the incident's front-matter timestamps plus the items of the
//! body's `## Timeline` section that begin with a date or a time.
//!
//! Postmortems write times in many ways: `2024-11-19 08:43 UTC`, `08:43`,
//! `11:01 AM EST`, `Jan 17:`, `2021-10-06 2pm pacific`. The parser reads the
//! forms people really use and nothing else: a line it cannot read with
//! certainty ("v2.3 rollout", "500 errors", "10 minutes later") is not an
//! event, and stays plain text in the Markdown list. The list itself is
//! rendered as written; this module only feeds the visual timeline.
//!
//! Rules for what is left unsaid:
//! - a time without a date takes the date of the item before it (or the
//!   incident's `date`); when it would go back more than two hours, it is
//!   the next day (23:50, then 00:10);
//! - a date without a year takes the year that puts it nearest the item
//!   before it (Dec 30 then Jan 2 crosses the new year);
//! - a time without a zone takes the zone of the item before it, else UTC
//!   (as front-matter timestamps do);
//! - named zones are converted with the time-zone database, so "pacific"
//!   is PST or PDT depending on the day; abbreviations (PDT, CET) mean the
//!   fixed offset they name; ambiguous ones (IST, AST) make the line unread.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::dates;
use crate::diagnostics::{Diagnostics, Pos};
use crate::model::{Incident, Timestamps};
use crate::sections::{self, Block};

/// When a timeline item happened: an instant, or only a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    At(Timestamp),
    Day(Date),
}

impl When {
    /// The instant used for ordering: the day's start in UTC for a day.
    pub fn sort_key(self) -> Timestamp {
        match self {
            When::At(t) => t,
            When::Day(d) => dates::day_start(d),
        }
    }
}

/// One item of the `## Timeline` list that begins with a date or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub when: When,
    /// The item's text after the date or time and its separator.
    pub text: String,
}

/// What the items before this one said, for the items that leave it out.
#[derive(Debug, Clone)]
pub struct Context {
    date: Date,
    zone: Option<TimeZone>,
    last: Option<Timestamp>,
}

impl Context {
    /// Starts from the incident's `date`.
    pub fn new(date: Date) -> Context {
        Context { date, zone: None, last: None }
    }
}

/// Reads the date or time an item begins with; `None` when the item does
/// not begin with one this parser can read with certainty.
pub fn parse_item(text: &str, cx: &mut Context) -> Option<Entry> {
    let s = text.trim_start();
    let (date, named, rest) = match parse_date(s, cx.date) {
        Some((d, named, rest)) => (Some(d), named, rest),
        None => (None, false, s),
    };
    // "2024-11-19T08:43", "2024-11-19, 08:43" and "Jan 17 at 2pm"
    let iso = date.is_some() && rest.starts_with('T');
    let after_date = if date.is_some() { skip_date_time_gap(rest) } else { rest };
    let (time, rest) = match parse_time(after_date, iso) {
        Some((t, zone, rest)) => (Some((t, zone)), rest),
        None if date.is_some() => (None, rest),
        None => return None,
    };
    // "May 5 servers failed" is not a date: a day written with a month
    // name and no time must be followed by punctuation.
    if named && time.is_none() && !ends_stamp(rest) {
        return None;
    }
    let text = take_separator(rest)?.to_string();

    let Some((time, zone)) = time else {
        let date = date?;
        cx.date = date;
        cx.last = None;
        return Some(Entry { when: When::Day(date), text });
    };
    let zone = match zone {
        Some(Zone::Unknown) => return None,
        Some(Zone::Known(tz)) => tz,
        None => cx.zone.clone().unwrap_or(TimeZone::UTC),
    };
    let explicit_date = date.is_some();
    let mut day = date.unwrap_or(cx.date);
    let mut at = instant(day, time, &zone)?;
    if !explicit_date {
        if let Some(last) = cx.last {
            // Going back in time by more than two hours: past midnight.
            if at.duration_since(last) < SignedDuration::from_hours(-2) {
                day = day.tomorrow().ok()?;
                at = instant(day, time, &zone)?;
            }
        }
    }
    cx.date = day;
    cx.zone = Some(zone);
    cx.last = Some(at);
    Some(Entry { when: When::At(at), text })
}

fn instant(day: Date, time: Time, zone: &TimeZone) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(DateTime::from_parts(day, time)).compatible().ok()
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `2024-11-19`, `Jan 17`, `January 17, 2024`, `17 Jan 2024`.
/// The flag says whether the month was written as a name.
fn parse_date(s: &str, near: Date) -> Option<(Date, bool, &str)> {
    if let Some((d, rest)) = iso_date(s) {
        return Some((d, false, rest));
    }
    if let Some((month, rest)) = month_name(s) {
        let rest = rest.strip_prefix('.').unwrap_or(rest);
        let rest = rest.strip_prefix(' ')?.trim_start();
        let (day, rest) = digits(rest, 1, 2)?;
        let rest = strip_ordinal(rest);
        let (year, rest) = year_after(rest);
        return Some((calendar(year, month, day, near)?, true, rest));
    }
    let (day, rest) = digits(s, 1, 2)?;
    let rest = strip_ordinal(rest).strip_prefix(' ')?;
    let (month, rest) = month_name(rest.trim_start())?;
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let (year, rest) = year_after(rest);
    Some((calendar(year, month, day, near)?, true, rest))
}

fn iso_date(s: &str) -> Option<(Date, &str)> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !b[..10].iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()) {
        return None;
    }
    if b.get(10).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = s[..10].parse::<Date>().ok()?;
    Some((d, &s[10..]))
}

/// A month name or its three-letter abbreviation, as a whole word.
fn month_name(s: &str) -> Option<(i8, &str)> {
    let word_len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = s[..word_len].to_ascii_lowercase();
    let n = MONTH_NAMES.iter().position(|m| *m == word).or_else(|| match word.as_str() {
        "sept" => Some(8),
        w => MONTHS.iter().position(|m| *m == w),
    })?;
    Some((n as i8 + 1, &s[word_len..]))
}

fn strip_ordinal(s: &str) -> &str {
    for suffix in ["st", "nd", "rd", "th"] {
        if let Some(rest) = s.strip_prefix(suffix) {
            if !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                return rest;
            }
        }
    }
    s
}

/// `, 2024` or ` 2024` after a day and month.
fn year_after(s: &str) -> (Option<i16>, &str) {
    let t = s.strip_prefix(',').unwrap_or(s);
    let Some(t) = t.strip_prefix(' ') else { return (None, s) };
    match digits(t.trim_start(), 4, 4) {
        // "Jan 17 2024" but not "Jan 17 2024:30" or "Jan 17 20:30"
        Some((y, rest)) if !rest.starts_with(':') => (Some(y as i16), rest),
        _ => (None, s),
    }
}

/// The date with that month and day; without a year, the one nearest `near`.
fn calendar(year: Option<i16>, month: i8, day: u32, near: Date) -> Option<Date> {
    let day = i8::try_from(day).ok()?;
    if let Some(y) = year {
        return Date::new(y, month, day).ok();
    }
    [near.year() - 1, near.year(), near.year() + 1]
        .into_iter()
        .filter_map(|y| Date::new(y, month, day).ok())
        .min_by_key(|d| dates::days_between(near, *d).abs())
}

fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn skip_date_time_gap(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('T') {
        return rest;
    }
    let t = s.strip_prefix(',').unwrap_or(s).trim_start_matches(' ');
    let t = t.strip_prefix("at ").unwrap_or(t);
    if t.len() == s.len() {
        s
    } else {
        t
    }
}

enum Zone {
    Known(TimeZone),
    /// A zone was written but cannot be read with certainty.
    Unknown,
}

/// `08:43`, `08:43:12`, `8:43 am`, `11:01 AM`, `2pm`, then an optional
/// range end (`08:43–09:10`) and an optional zone. In an ISO timestamp
/// (`iso`), `-07:00` right after the time is an offset, not a range.
fn parse_time(s: &str, iso: bool) -> Option<(Time, Option<Zone>, &str)> {
    let (time, rest) = clock(s)?;
    if iso || rest.starts_with('+') {
        if let Some((offset, rest)) = numeric_offset(rest) {
            return Some((time, Some(Zone::Known(TimeZone::fixed(offset))), rest));
        }
    }
    let rest = skip_range_end(rest);
    let (zone, rest) = zone(rest);
    Some((time, zone, rest))
}

fn clock(s: &str) -> Option<(Time, &str)> {
    let (hour, rest) = digits(s, 1, 2)?;
    let (minute, second, rest) = match rest.strip_prefix(':') {
        Some(r) => {
            let (m, r) = digits(r, 2, 2)?;
            match r.strip_prefix(':').and_then(|r| digits(r, 2, 2)) {
                Some((sec, r)) => {
                    // Fractions of a second in ISO timestamps.
                    let r = match r.strip_prefix('.') {
                        Some(f) => f.trim_start_matches(|c: char| c.is_ascii_digit()),
                        None => r,
                    };
                    (m, sec, r)
                }
                None => (m, 0, r),
            }
        }
        None => (0, 0, rest),
    };
    let has_minutes = rest.len() < s.len() - digits_len(s);
    let (meridiem, rest) = meridiem(rest);
    let hour = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return None;
            }
            (hour % 12) + if pm { 12 } else { 0 }
        }
        // A bare number ("500 errors", "10 minutes") is not a time.
        None if !has_minutes => return None,
        None => hour,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let time = Time::new(hour as i8, minute as i8, second as i8, 0).ok()?;
    Some((time, rest))
}

fn digits_len(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `am`, ` PM`, `a.m.`; must end the word.
fn meridiem(s: &str) -> (Option<bool>, &str) {
    let t = s.strip_prefix(' ').unwrap_or(s);
    for (word, pm) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
        if t.get(..word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word)) {
            let rest = &t[word.len()..];
            if !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                return (Some(pm), rest);
            }
        }
    }
    (None, s)
}

/// Skips the end of a range such as `08:43–09:10` or `2pm to 3pm`, so the
/// zone after it applies; the event is the start.
fn skip_range_end(s: &str) -> &str {
    let t = s.trim_start_matches(' ');
    let t = t
        .strip_prefix('–')
        .or_else(|| t.strip_prefix('-'))
        .or_else(|| t.strip_prefix('—'))
        .or_else(|| t.strip_prefix("to "));
    match t.map(|t| t.trim_start_matches(' ')).and_then(clock) {
        Some((_, rest)) => rest,
        None => s,
    }
}

/// Fixed-offset abbreviations: what they name is unambiguous.
const ABBREVIATIONS: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("UT", 0),
    ("Z", 0),
    ("EST", -5),
    ("EDT", -4),
    ("CST", -6),
    ("CDT", -5),
    ("MST", -7),
    ("MDT", -6),
    ("PST", -8),
    ("PDT", -7),
    ("AKST", -9),
    ("AKDT", -8),
    ("HST", -10),
    ("WET", 0),
    ("WEST", 1),
    ("CET", 1),
    ("CEST", 2),
    ("EET", 2),
    ("EEST", 3),
    ("BST", 1),
    ("MSK", 3),
    ("JST", 9),
    ("KST", 9),
    ("SGT", 8),
    ("HKT", 8),
    ("AEST", 10),
    ("AEDT", 11),
    ("NZST", 12),
    ("NZDT", 13),
];

/// Abbreviations that name more than one zone (IST: India, Ireland, Israel).
const AMBIGUOUS: &[&str] = &["IST", "AST", "ADT", "ECT", "SST", "CAT", "GST"];

/// Region names, converted with daylight saving time as it was that day.
const REGIONS: &[(&str, &str)] = &[
    ("pacific", "America/Los_Angeles"),
    ("pt", "America/Los_Angeles"),
    ("mountain", "America/Denver"),
    ("mt", "America/Denver"),
    ("central", "America/Chicago"),
    ("ct", "America/Chicago"),
    ("eastern", "America/New_York"),
    ("et", "America/New_York"),
];

fn zone<'a>(s: &'a str) -> (Option<Zone>, &'a str) {
    // "Z" sticks to the time in ISO timestamps.
    if let Some(rest) = s.strip_prefix('Z') {
        if !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return (Some(Zone::Known(TimeZone::UTC)), rest);
        }
    }
    let t = s.trim_start_matches(' ');
    if t.len() == s.len() && !s.starts_with('(') {
        return (None, s);
    }
    let (paren, t) = match t.strip_prefix('(') {
        Some(t) => (true, t),
        None => (false, t),
    };
    let close = |rest: &'a str| -> Option<&'a str> {
        if paren {
            rest.strip_prefix(')')
        } else {
            Some(rest)
        }
    };
    let word_len = t.bytes().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_')).count();
    let word = &t[..word_len];
    let rest = &t[word_len..];
    if word.is_empty() {
        return (None, s);
    }
    // UTC+2, GMT-07:00
    if word == "UTC" || word == "GMT" {
        if let Some((offset, r)) = numeric_offset(rest) {
            return match close(r) {
                Some(r) => (Some(Zone::Known(TimeZone::fixed(offset))), r),
                None => (None, s),
            };
        }
    }
    if let Some((_, hours)) = ABBREVIATIONS.iter().find(|(a, _)| *a == word) {
        return match (close(rest), Offset::from_hours(*hours as i8)) {
            (Some(r), Ok(off)) => (Some(Zone::Known(TimeZone::fixed(off))), r),
            _ => (None, s),
        };
    }
    if AMBIGUOUS.contains(&word) {
        return (Some(Zone::Unknown), rest);
    }
    // "pacific" or "Pacific time", only when the stamp ends there:
    // "14:05 Central database fails" is text, not a zone.
    let lower = word.to_ascii_lowercase();
    if let Some((_, iana)) = REGIONS.iter().find(|(r, _)| *r == lower) {
        if lower.len() == 2 && word != word.to_ascii_uppercase() {
            return (None, s);
        }
        let rest = match rest.strip_prefix(" time").or_else(|| rest.strip_prefix(" Time")) {
            Some(r) => r,
            None => rest,
        };
        let Some(rest) = close(rest) else { return (None, s) };
        if ends_stamp(rest) {
            return match TimeZone::get(iana) {
                Ok(tz) => (Some(Zone::Known(tz)), rest),
                Err(_) => (Some(Zone::Unknown), rest),
            };
        }
        return (None, s);
    }
    // IANA names: Europe/Berlin, America/New_York
    if word.contains('/') && word.starts_with(|c: char| c.is_ascii_uppercase()) {
        return match (TimeZone::get(word), close(rest)) {
            (Ok(tz), Some(r)) => (Some(Zone::Known(tz)), r),
            _ => (Some(Zone::Unknown), rest),
        };
    }
    (None, s)
}

/// `+02:00`, `-0700`, `+2` right after a time.
fn numeric_offset(s: &str) -> Option<(Offset, &str)> {
    let (sign, r) = match s.strip_prefix('+') {
        Some(r) => (1, r),
        None => (-1, s.strip_prefix('-').or_else(|| s.strip_prefix('−'))?),
    };
    let n = digits_len(r);
    let (hours, minutes, rest) = match n {
        1 | 2 => {
            let h: i32 = r[..n].parse().ok()?;
            match r[n..].strip_prefix(':').and_then(|m| digits(m, 2, 2)) {
                Some((m, rest)) => (h, m as i32, rest),
                None => (h, 0, &r[n..]),
            }
        }
        4 => (r[..2].parse().ok()?, r[2..4].parse().ok()?, &r[4..]),
        _ => return None,
    };
    if hours > 14 || minutes > 59 || rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let offset = Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()?;
    Some((offset, rest))
}

/// Punctuation (or nothing) follows: the stamp ends here.
fn ends_stamp(s: &str) -> bool {
    let t = s.trim_start();
    t.is_empty() || t.starts_with(['—', '–', '-', ':', '|', ',', ';', ')'])
}

/// After the stamp: the end of the item, or a separator (`—`, `-`, `:`,
/// `|`, `,`, a space) before the text. `None` when the stamp runs into
/// other characters ("2024-11-19x").
fn take_separator(s: &str) -> Option<&str> {
    if s.is_empty() {
        return Some(s);
    }
    let first = s.chars().next()?;
    if first.is_alphanumeric() {
        return None;
    }
    if !(first.is_whitespace() || matches!(first, '—' | '–' | '-' | ':' | '|' | ',' | ';' | '.' | ')' | ']' | '*'))
    {
        return None;
    }
    Some(s.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '—' | '–' | '-' | ':' | '|' | ',' | ';' | ')' | ']' | '*')
    }))
}

/// One entry of the `## Timeline` section as written: a list item, or a
/// table row with its date and time cells apart from the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Line in the body (0 = its first line).
    pub line: usize,
    /// A list item's text, or a table row's date and time cells.
    pub stamp: String,
    /// A table row's other cells, joined with " — ".
    pub rest: Option<String>,
}

impl Written {
    /// The entry as one line: `08:43 — alert fires`.
    pub fn as_line(&self) -> String {
        match &self.rest {
            Some(rest) if !rest.is_empty() => format!("{} — {rest}", self.stamp),
            _ => self.stamp.clone(),
        }
    }
}

/// The `## Timeline` section of a body as written.
#[derive(Debug, Clone, Default)]
pub struct WrittenTimeline {
    /// The heading's line in the body (its anchor is the Markdown
    /// renderer's: [`crate::markdown::Rendered::anchor_at`]).
    pub line: usize,
    /// Whether the body has a timeline section at all.
    pub found: bool,
    /// The zone a note names ("All times in CET.", "Timeline (UTC)",
    /// a `Time (Pacific)` column), for entries that name none.
    pub zone: Option<TimeZone>,
    pub entries: Vec<Written>,
}

/// The text of each entry of the body's `## Timeline` section (inline
/// Markdown reduced to plain text; a table row as `time — event`).
pub fn section_items(body: &str) -> Vec<String> {
    written(body).entries.iter().map(Written::as_line).collect()
}

/// A heading that names the timeline: "Timeline", "Chronology", "Timeline
/// of events", "Incident timeline", "Timeline (UTC)", in any case.
fn is_timeline_heading(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let named = |w: Option<&&str>| w.is_some_and(|w| matches!(*w, "timeline" | "chronology"));
    // "Timeline (UTC)": the last word before a parenthesis.
    let before_paren: Vec<&str> =
        lower.split('(').next().unwrap_or("").split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    named(words.first()) || named(before_paren.last())
}

/// The `## Timeline` section: list items and table rows, and the zone the
/// notes before them name.
pub fn written(body: &str) -> WrittenTimeline {
    let Some(s) = sections::find(body, is_timeline_heading) else { return WrittenTimeline::default() };
    let mut zone = s.heading.split_once('(').and_then(|(_, z)| note_zone(&format!("({z}")));
    if zone.is_none() {
        zone = s.notes.iter().find_map(|n| note_zone(n));
    }
    let mut entries = Vec::new();
    for block in &s.blocks {
        match block {
            Block::Item(it) => entries.push(Written { line: it.line, stamp: it.text.clone(), rest: None }),
            Block::Table(t) => {
                let named: Vec<usize> = t
                    .header
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| {
                        let h = h.to_lowercase();
                        ["time", "date", "when", "timestamp"]
                            .iter()
                            .any(|w| h == *w || h.starts_with(&format!("{w} ")) || h.starts_with(&format!("{w}(")))
                            || h == "date/time"
                            || h == "date and time"
                    })
                    .map(|(k, _)| k)
                    .collect();
                let columns = if named.is_empty() { vec![0] } else { named };
                if zone.is_none() {
                    zone = columns
                        .iter()
                        .filter_map(|&k| t.header.get(k))
                        .find_map(|h| h.split_once('(').and_then(|(_, z)| note_zone(&format!("({z}"))));
                }
                for (line, cells) in &t.rows {
                    let stamp: Vec<&str> = columns
                        .iter()
                        .filter_map(|&k| cells.get(k))
                        .map(String::as_str)
                        .filter(|c| !c.is_empty())
                        .collect();
                    let rest: Vec<&str> = cells
                        .iter()
                        .enumerate()
                        .filter(|(k, c)| !columns.contains(k) && !c.is_empty())
                        .map(|(_, c)| c.as_str())
                        .collect();
                    entries.push(Written { line: *line, stamp: stamp.join(" "), rest: Some(rest.join(" — ")) });
                }
            }
        }
    }
    WrittenTimeline { line: s.line, found: true, zone, entries }
}

/// Region names a note may use, with daylight saving time: a note speaks of
/// the clocks of a region for the whole incident, so "All times in CET"
/// means Central European clocks (CEST in summer), unlike `08:43 CET` in an
/// entry, which names the fixed offset.
const NOTE_REGIONS: &[(&str, &str)] = &[
    ("cet", "Europe/Paris"),
    ("cest", "Europe/Paris"),
    ("met", "Europe/Paris"),
    ("central european", "Europe/Paris"),
    ("wet", "Europe/Lisbon"),
    ("west", "Europe/Lisbon"),
    ("eet", "Europe/Athens"),
    ("eest", "Europe/Athens"),
    ("bst", "Europe/London"),
    ("uk", "Europe/London"),
    ("pt", "America/Los_Angeles"),
    ("pst", "America/Los_Angeles"),
    ("pdt", "America/Los_Angeles"),
    ("pacific", "America/Los_Angeles"),
    ("mt", "America/Denver"),
    ("mst", "America/Denver"),
    ("mdt", "America/Denver"),
    ("mountain", "America/Denver"),
    ("ct", "America/Chicago"),
    ("cst", "America/Chicago"),
    ("cdt", "America/Chicago"),
    ("central", "America/Chicago"),
    ("et", "America/New_York"),
    ("est", "America/New_York"),
    ("edt", "America/New_York"),
    ("eastern", "America/New_York"),
    ("aest", "Australia/Sydney"),
    ("aedt", "Australia/Sydney"),
    ("jst", "Asia/Tokyo"),
];

/// The zone a note before the entries names: "All times in CET.", "Times
/// are US/Pacific", "All times UTC", "(UTC)", "(Pacific)", "Timezone:
/// Europe/Berlin". A note that speaks of times (or is only a zone in
/// parentheses) and names exactly one zone sets it; anything else is prose.
pub fn note_zone(note: &str) -> Option<TimeZone> {
    let t = note.trim().trim_end_matches('.').trim();
    let lower = t.to_lowercase();
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let about_time = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| matches!(w, "time" | "times" | "timezone" | "timestamps" | "zone" | "clock"))
        || (t.starts_with('(') && t.ends_with(')') && words.len() <= 3)
        || words.len() == 1;
    if !about_time || t.len() > 160 {
        return None;
    }
    let mut found: Option<TimeZone> = None;
    let mut set = |tz: TimeZone| -> bool {
        match &found {
            Some(f) if *f != tz => false,
            _ => {
                found = Some(tz);
                true
            }
        }
    };
    for (k, w) in words.iter().enumerate() {
        let lw = w.to_lowercase();
        let two = words.get(k + 1).map(|n| format!("{lw} {}", n.to_lowercase()));
        let tz = if lw == "utc" || lw == "gmt" || lw == "z" && words.len() == 1 {
            Some(TimeZone::UTC)
        } else if let Some((_, iana)) = two.as_deref().and_then(|two| NOTE_REGIONS.iter().find(|(r, _)| *r == two)) {
            TimeZone::get(iana).ok()
        } else if let Some((_, iana)) = NOTE_REGIONS.iter().find(|(r, _)| *r == lw) {
            // Two-letter regions only in capitals: "PT", not "pt".
            if lw.len() == 2 && *w != w.to_uppercase() {
                None
            } else {
                TimeZone::get(iana).ok()
            }
        } else if w.contains('/') && w.starts_with(|c: char| c.is_ascii_uppercase()) {
            TimeZone::get(w).ok()
        } else {
            w.strip_prefix("UTC")
                .or_else(|| w.strip_prefix("GMT"))
                .and_then(|o| numeric_offset(o))
                .filter(|(_, r)| r.is_empty())
                .map(|offset| TimeZone::fixed(offset.0))
        };
        if let Some(tz) = tz {
            if !set(tz) {
                return None;
            }
        }
    }
    found
}

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
pub fn of_incident(i: &Incident, body: &crate::markdown::Rendered) -> Timeline {
    let w = written(&i.body);
    let (entries, _) = read(&w, i.date);
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

fn day_offset(days: i64) -> String {
    match days {
        0 => "same day".to_string(),
        d if d < 0 => format!("T−{} d", -d),
        d => format!("T+{d} d"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            vec![
                "08:43 UTC — alert fires and pages",
                "09:00 — db-1 fails over",
                "10:00 — linked text",
                "Jan 17: review"
            ]
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
        let body = "## Timeline\n\nAll times in CET.\n\n| Time | Event |\n|---|---|\n| 2021-06-22 08:21 | VPC CNI replaced |\n\
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
        let body =
            "### Chronology\n\n| Event | Date | Time (Pacific) |\n|---|---|---|\n| deploy | 2021-10-06 | 14:00 |\n";
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
}
