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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
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
    // Without a `Zoned` (UTC needs no time zone lookup) and without
    // `format!`: the feeds write several per incident.
    let dt = TimeZone::UTC.to_datetime(ts);
    let mut s = String::with_capacity(20);
    let year = dt.year();
    if (0..=9999).contains(&year) {
        push_digits(&mut s, year as u32, 4);
    } else {
        s.push_str(&format!("{year:04}"));
    }
    for (sep, n) in [('-', dt.month()), ('-', dt.day()), ('T', dt.hour()), (':', dt.minute()), (':', dt.second())] {
        s.push(sep);
        push_digits(&mut s, n as u32, 2);
    }
    s.push('Z');
    s
}

/// `n` in `width` decimal digits, zero-padded (`n` < 10^width).
fn push_digits(s: &mut String, n: u32, width: u32) {
    for k in (0..width).rev() {
        s.push(char::from(b'0' + (n / 10u32.pow(k) % 10) as u8));
    }
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

/// The years the time charts and sparklines draw. An archive that took in
/// a few old entries (a famous failure from 1628 beside two hundred
/// incidents since 2015) would squash every bar into a sliver if the axis
/// ran from the oldest one; so a leading tail of incidents is not drawn,
/// and named in a note instead, when
/// - it holds at most 2 % of the incidents (at least one incident, and
///   always fewer than half of them), and
/// - more than [`TAIL_GAP_YEARS`] years without incidents separate it from
///   the rest.
///
/// The cut is the latest such gap. Lists, counts and pages still show every
/// incident; only the time axes start later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrawnYears {
    /// The first year drawn; `None` when every incident is drawn.
    pub from: Option<i16>,
    /// Incidents before `from`, and their years (oldest first, distinct).
    pub left_out: usize,
    pub left_out_years: Vec<i16>,
}

/// The empty years that must separate an old tail from the bulk.
pub const TAIL_GAP_YEARS: i16 = 10;
/// The share of the incidents (in percent) an old tail may hold at most.
pub const TAIL_PERCENT: usize = 2;

impl DrawnYears {
    /// From the years of the dated incidents (see `Incident::year`).
    pub fn of(years: impl IntoIterator<Item = i16>) -> DrawnYears {
        let mut years: Vec<i16> = years.into_iter().collect();
        years.sort_unstable();
        let total = years.len();
        let limit = (total * TAIL_PERCENT / 100).max(1);
        let mut cut = None;
        for k in 1..total {
            if years[k] - years[k - 1] > TAIL_GAP_YEARS && k <= limit && k * 2 < total {
                cut = Some(k);
            }
        }
        let Some(k) = cut else { return DrawnYears::default() };
        let mut left_out_years = years[..k].to_vec();
        left_out_years.dedup();
        DrawnYears { from: Some(years[k]), left_out: k, left_out_years }
    }

    pub fn drawn(&self, d: Date) -> bool {
        self.from.is_none_or(|from| d.year() >= from)
    }

    /// "1 incident before 1990 is not drawn (1628)."
    pub fn note(&self) -> Option<String> {
        let from = self.from?;
        let years: Vec<String> = self.left_out_years.iter().map(i16::to_string).collect();
        Some(format!(
            "{} incident{} before {from} {} not drawn ({}), to keep the axis on the years that hold the archive.",
            self.left_out,
            if self.left_out == 1 { "" } else { "s" },
            if self.left_out == 1 { "is" } else { "are" },
            years.join(", ")
        ))
    }
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

    proptest::proptest! {
        /// The hand-written RFC 3339 is the one `format!` wrote, over
        /// every second jiff can hold (negative years included).
        #[test]
        fn rfc3339_writes_what_format_wrote(secs in Timestamp::MIN.as_second()..=Timestamp::MAX.as_second()) {
            let ts = Timestamp::from_second(secs).unwrap();
            let dt = ts.to_zoned(TimeZone::UTC).datetime();
            let old = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second()
            );
            proptest::prop_assert_eq!(rfc3339(ts), old);
        }
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

    #[test]
    fn a_far_older_tail_is_not_drawn() {
        let at = |y: i16| y;
        let mut all: Vec<i16> = (0..200).map(|k| at(2015 + (k % 10) as i16)).collect();
        all.push(at(1628));
        let d = DrawnYears::of(all.clone());
        assert_eq!((d.from, d.left_out, d.left_out_years.clone()), (Some(2015), 1, vec![1628]));
        assert_eq!(
            d.note().unwrap(),
            "1 incident before 2015 is not drawn (1628), to keep the axis on the years that hold the archive."
        );
        assert!(!d.drawn(jiff::civil::date(1628, 6, 1)) && d.drawn(jiff::civil::date(2015, 1, 1)));
        // Ten old ones in 201 are more than 2 %: drawn.
        let mut many = all.clone();
        many.extend((0..9).map(|_| at(1628)));
        assert_eq!(DrawnYears::of(many).from, None);
        // A gap of ten years or less is part of the archive.
        let mut near = all[..200].to_vec();
        near.push(at(2005));
        assert_eq!(DrawnYears::of(near).from, None);
        assert_eq!(DrawnYears::of([]), DrawnYears::default());
        assert_eq!(DrawnYears::of([at(1628), at(2020)]).from, None, "never half the archive");
    }
}
