//! What a postmortem without front matter says about itself: its title (the
//! first level-1 heading, else its file name) and its date (the timeline,
//! else the file name, else the title).

use jiff::civil::Date;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::model::DatePrecision;

/// A date found in the text, its precision and the text it was read from.
pub type Found = (Date, DatePrecision, String);

/// A title as written in front matter, trimmed.
pub fn plain_title(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first top-level `# Title` or setext (`Title` over `===`) heading:
/// its plain text and its byte range in `body`.
fn first_h1(body: &str, leading_only: bool) -> Option<(String, std::ops::Range<usize>)> {
    let mut depth = 0usize;
    let mut inside: Option<(String, std::ops::Range<usize>)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) if depth == 0 && inside.is_none() => {
                inside = Some((String::new(), range));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if inside.is_some() => {
                let (text, range) = inside.take()?;
                let text = plain_title(&text);
                if text.is_empty() {
                    if leading_only {
                        return None;
                    }
                    continue;
                }
                return Some((text, range));
            }
            Event::Text(t) | Event::Code(t) if inside.is_some() => {
                if let Some((s, _)) = inside.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak if inside.is_some() => {
                if let Some((s, _)) = inside.as_mut() {
                    s.push(' ');
                }
            }
            Event::Start(_) if inside.is_none() => {
                if leading_only {
                    return None;
                }
                depth += 1;
            }
            Event::End(_) if inside.is_none() => depth = depth.saturating_sub(1),
            Event::Rule | Event::Html(_) | Event::Text(_) if inside.is_none() && leading_only => return None,
            _ => {}
        }
    }
    None
}

/// Blanks a byte range, keeping its line breaks so that the lines after it
/// keep their numbers (diagnostics point into the file).
fn blank(body: &mut String, range: std::ops::Range<usize>) {
    let blanked: String = body[range.clone()].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
    body.replace_range(range, &blanked);
}

/// Takes the first level-1 heading as the title and removes it from the
/// body (it is the page's title, not to be shown twice).
pub fn take_first_h1(body: &mut String) -> Option<String> {
    let (title, range) = first_h1(body, false)?;
    blank(body, range);
    Some(title)
}

/// A body that starts with the title as a level-1 heading would show it
/// twice: drop that heading.
pub fn drop_leading_h1(body: &mut String, title: &str) {
    // Only the first block can be the leading heading: parse just that.
    let start = body.len() - body.trim_start().len();
    let end = body[start..].find("\n\n").or_else(|| body[start..].find("\n\r\n")).map_or(body.len(), |i| start + i + 1);
    let block = &body[..end];
    let mut lines = block.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("").trim_start();
    let second = lines.next().unwrap_or("");
    let atx = first.starts_with('#') && !first.starts_with("##");
    let setext = !second.is_empty() && second.trim().chars().all(|c| c == '=');
    if !(atx || setext) {
        return;
    }
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if let Some((h1, range)) = first_h1(block, true) {
        if norm(&h1) == norm(title) {
            blank(body, range);
        }
    }
}

/// A file name that is an id rather than words: a UUID or a hash.
pub fn is_opaque_name(stem: &str) -> bool {
    let s = stem.trim();
    let hex = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let uuid = parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| p.len() == *n && hex(p));
    let hash =
        s.len() >= 12 && hex(s) && s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic());
    uuid || hash
}

/// A file name as words, without a leading date or number:
/// `2024-02-28-decide is down` → "Decide is down".
pub fn title_from_file_name(stem: &str) -> String {
    let words: Vec<&str> = stem.split(['-', '_', ' ', '.']).filter(|w| !w.is_empty()).collect();
    let skip = words.iter().take_while(|w| w.chars().all(|c| c.is_ascii_digit())).count();
    let text = words[skip..].join(" ");
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_of(word: &str) -> Option<i8> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let full = [
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
    MONTHS
        .iter()
        .zip(full)
        .position(|(short, long)| w == *short || w == long || (w == "sept" && *short == "sep"))
        .map(|i| i as i8 + 1)
}

/// The first full date in `text`: `2019-03-12`, `2019/03/12`,
/// `March 12, 2019`, `12 Mar 2019`.
pub fn full_date_in(text: &str) -> Option<Found> {
    let bytes = text.as_bytes();
    let mut best: Option<(usize, Found)> = None;
    // Numeric dates.
    for (i, _) in text.char_indices() {
        if i > 0 && bytes[i - 1].is_ascii_digit() {
            continue;
        }
        let Some(rest) = text.get(i..i + 10) else { break };
        let b = rest.as_bytes();
        let sep = b[4];
        if (sep == b'-' || sep == b'/' || sep == b'.')
            && b[7] == sep
            && b.iter().enumerate().all(|(k, c)| k == 4 || k == 7 || c.is_ascii_digit())
        {
            if bytes.get(i + 10).is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let iso = format!("{}-{}-{}", &rest[..4], &rest[5..7], &rest[8..10]);
            if let Ok(d) = iso.parse::<Date>() {
                best = Some((i, (d, DatePrecision::Day, iso)));
                break;
            }
        }
    }
    // Dates with a month name.
    let words: Vec<(usize, &str)> = word_spans(text);
    for (k, (at, w)) in words.iter().enumerate() {
        if best.as_ref().is_some_and(|(b, _)| b < at) {
            break;
        }
        let day_year = |d: &str, y: &str| -> Option<(i8, i16)> {
            let day: i8 = d.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse().ok()?;
            let year: i16 = (y.len() == 4).then(|| y.parse().ok()).flatten()?;
            Some((day, year))
        };
        let found = if let Some(m) = month_of(w) {
            // March 12, 2019
            words.get(k + 1).zip(words.get(k + 2)).and_then(|((_, d), (_, y))| day_year(d, y)).map(|(d, y)| (y, m, d))
        } else {
            // 12 March 2019
            words
                .get(k + 1)
                .zip(words.get(k + 2))
                .and_then(|((_, m), (_, y))| Some((month_of(m)?, day_year(w, y)?)))
                .map(|(m, (d, y))| (y, m, d))
        };
        if let Some((y, m, d)) = found {
            if let Ok(date) = Date::new(y, m, d) {
                best = Some((*at, (date, DatePrecision::Day, date.to_string())));
                break;
            }
        }
    }
    best.map(|(_, f)| f)
}

fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// A date in a file name or title: a full date, else a year and month
/// (`2021-03`), else a year (`PM2021-005`).
pub fn date_in(text: &str) -> Option<Found> {
    if let Some(f) = full_date_in(text) {
        return Some(f);
    }
    let digits_at = |i: usize, n: usize| text.get(i..i + n).is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()));
    let bytes = text.as_bytes();
    let mut year_only = None;
    for i in 0..bytes.len() {
        if (i > 0 && bytes[i - 1].is_ascii_digit())
            || !digits_at(i, 4)
            || bytes.get(i + 4).is_some_and(u8::is_ascii_digit)
        {
            continue;
        }
        let year: i16 = text[i..i + 4].parse().ok()?;
        if !(1000..=2999).contains(&year) {
            continue;
        }
        if matches!(bytes.get(i + 4), Some(b'-' | b'_' | b'.'))
            && digits_at(i + 5, 2)
            && !bytes.get(i + 7).is_some_and(u8::is_ascii_digit)
        {
            let month: i8 = text[i + 5..i + 7].parse().ok()?;
            if (1..=12).contains(&month) {
                if let Ok(d) = Date::new(year, month, 1) {
                    return Some((d, DatePrecision::Month, format!("{year:04}-{month:02}")));
                }
            }
        }
        if year_only.is_none() {
            year_only = Date::new(year, 1, 1).ok().map(|d| (d, DatePrecision::Year, format!("{year:04}")));
        }
    }
    year_only
}

/// The first full date in the `## Timeline` section (list items, table
/// rows or lines).
pub fn timeline_date(body: &str) -> Option<Found> {
    let mut in_timeline = false;
    let mut fence = false;
    for line in body.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = !fence;
        }
        if !fence && t.starts_with('#') {
            let level = t.chars().take_while(|c| *c == '#').count();
            let name = t[level..].trim().trim_end_matches('#').trim().to_ascii_lowercase();
            if level <= 2 {
                in_timeline = level == 2 && name.starts_with("timeline");
                continue;
            }
        }
        if in_timeline {
            if let Some(f) = full_date_in(line) {
                return Some(f);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_headings() {
        let mut b = "\n# PM2021-005 - All services returning 503\n\nText\n".to_string();
        assert_eq!(take_first_h1(&mut b).as_deref(), Some("PM2021-005 - All services returning 503"));
        assert_eq!(b.lines().count(), 4, "line numbers kept");
        assert!(!b.contains("All services"));
        let mut b = "Database failover\n=================\n\nBody\n".to_string();
        assert_eq!(take_first_h1(&mut b).as_deref(), Some("Database failover"));
        let mut b = "```\n# not a heading\n```\n## Two\n".to_string();
        assert_eq!(take_first_h1(&mut b), None);
        let mut b = "# Same Title\nBody\n".to_string();
        drop_leading_h1(&mut b, "same title");
        assert!(!b.contains("Same"));
        let mut b = "Intro\n\n# Other\n".to_string();
        drop_leading_h1(&mut b, "Other");
        assert!(b.contains("# Other"), "only a leading H1 is dropped");
        let mut b = "\n\nSame\n====\n\nBody\n".to_string();
        drop_leading_h1(&mut b, "Same");
        assert!(!b.contains("Same") && !b.contains('=') && b.contains("Body"), "{b:?}");
        let mut b = "## Same\n".to_string();
        drop_leading_h1(&mut b, "Same");
        assert!(b.contains("## Same"));
    }

    #[test]
    fn file_names() {
        assert_eq!(title_from_file_name("2024-02-28-decide is down"), "Decide is down");
        assert_eq!(title_from_file_name("2019-03-12-db-failover"), "Db failover");
        assert!(is_opaque_name("3f2b8c9e-1d4a-4b7e-9c0f-2a6d8e1b5c3f"));
        assert!(is_opaque_name("9fceb02d0ae598e95dc970b74767f19372d61af8"));
        assert!(!is_opaque_name("deadbeef"));
        assert!(!is_opaque_name("db-failover"));
    }

    #[test]
    fn dates_in_text() {
        let d = |s: &str| date_in(s).map(|(d, p, t)| (d.to_string(), p, t));
        assert_eq!(d("2019-03-12-db-failover"), Some(("2019-03-12".into(), DatePrecision::Day, "2019-03-12".into())));
        assert_eq!(d("PM2021-005 - All services"), Some(("2021-01-01".into(), DatePrecision::Year, "2021".into())));
        assert_eq!(d("outage-2020-07"), Some(("2020-07-01".into(), DatePrecision::Month, "2020-07".into())));
        assert_eq!(
            d("On March 3, 2019 the site"),
            Some(("2019-03-03".into(), DatePrecision::Day, "2019-03-03".into()))
        );
        assert_eq!(d("12 Sept 2020"), Some(("2020-09-12".into(), DatePrecision::Day, "2020-09-12".into())));
        assert_eq!(d("no date 12345"), None);
        assert_eq!(d("2019-02-30"), Some(("2019-02-01".into(), DatePrecision::Month, "2019-02".into())));
    }

    #[test]
    fn dates_in_the_timeline() {
        let body = "## Summary\nOn 2020-01-01 we planned.\n## Timeline\nAll times UTC\n\n| Time | Event |\n|---|---|\n| 2019-03-12 14:02 | Alert |\n## Root cause\n2018-01-01\n";
        assert_eq!(timeline_date(body).map(|f| f.0.to_string()).as_deref(), Some("2019-03-12"));
        assert_eq!(timeline_date("## Timeline\n- 14:02 alert\n## Next\n- 2019-01-01\n"), None);
        assert_eq!(
            timeline_date("## Timeline\n* **June 4, 2021** 10:00 — paged\n").map(|f| f.2).as_deref(),
            Some("2021-06-04")
        );
    }
}
