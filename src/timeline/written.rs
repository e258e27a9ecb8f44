//! Finding the `## Timeline` section of a body and its entries as written:
//! list items and table rows, and the zone its notes name.

use jiff::tz::TimeZone;

use super::parse::numeric_offset;
use crate::sections::{self, Block};

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
pub(super) fn is_timeline_heading(lower: &str) -> bool {
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
pub(super) const NOTE_REGIONS: &[(&str, &str)] = &[
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
