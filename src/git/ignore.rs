//! Commits left out of revision lists: those listed in the repository's
//! `.git-blame-ignore-revs` (the file `git blame --ignore-revs-file` and
//! GitHub read), one commit id per line, `#` comments. Such commits are
//! mechanical (a reformat, a move) or, as in the tool's own example archive,
//! not about the postmortems at all; a revision list shows what was edited
//! in the postmortem, so they are not in it, and the file's created and
//! last-revised dates come from the commits that remain. A file whose every
//! commit is listed has no git dates (front matter ones, as without git).
//!
//! The list is read from the commit being built (HEAD or `--rev`), so a
//! build of a commit is the same wherever it runs.

use std::collections::HashMap;
use std::sync::Arc;

use super::{FileHistory, Repo};

/// The file's name at the top of the repository.
pub const FILE: &str = ".git-blame-ignore-revs";

/// The ids listed in `text`: full or abbreviated (at least 7) hexadecimal
/// ids, lower-cased; anything else on a line after the id is ignored.
pub fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| id.len() >= 7 && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The list at the top of the repository in the tree of `tip`; empty when
/// there is none or it cannot be read.
pub(super) fn read(repo: &Repo, tip: gix::ObjectId) -> Vec<String> {
    let r = &repo.repo;
    let Ok(tree) = r.find_commit(tip).and_then(|c| c.tree()) else { return Vec::new() };
    let Ok(Some(entry)) = tree.lookup_entry_by_path(FILE) else { return Vec::new() };
    if !entry.mode().is_blob() {
        return Vec::new();
    }
    r.find_blob(entry.object_id()).map(|b| parse(&String::from_utf8_lossy(&b.data))).unwrap_or_default()
}

/// Drops the listed commits from every file's revisions. Returns the paths
/// whose every revision was listed (removed from `files`).
pub fn apply(files: &mut HashMap<String, Arc<FileHistory>>, ignored: &[String]) -> Vec<String> {
    if ignored.is_empty() {
        return Vec::new();
    }
    let listed = |id: &str| ignored.iter().any(|i| id.starts_with(i.as_str()));
    let mut emptied = Vec::new();
    for (path, h) in files.iter_mut() {
        if !h.revisions.iter().any(|r| listed(&r.id)) {
            continue;
        }
        let kept: Vec<_> = h.revisions.iter().filter(|r| !listed(&r.id)).cloned().collect();
        match (kept.first(), kept.last()) {
            (Some(newest), Some(oldest)) => {
                let (updated, created) = (newest.date, oldest.date);
                *h = Arc::new(FileHistory { created, updated, revisions: kept, former_paths: h.former_paths.clone() });
            }
            _ => emptied.push(path.clone()),
        }
    }
    for p in &emptied {
        files.remove(p);
    }
    emptied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::Revision;

    fn rev(id: &str, day: &str, subject: &str) -> Arc<Revision> {
        Arc::new(Revision {
            id: id.to_string(),
            short_id: id[..7].to_string(),
            date: format!("{day}T12:00:00Z").parse().unwrap(),
            subject: subject.to_string(),
            author: String::new(),
        })
    }

    #[test]
    fn parses_ids_and_skips_comments_and_junk() {
        let text = "# tool commits\nebd5330aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n  7964FCC  # nav\nnot-an-id\nabc\n";
        assert_eq!(parse(text), ["ebd5330aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "7964fcc"]);
    }

    #[test]
    fn listed_commits_leave_the_list_and_the_dates() {
        let h = FileHistory {
            created: "2026-01-01T12:00:00Z".parse().unwrap(),
            updated: "2026-03-01T12:00:00Z".parse().unwrap(),
            revisions: vec![
                rev("cccccccc11", "2026-03-01", "Core pipeline: feeds"),
                rev("bbbbbbbb22", "2026-02-01", "Upload outage: add the timeline"),
                rev("aaaaaaaa33", "2026-01-01", "Core pipeline: example archive"),
            ],
            former_paths: Vec::new(),
        };
        let only_tool = FileHistory { revisions: vec![rev("cccccccc44", "2026-03-01", "Tool")], ..h.clone() };
        let mut files: HashMap<String, Arc<FileHistory>> =
            [("a.md".to_string(), Arc::new(h)), ("b.md".to_string(), Arc::new(only_tool))].into();
        let emptied = apply(&mut files, &["cccccccc".to_string(), "aaaaaaa".to_string()]);
        assert_eq!(emptied, ["b.md"]);
        assert!(!files.contains_key("b.md"), "no commit left: no git dates");
        let a = &files["a.md"];
        let subjects: Vec<&str> = a.revisions.iter().map(|r| r.subject.as_str()).collect();
        assert_eq!(subjects, ["Upload outage: add the timeline"]);
        assert_eq!(a.created, a.updated);
        assert_eq!(a.created.to_string(), "2026-02-01T12:00:00Z");
    }
}
