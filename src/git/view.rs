//! The template context for a document's git history (`docs/theme.md`):
//! published and last-revised dates, the revision list, authors.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

use super::Tracked;
use crate::config::Config;
use crate::dates;

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
}
