//! Reading the date and time a timeline entry begins with (the rules in
//! the module doc of src/timeline/mod.rs).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::dates;

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
    pub(super) date: Date,
    pub(super) zone: Option<TimeZone>,
    pub(super) last: Option<Timestamp>,
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

pub(super) fn instant(day: Date, time: Time, zone: &TimeZone) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(DateTime::from_parts(day, time)).compatible().ok()
}

pub(super) const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
pub(super) const MONTH_NAMES: [&str; 12] = [
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
pub(super) fn parse_date(s: &str, near: Date) -> Option<(Date, bool, &str)> {
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

pub(super) fn iso_date(s: &str) -> Option<(Date, &str)> {
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
pub(super) fn month_name(s: &str) -> Option<(i8, &str)> {
    let word_len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = s[..word_len].to_ascii_lowercase();
    let n = MONTH_NAMES.iter().position(|m| *m == word).or_else(|| match word.as_str() {
        "sept" => Some(8),
        w => MONTHS.iter().position(|m| *m == w),
    })?;
    Some((n as i8 + 1, &s[word_len..]))
}

pub(super) fn strip_ordinal(s: &str) -> &str {
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
pub(super) fn year_after(s: &str) -> (Option<i16>, &str) {
    let t = s.strip_prefix(',').unwrap_or(s);
    let Some(t) = t.strip_prefix(' ') else { return (None, s) };
    match digits(t.trim_start(), 4, 4) {
        // "Jan 17 2024" but not "Jan 17 2024:30" or "Jan 17 20:30"
        Some((y, rest)) if !rest.starts_with(':') => (Some(y as i16), rest),
        _ => (None, s),
    }
}

/// The date with that month and day; without a year, the one nearest `near`.
pub(super) fn calendar(year: Option<i16>, month: i8, day: u32, near: Date) -> Option<Date> {
    let day = i8::try_from(day).ok()?;
    if let Some(y) = year {
        return Date::new(y, month, day).ok();
    }
    [near.year() - 1, near.year(), near.year() + 1]
        .into_iter()
        .filter_map(|y| Date::new(y, month, day).ok())
        .min_by_key(|d| dates::days_between(near, *d).abs())
}

pub(super) fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

pub(super) fn skip_date_time_gap(s: &str) -> &str {
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

pub(super) enum Zone {
    Known(TimeZone),
    /// A zone was written but cannot be read with certainty.
    Unknown,
}

/// `08:43`, `08:43:12`, `8:43 am`, `11:01 AM`, `2pm`, then an optional
/// range end (`08:43–09:10`) and an optional zone. In an ISO timestamp
/// (`iso`), `-07:00` right after the time is an offset, not a range.
pub(super) fn parse_time(s: &str, iso: bool) -> Option<(Time, Option<Zone>, &str)> {
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

pub(super) fn clock(s: &str) -> Option<(Time, &str)> {
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

pub(super) fn digits_len(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `am`, ` PM`, `a.m.`; must end the word.
pub(super) fn meridiem(s: &str) -> (Option<bool>, &str) {
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
pub(super) fn skip_range_end(s: &str) -> &str {
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
pub(super) const ABBREVIATIONS: &[(&str, i32)] = &[
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
pub(super) const AMBIGUOUS: &[&str] = &["IST", "AST", "ADT", "ECT", "SST", "CAT", "GST"];

/// Region names, converted with daylight saving time as it was that day.
pub(super) const REGIONS: &[(&str, &str)] = &[
    ("pacific", "America/Los_Angeles"),
    ("pt", "America/Los_Angeles"),
    ("mountain", "America/Denver"),
    ("mt", "America/Denver"),
    ("central", "America/Chicago"),
    ("ct", "America/Chicago"),
    ("eastern", "America/New_York"),
    ("et", "America/New_York"),
];

pub(super) fn zone<'a>(s: &'a str) -> (Option<Zone>, &'a str) {
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
pub(super) fn numeric_offset(s: &str) -> Option<(Offset, &str)> {
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
pub(super) fn ends_stamp(s: &str) -> bool {
    let t = s.trim_start();
    t.is_empty() || t.starts_with(['—', '–', '-', ':', '|', ',', ';', ')'])
}

/// After the stamp: the end of the item, or a separator (`—`, `-`, `:`,
/// `|`, `,`, a space) before the text. `None` when the stamp runs into
/// other characters ("2024-11-19x").
pub(super) fn take_separator(s: &str) -> Option<&str> {
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
