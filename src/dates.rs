//! Dates, timestamps and durations as postmortems write them.
//!
//! Front matter accepts `YYYY-MM-DD` or RFC 3339 for `date`, and RFC 3339 or
//! `YYYY-MM-DD HH:MM` (taken as UTC) for the incident timestamps. Durations
//! are always computed from timestamps, never typed, and shown in words.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How precisely an incident's date is known: `date: 2021`, `2021-02`,
/// `2021-02-10`, an RFC 3339 time, or not at all ("Date unknown").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatePrecision {
    Year,
    Month,
    #[default]
    Day,
    Time,
    Unknown,
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Parses the `date:` of an incident: a calendar day, or an RFC 3339
/// timestamp whose day (in its own offset) is taken.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if text.len() == 10 {
        return text.parse::<Date>().ok();
    }
    // RFC 3339 with an offset: keep the day as written, not as in UTC.
    if let Ok(ts) = text.parse::<Timestamp>() {
        let offset = offset_of(text).unwrap_or(jiff::tz::Offset::UTC);
        return Some(ts.to_zoned(TimeZone::fixed(offset)).date());
    }
    None
}

/// Parses an incident's `date:` at the precision written: `YYYY`,
/// `YYYY-MM`, `YYYY-MM-DD` or RFC 3339. A year or month is its first day.
pub fn parse_date_precise(text: &str) -> Option<(Date, DatePrecision)> {
    let text = text.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match text.len() {
        4 if digits(text) => Date::new(text.parse().ok()?, 1, 1).ok().map(|d| (d, DatePrecision::Year)),
        7 if digits(&text[..4]) && &text[4..5] == "-" && digits(&text[5..]) => {
            Date::new(text[..4].parse().ok()?, text[5..].parse().ok()?, 1).ok().map(|d| (d, DatePrecision::Month))
        }
        10 => text.parse::<Date>().ok().map(|d| (d, DatePrecision::Day)),
        _ => parse_date(text).map(|d| (d, DatePrecision::Time)),
    }
}

/// Parses an incident timestamp: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]`
/// without an offset, which is taken as UTC.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() < 16 {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let dt = text.parse::<DateTime>().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

fn offset_of(text: &str) -> Option<jiff::tz::Offset> {
    if text.ends_with('Z') || text.ends_with('z') {
        return Some(jiff::tz::Offset::UTC);
    }
    // `get`: six bytes back may fall inside a character (then no offset).
    let tail = text.get(text.len().saturating_sub(6)..)?;
    let sign = match tail.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i8 = tail.get(1..3)?.parse().ok()?;
    let minutes: i32 = tail.get(4..6)?.parse().ok()?;
    let seconds = sign * (i32::from(hours) * 3600 + minutes * 60);
    jiff::tz::Offset::from_seconds(seconds).ok()
}

/// `2021-02-10`
pub fn iso_date(d: Date) -> String {
    d.to_string()
}

/// `10 Feb 2021`
pub fn human_date(d: Date) -> String {
    format!("{} {} {}", d.day(), MONTHS[(d.month() - 1) as usize], d.year())
}

/// `9 Feb 2021 16:00 UTC`
pub fn human_timestamp(ts: Timestamp) -> String {
    let dt = ts.to_zoned(TimeZone::UTC).datetime();
    format!("{} {:02}:{:02} UTC", human_date(dt.date()), dt.hour(), dt.minute())
}

/// RFC 3339 in UTC with second precision: `2021-02-09T16:00:00Z`.
pub fn rfc3339(ts: Timestamp) -> String {
    let dt = ts.to_zoned(TimeZone::UTC).datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Midnight UTC of a day, for feeds and sorting.
pub fn day_start(d: Date) -> Timestamp {
    d.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Today's date in UTC.
pub fn today() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// A duration in words, as an on-call engineer would say it:
/// `45 s`, `26 min`, `16 h 26 min`, `3 d 4 h`.
pub fn human_duration(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (days, hours, minutes) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{minutes} min")
    } else if secs < 2 * 86_400 {
        let hours = secs / 3600;
        if minutes == 0 {
            format!("{hours} h")
        } else {
            format!("{hours} h {minutes} min")
        }
    } else if hours == 0 {
        format!("{days} d")
    } else {
        format!("{days} d {hours} h")
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    (day_start(to).as_second() - day_start(from).as_second()) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2021-02-10").unwrap().to_string(), "2021-02-10");
        assert_eq!(parse_date("2021-02-10T23:30:00-08:00").unwrap().to_string(), "2021-02-10");
        assert!(parse_date("2021-02-30").is_none());
        assert!(parse_date("10/02/2021").is_none());
        assert!(parse_date("").is_none());
    }

    #[test]
    fn timestamps() {
        let a = parse_timestamp("2021-02-09T16:00:00Z").unwrap();
        let b = parse_timestamp("2021-02-09 16:00").unwrap();
        let c = parse_timestamp("2021-02-09T17:00:00+01:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse_timestamp("2021-02-09").is_none());
        assert!(parse_timestamp("yesterday at noon").is_none());
        assert_eq!(rfc3339(a), "2021-02-09T16:00:00Z");
        assert_eq!(human_timestamp(a), "9 Feb 2021 16:00 UTC");
    }

    #[test]
    fn durations_in_words() {
        let d = |s: i64| human_duration(SignedDuration::from_secs(s));
        assert_eq!(d(45), "45 s");
        assert_eq!(d(26 * 60), "26 min");
        assert_eq!(d(16 * 3600 + 26 * 60), "16 h 26 min");
        assert_eq!(d(3 * 3600), "3 h");
        assert_eq!(d(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
    }
}
