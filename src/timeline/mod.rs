//! Timelines: the incident's front-matter timestamps plus the items of the
//! body's `## Timeline` section that begin with a date or a time, in three
//! steps, a file each:
//!
//! - [`written()`] (src/timeline/written.rs) finds the section and its
//!   entries as written — list items, table rows — and the zone a note
//!   names ("All times in CET");
//! - [`parse_item`] (src/timeline/parse.rs) reads the date and time an
//!   entry begins with;
//! - [`of_incident`] (src/timeline/view.rs) merges them with the
//!   front-matter timestamps into the visual timeline the incident page
//!   draws, and [`check`] warns about the entries it could not read.
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

mod parse;
mod view;
mod written;

#[cfg(test)]
mod tests;

pub use parse::{parse_item, Context, Entry, When};
pub use view::{build, check, of_incident, read, t_offset, Event, ImpactWindow, Timeline};
pub use written::{note_zone, section_items, written, Written, WrittenTimeline};
