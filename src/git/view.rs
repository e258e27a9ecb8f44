//! The template context for a document's git history (`docs/theme.md`):
//! published and last-revised dates, the revision list, authors.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

use super::Tracked;
use crate::config::Config;
use crate::dates;
use crate::model::Incident;

/// A date as templates print it.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2024-11-22`
    pub date: String,
    /// `22 Nov 2024`
    pub date_human: String,
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
}

impl DateView {
    pub fn new(ts: Timestamp) -> DateView {
        let day = ts.to_zoned(TimeZone::UTC).date();
        DateView { date: dates::iso_date(day), date_human: dates::human_date(day), iso: dates::rfc3339(ts) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    /// Short commit id.
    pub commit: String,
    /// `repo_url`/commit/<full id>, when `repo_url` is set.
    pub url: Option<String>,
    pub date: String,
    pub date_human: String,
    pub subject: String,
    /// Only with `show_authors = true`.
    pub author: Option<String>,
}

/// Flattened into the incident and page contexts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HistoryView {
    /// Author date of the first commit of the file (following renames).
    pub published: Option<DateView>,
    /// Author date of the last commit that changed it.
    pub revised: Option<DateView>,
    /// Newest first; empty without git history.
    pub history: Vec<RevisionView>,
    /// The file exists in the working tree but was never committed.
    pub not_committed: bool,
    /// Distinct author names, newest contribution first (only with
    /// `show_authors = true`).
    pub authors: Vec<String>,
}

impl HistoryView {
    pub fn new(tracked: &Tracked, config: &Config) -> HistoryView {
        let h = match tracked {
            Tracked::Unknown => return HistoryView::default(),
            Tracked::NotCommitted => return HistoryView { not_committed: true, ..HistoryView::default() },
            Tracked::Committed(h) => h,
        };
        let author_of = |name: &str| -> Option<String> { config.show_authors.then(|| public_name(name)).flatten() };
        let mut authors: Vec<String> = Vec::new();
        for r in &h.revisions {
            if let Some(a) = author_of(&r.author) {
                if !authors.contains(&a) {
                    authors.push(a);
                }
            }
        }
        HistoryView {
            published: Some(DateView::new(h.created)),
            revised: Some(DateView::new(h.updated)),
            history: h
                .revisions
                .iter()
                .map(|r| {
                    let d = DateView::new(r.date);
                    RevisionView {
                        commit: r.short_id.clone(),
                        url: config.repo_url.as_ref().map(|u| format!("{u}/commit/{}", r.id)),
                        date: d.date,
                        date_human: d.date_human,
                        subject: without_emails(&r.subject),
                        author: author_of(&r.author),
                    }
                })
                .collect(),
            not_committed: false,
            authors,
        }
    }
}

/// An author name fit to publish: never an email address (some people
/// set `user.name` to one).
fn public_name(name: &str) -> Option<String> {
    let name = without_emails(name.trim());
    let name = name.trim();
    (!name.is_empty() && name != "[email]").then(|| name.to_string())
}

/// Replaces every word that looks like an email address with `[email]`:
/// commit subjects are free text, and emails never reach the output.
pub fn without_emails(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    text.split(' ')
        .map(|word| {
            let w = word.trim_matches(|c: char| "<>()[],;:\"'".contains(c));
            match w.split_once('@') {
                Some((user, host)) if !user.is_empty() && host.contains('.') => "[email]",
                _ => word,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names by which a commit subject could reveal a left-out incident:
/// its id, its file's stem and name (now and before every rename, and the
/// ids those gave it) and its title, compared case-insensitively as whole
/// words. A subject that names one is withheld; any other is shown, even
/// when the commit also changed a left-out file (a bulk import that touched
/// 240 files, drafts among them, keeps its subject).
#[derive(Debug, Default)]
pub struct LeftOutNames {
    names: Vec<String>,
    /// Commit id → whether its subject names one (a commit is listed on
    /// every page it changed).
    seen: std::cell::RefCell<std::collections::HashMap<String, bool>>,
}

impl LeftOutNames {
    pub fn new<'a>(left_out: impl IntoIterator<Item = &'a Incident>) -> LeftOutNames {
        let mut names: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            let name = normalised(name);
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        };
        for i in left_out {
            add(&i.id);
            add(&i.title);
            add(&i.title.replace(['`', '*', '_'], ""));
            for id in &i.former_ids {
                add(id);
            }
            let former = i.history.history().map(|h| h.former_paths.as_slice()).unwrap_or_default();
            for path in std::iter::once(&i.source_path).chain(former) {
                let name = path.rsplit('/').next().unwrap_or(path);
                let stem = crate::slugs::file_stem(path);
                add(name);
                add(stem);
                add(&crate::slugs::id_from_file_name(path));
            }
        }
        LeftOutNames { names, seen: Default::default() }
    }

    /// Whether the subject of commit `id` names a left-out incident.
    pub fn named_in(&self, id: &str, subject: &str) -> bool {
        if self.names.is_empty() {
            return false;
        }
        if let Some(&named) = self.seen.borrow().get(id) {
            return named;
        }
        let subject = normalised(subject);
        let named = self.names.iter().any(|n| contains_words(&subject, n));
        self.seen.borrow_mut().insert(id.to_string(), named);
        named
    }
}

/// Lower case, runs of white space as one space.
fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether `needle` occurs in `hay` with no letter, digit, `-` or `_`
/// right before or after it (`db-outage` is not named by `db-outage-2`).
fn contains_words(hay: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut from = 0;
    while let Some(k) = hay[from..].find(needle) {
        let start = from + k;
        let end = start + needle.len();
        if !hay[..start].chars().next_back().is_some_and(word) && !hay[end..].chars().next().is_some_and(word) {
            return true;
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_replaced_in_subjects_and_names() {
        assert_eq!(without_emails("Merge from <jo@example.com> today"), "Merge from [email] today");
        assert_eq!(without_emails("Fix @mention handling"), "Fix @mention handling");
        assert_eq!(public_name("jo@example.com"), None);
        assert_eq!(public_name("  Jo Doe "), Some("Jo Doe".to_string()));
    }

    #[test]
    fn a_subject_is_withheld_only_when_it_names_a_left_out_incident() {
        let draft = Incident {
            id: "2024-03-01-payroll-outage".into(),
            source_path: "content/incidents/2024-03-01 Payroll outage.md".into(),
            title: "The `payroll` outage".into(),
            ..Incident::default()
        };
        let names = LeftOutNames::new([&draft]);
        for (n, subject) in [
            "Draft 2024-03-01-PAYROLL-OUTAGE",
            "Add 2024-03-01 payroll   outage",
            "Edit \"2024-03-01 Payroll outage.md\"",
            "Write up the Payroll Outage",
            "the payroll outage: lessons",
        ]
        .iter()
        .enumerate()
        {
            assert!(names.named_in(&n.to_string(), subject), "{subject}");
        }
        for (n, subject) in ["Bulk import of 240 postmortems", "2024-03-01-payroll-outage-2 added", "payroll outages"]
            .iter()
            .enumerate()
        {
            assert!(!names.named_in(&format!("x{n}"), subject), "{subject}");
        }
        assert!(!LeftOutNames::new([]).named_in("a", "anything"));
    }
}
