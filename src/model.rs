//! The plain data that flows between the stages: parsed incidents, causes
//! and pages. Nothing here knows about files, YAML or HTML.

use jiff::civil::Date;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

pub use crate::dates::DatePrecision;
use crate::diagnostics::Pos;

/// Publication status of an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Draft,
    Review,
    #[default]
    Published,
}

impl Status {
    pub const ALL: [(&'static str, Status); 3] =
        [("draft", Status::Draft), ("review", Status::Review), ("published", Status::Published)];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
        }
    }
}

/// Who may read an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    #[default]
    Public,
    Internal,
}

impl Visibility {
    pub const ALL: [(&'static str, Visibility); 2] =
        [("public", Visibility::Public), ("internal", Visibility::Internal)];
}

/// What kind of incident it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Outage,
    Degradation,
    Security,
    DataLoss,
    NearMiss,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 5] = [
        ("outage", Kind::Outage),
        ("degradation", Kind::Degradation),
        ("security", Kind::Security),
        ("data-loss", Kind::DataLoss),
        ("near-miss", Kind::NearMiss),
    ];

    pub fn as_str(self) -> &'static str {
        Kind::ALL.iter().find(|(_, k)| *k == self).map_or("", |(s, _)| s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Outage => "Outage",
            Kind::Degradation => "Degradation",
            Kind::Security => "Security",
            Kind::DataLoss => "Data loss",
            Kind::NearMiss => "Near miss",
        }
    }
}

/// Progress of an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    InProgress,
    /// Read from an `## Action items` section that gives no status: listed,
    /// never pending nor overdue.
    Untracked,
    Done,
    WontDo,
}

impl ActionStatus {
    /// The statuses front matter may write.
    pub const ALL: [(&'static str, ActionStatus); 4] = [
        ("open", ActionStatus::Open),
        ("in-progress", ActionStatus::InProgress),
        ("done", ActionStatus::Done),
        ("wont-do", ActionStatus::WontDo),
    ];

    /// Every status the board shows, in board order: the written ones and
    /// `untracked` (an item read from the body with no status).
    pub const BOARD: [(&'static str, ActionStatus); 5] = [
        ("open", ActionStatus::Open),
        ("in-progress", ActionStatus::InProgress),
        ("untracked", ActionStatus::Untracked),
        ("done", ActionStatus::Done),
        ("wont-do", ActionStatus::WontDo),
    ];

    pub fn as_str(self) -> &'static str {
        ActionStatus::BOARD.iter().find(|(_, k)| *k == self).map_or("", |(s, _)| s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Untracked => "Untracked",
            ActionStatus::Done => "Done",
            ActionStatus::WontDo => "Won't do",
        }
    }

    /// Still needs doing (open or in progress).
    pub fn is_pending(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// What an action item is meant to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionType {
    Detect,
    Mitigate,
    Prevent,
    Process,
}

impl ActionType {
    pub const ALL: [(&'static str, ActionType); 4] = [
        ("detect", ActionType::Detect),
        ("mitigate", ActionType::Mitigate),
        ("prevent", ActionType::Prevent),
        ("process", ActionType::Process),
    ];

    pub fn as_str(self) -> &'static str {
        ActionType::ALL.iter().find(|(_, k)| *k == self).map_or("", |(s, _)| s)
    }
}

/// A free-text keyword (tag, service or cause) with its slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// As the author wrote it.
    pub name: String,
    pub slug: String,
    /// Where it was written, for "unknown cause"-style diagnostics.
    #[serde(skip)]
    pub pos: Pos,
}

/// An `aliases:` entry as written in the front matter, with its position.
/// A bad alias is reported by the archive stage and dropped, so it does not
/// take its incident (and every link to it) down with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub raw: String,
    pub pos: Pos,
}

/// A reference to another incident by id (`related:`), with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRef {
    pub id: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    pub title: String,
    pub owner: Option<String>,
    pub status: ActionStatus,
    pub kind: Option<ActionType>,
    pub due: Option<Date>,
    pub link: Option<String>,
}

impl ActionItem {
    /// The overdue rule, the one every page and count uses: still to do
    /// (open or in progress) and due before `build_date`. An item due that
    /// very day is not overdue yet; one without a due date, or read from
    /// the body with no status (untracked), never is.
    pub fn is_overdue(&self, build_date: Date) -> bool {
        self.status.is_pending() && self.due.is_some_and(|due| due < build_date)
    }

    /// Days overdue on `build_date`, 0 when [`ActionItem::is_overdue`] is false.
    pub fn days_overdue(&self, build_date: Date) -> i64 {
        match self.due {
            Some(due) if self.is_overdue(build_date) => crate::dates::days_between(due, build_date),
            _ => 0,
        }
    }
}

/// The four incident timestamps, in the order they must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamps {
    pub started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

impl Timestamps {
    pub const NAMES: [&'static str; 4] = ["started", "detected", "mitigated", "resolved"];

    pub fn as_array(&self) -> [Option<Timestamp>; 4] {
        [self.started, self.detected, self.mitigated, self.resolved]
    }

    fn span(from: Option<Timestamp>, to: Option<Timestamp>) -> Option<SignedDuration> {
        Some(to?.duration_since(from?))
    }

    pub fn time_to_detect(&self) -> Option<SignedDuration> {
        Self::span(self.started, self.detected)
    }

    pub fn time_to_mitigate(&self) -> Option<SignedDuration> {
        Self::span(self.started, self.mitigated)
    }

    pub fn time_to_resolve(&self) -> Option<SignedDuration> {
        Self::span(self.started, self.resolved)
    }
}

/// One of the archive's own front-matter keys kept by `[extra]`: shown with
/// its label, and in incidents.json under `extra`. Values are plain strings
/// (a scalar is one value, a list several) so that a pass over them (e.g.
/// masking emails) is one loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraField {
    pub key: String,
    pub label: String,
    pub values: Vec<String>,
}

/// One postmortem, parsed and validated. `Default` (status published,
/// visibility public, as SPEC defaults them) is for building incidents in
/// tests and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct Incident {
    pub id: String,
    /// Path relative to the archive root, `/`-separated.
    pub source_path: String,
    pub title: String,
    /// The day the incident began; for a year or month, its first day; for
    /// an unknown date, [`Date::MIN`] (so it sorts last).
    pub date: Date,
    pub date_precision: DatePrecision,
    /// The date as written (front matter, timeline or file name); "" when unknown.
    pub date_text: String,
    /// `published:`: overrides the git created date.
    pub published: Option<Date>,
    pub summary: String,
    /// Where the summary was written (its value in front matter), for
    /// warnings about it; the file's start when it has none.
    pub summary_pos: crate::diagnostics::Pos,
    /// Name as configured (e.g. "SEV2") and rank (1 = most severe).
    pub severity: Option<(String, usize)>,
    pub status: Status,
    pub visibility: Visibility,
    pub kind: Option<Kind>,
    pub services: Vec<Term>,
    pub tags: Vec<Term>,
    pub causes: Vec<Term>,
    pub related: Vec<IdRef>,
    pub timestamps: Timestamps,
    pub impact: Option<String>,
    pub trigger: Option<String>,
    pub detection: Option<String>,
    pub action_items: Vec<ActionItem>,
    /// Old URL paths that must redirect here, as written; the archive stage
    /// checks them (see [`crate::archive::alias_path`]).
    pub aliases: Vec<Alias>,
    /// Git history of the file (set by the history stage).
    pub history: Tracked,
    /// Ids the incident had before its file was renamed; they redirect here.
    pub former_ids: Vec<String>,
    /// The archive's own keys kept by `[extra]`, by key.
    pub extra: Vec<ExtraField>,
    /// Warnings found while parsing (a title taken from the file name, a
    /// date found nowhere), reported with the other diagnostics.
    pub warnings: Vec<crate::diagnostics::Diagnostic>,
    /// Markdown body and the file line it starts on.
    pub body: String,
    pub body_line: usize,
    /// Its emails are masked ([`crate::mask::documents`]). An incident
    /// serve's cache lends to the next build keeps its masked fields, and
    /// is not read through again.
    pub masked: bool,
}

impl Incident {
    /// Whether the date is known at all (unknown: "Date unknown", left out
    /// of the time charts).
    pub fn has_date(&self) -> bool {
        self.date_precision != DatePrecision::Unknown
    }

    /// When it was published, for the feed, incidents.json and page
    /// metadata: its `published` date, else when its file was first
    /// committed, else the first day of its `date` (the Unix epoch when it
    /// has none: feeds need a full date).
    pub fn published_at(&self) -> Timestamp {
        if let Some(d) = self.published {
            return crate::dates::day_start(d);
        }
        self.history.history().map_or_else(|| self.undated_start(), |h| h.created)
    }

    /// When it was last changed: its file's last commit; without git
    /// history, the later of its `date` and its `published` date.
    pub fn revised_at(&self) -> Timestamp {
        self.history.history().map_or_else(
            || self.undated_start().max(self.published.map_or(Timestamp::UNIX_EPOCH, crate::dates::day_start)),
            |h| h.updated,
        )
    }

    fn undated_start(&self) -> Timestamp {
        if self.has_date() {
            crate::dates::day_start(self.date)
        } else {
            Timestamp::UNIX_EPOCH
        }
    }

    /// The year of its date; `None` when the date is unknown.
    pub fn year(&self) -> Option<i16> {
        self.has_date().then(|| self.date.year())
    }

    /// The date at the precision given, sortable: `2021`, `2021-02`,
    /// `2021-02-10`; "" when unknown.
    pub fn date_shown(&self) -> String {
        let d = self.date;
        match self.date_precision {
            DatePrecision::Year => format!("{:04}", d.year()),
            DatePrecision::Month => format!("{:04}-{:02}", d.year(), d.month()),
            DatePrecision::Day | DatePrecision::Time => crate::dates::iso_date(d),
            DatePrecision::Unknown => String::new(),
        }
    }

    /// The date in words at the precision given: `2021`, `Feb 2021`,
    /// `10 Feb 2021`, or "Date unknown".
    pub fn date_human(&self) -> String {
        let d = self.date;
        match self.date_precision {
            DatePrecision::Year => format!("{}", d.year()),
            DatePrecision::Month => {
                crate::dates::human_date(d).split_once(' ').map_or_else(String::new, |(_, rest)| rest.to_string())
            }
            DatePrecision::Day | DatePrecision::Time => crate::dates::human_date(d),
            DatePrecision::Unknown => "Date unknown".to_string(),
        }
    }

    /// Whether the incident appears on a site built with these options.
    pub fn is_visible(&self, opts: &Include) -> bool {
        (self.status == Status::Published || opts.drafts) && (self.visibility == Visibility::Public || opts.internal)
    }

    pub fn url_path(&self) -> String {
        format!("/incidents/{}/", self.id)
    }
}

/// Which left-out incidents a build includes (`--drafts`, `--internal`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Include {
    pub drafts: bool,
    pub internal: bool,
}

/// `content/causes/<id>.md`: the description of a recurring cause.
#[derive(Debug, Clone)]
pub struct CauseDoc {
    pub slug: String,
    pub source_path: String,
    pub title: String,
    /// Other spellings, as slugs, that fold into this cause.
    pub aliases: Vec<Term>,
    pub body: String,
    pub body_line: usize,
    /// Git history of the file (set by the history stage).
    pub history: Tracked,
}

/// `content/pages/<id>.md` (or `content/_index.md` with id "").
#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    pub source_path: String,
    pub title: String,
    pub description: String,
    /// Shorter title for the navigation bar (default: the title).
    pub nav_title: Option<String>,
    pub body: String,
    pub body_line: usize,
    /// Git history of the file (set by the history stage).
    pub history: Tracked,
}

/// Which taxonomy a term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Taxonomy {
    Tags,
    Services,
    Causes,
}

impl Taxonomy {
    pub const ALL: [Taxonomy; 3] = [Taxonomy::Tags, Taxonomy::Services, Taxonomy::Causes];

    pub fn key(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tags",
            Taxonomy::Services => "services",
            Taxonomy::Causes => "causes",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Tags => "Tags",
            Taxonomy::Services => "Services",
            Taxonomy::Causes => "Causes",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tag",
            Taxonomy::Services => "service",
            Taxonomy::Causes => "cause",
        }
    }

    pub fn terms(self, i: &Incident) -> &[Term] {
        match self {
            Taxonomy::Tags => &i.tags,
            Taxonomy::Services => &i.services,
            Taxonomy::Causes => &i.causes,
        }
    }
}

// What the history stage (src/git/) knows about each file: plain data, so
// the model does not depend on the stage that fills it in.

/// One commit that changed a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Full hexadecimal commit id.
    pub id: String,
    /// Abbreviated id (7 characters, longer where needed to stay unique).
    pub short_id: String,
    /// Author date.
    pub date: Timestamp,
    /// First line of the commit message.
    pub subject: String,
    /// Author name after `.mailmap`. Never the email address.
    pub author: String,
}

/// A file's history, newest revision first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHistory {
    /// Author date of the oldest commit of the file (the one that added it,
    /// under whatever name it had then).
    pub created: Timestamp,
    /// Author date of the newest commit that changed it.
    pub updated: Timestamp,
    pub revisions: Vec<Arc<Revision>>,
    /// Paths (relative to the archive root) the file had before renames,
    /// newest first.
    pub former_paths: Vec<String>,
}

/// What git knows about one file of the snapshot being built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Tracked {
    /// No repository (or no history requested): dates come from front matter.
    #[default]
    Unknown,
    /// In a repository, but the file has never been committed.
    NotCommitted,
    Committed(Arc<FileHistory>),
}

impl Tracked {
    pub fn history(&self) -> Option<&FileHistory> {
        match self {
            Tracked::Committed(h) => Some(h),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: ActionStatus, due: Option<&str>) -> ActionItem {
        ActionItem {
            title: "t".into(),
            owner: None,
            status,
            kind: None,
            due: due.map(|d| d.parse().unwrap()),
            link: None,
        }
    }

    #[test]
    fn overdue_is_strictly_before_the_build_date_and_only_pending() {
        let today: Date = "2024-06-10".parse().unwrap();
        assert!(item(ActionStatus::Open, Some("2024-06-09")).is_overdue(today));
        assert!(item(ActionStatus::InProgress, Some("2023-01-01")).is_overdue(today));
        assert!(!item(ActionStatus::Open, Some("2024-06-10")).is_overdue(today), "due today is not overdue yet");
        assert!(!item(ActionStatus::Done, Some("2020-01-01")).is_overdue(today));
        assert!(!item(ActionStatus::WontDo, Some("2020-01-01")).is_overdue(today));
        assert!(!item(ActionStatus::Untracked, Some("2020-01-01")).is_overdue(today));
        assert!(!item(ActionStatus::Open, None).is_overdue(today));
    }

    #[test]
    fn days_overdue_counts_from_the_due_date() {
        let today: Date = "2024-06-10".parse().unwrap();
        assert_eq!(item(ActionStatus::Open, Some("2024-06-09")).days_overdue(today), 1);
        assert_eq!(item(ActionStatus::InProgress, Some("2024-05-10")).days_overdue(today), 31);
        assert_eq!(item(ActionStatus::Open, Some("2024-06-10")).days_overdue(today), 0);
        assert_eq!(item(ActionStatus::Untracked, Some("2020-01-01")).days_overdue(today), 0);
        assert_eq!(item(ActionStatus::Done, Some("2020-01-01")).days_overdue(today), 0);
    }
}
