//! The one walk over the history that gives every file its revisions.
//!
//! Commits are visited newest first. A commit whose `content/` tree equals
//! a parent's is skipped without diffing; otherwise its `content/` tree is
//! diffed against its parent's with rename tracking. Walking backwards, a
//! rename moves the file's identity to its old path, so older commits under
//! the old name still count for the file as it is named today.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use gix::diff::tree::recorder::Location;
use gix::diff::tree_with_rewrites::{ChangeRef, Options};
use gix::diff::Rewrites;
use gix::objs::TreeRefIter;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;
use gix::ObjectId;
use jiff::Timestamp;

use super::{read_error, FileHistory, GitError, History, Repo, Revision};

/// A file-level change inside `content/`, paths relative to `content/`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Added(String),
    Modified(String),
    Deleted(String),
    Renamed { from: String, to: String },
}

impl Change {
    /// The path the change leaves behind (for a deletion, the path removed).
    fn path(&self) -> &str {
        match self {
            Change::Added(p) | Change::Modified(p) | Change::Deleted(p) => p,
            Change::Renamed { to, .. } => to,
        }
    }
}

/// Per-file accumulation while walking.
struct FileAcc {
    /// Indices into `revisions`, newest first.
    revisions: Vec<usize>,
    former_paths: Vec<String>,
}

/// The files met so far and which of them each path holds.
#[derive(Default)]
struct Files {
    accs: Vec<FileAcc>,
    /// Path of each file today (at the tip), parallel to `accs`.
    current: Vec<String>,
    /// Which file a path holds at the walk's current point in history;
    /// `None` once the walk is past the commit that created the path.
    /// A path not yet met holds the file of that name at the tip.
    at: HashMap<String, Option<usize>>,
}

impl Files {
    fn file_of(&mut self, path: &str) -> Option<usize> {
        if let Some(k) = self.at.get(path) {
            return *k;
        }
        let k = self.accs.len();
        self.accs.push(FileAcc { revisions: Vec::new(), former_paths: Vec::new() });
        self.current.push(path.to_string());
        self.at.insert(path.to_string(), Some(k));
        Some(k)
    }
}

struct Differ<'r> {
    repo: &'r gix::Repository,
    cache: gix::diff::blob::Platform,
    state: gix::diff::tree::State,
    rewrites: Option<Rewrites>,
    old_buf: Vec<u8>,
    new_buf: Vec<u8>,
}

impl Differ<'_> {
    /// Changes from `old` to `new` (`None`: an empty tree).
    fn diff(&mut self, old: Option<ObjectId>, new: Option<ObjectId>) -> Result<Vec<Change>, GitError> {
        match self.diff_with(old, new, self.rewrites) {
            Ok(changes) => Ok(changes),
            // Similarity needs blob contents; a partial clone may lack
            // them. Exact renames need only the trees.
            Err(_) if self.rewrites.is_some_and(|r| r.percentage.is_some()) => {
                self.diff_with(old, new, Some(Rewrites { percentage: None, ..Rewrites::default() }))
            }
            Err(e) => Err(e),
        }
    }

    fn diff_with(&mut self, old: Option<ObjectId>, new: Option<ObjectId>, rewrites: Option<Rewrites>) -> Result<Vec<Change>, GitError> {
        let kind = self.repo.object_hash();
        load_tree(self.repo, old, &mut self.old_buf)?;
        load_tree(self.repo, new, &mut self.new_buf)?;
        let mut out = Vec::new();
        let result = gix::diff::tree_with_rewrites(
            TreeRefIter::from_bytes(&self.old_buf, kind),
            TreeRefIter::from_bytes(&self.new_buf, kind),
            &mut self.cache,
            &mut self.state,
            &self.repo.objects,
            |change| {
                if let Some(c) = convert(change) {
                    out.push(c);
                }
                Ok(ControlFlow::Continue(()))
            },
            Options { location: Some(Location::Path), rewrites },
        );
        self.cache.clear_resource_cache_keep_allocation();
        result.map_err(|e| read_error("comparing trees", e))?;
        Ok(out)
    }
}

fn convert(change: ChangeRef<'_>) -> Option<Change> {
    let s = |b: &gix::bstr::BStr| b.to_string();
    match change {
        ChangeRef::Addition { location, entry_mode, .. } if !entry_mode.is_tree() => Some(Change::Added(s(location))),
        ChangeRef::Deletion { location, entry_mode, .. } if !entry_mode.is_tree() => Some(Change::Deleted(s(location))),
        ChangeRef::Modification { location, entry_mode, .. } if !entry_mode.is_tree() => Some(Change::Modified(s(location))),
        ChangeRef::Rewrite { source_location, location, entry_mode, copy, .. } if !entry_mode.is_tree() => Some(if copy {
            Change::Added(s(location))
        } else {
            Change::Renamed { from: s(source_location), to: s(location) }
        }),
        _ => None,
    }
}

fn load_tree(repo: &gix::Repository, id: Option<ObjectId>, buf: &mut Vec<u8>) -> Result<(), GitError> {
    buf.clear();
    if let Some(id) = id {
        use gix::prelude::FindExt;
        repo.objects.find_tree_iter(&id, buf).map_err(|e| read_error(&format!("reading tree {id}"), e))?;
    }
    Ok(())
}

/// The id of the tree at `path` (e.g. `["content"]`) in a commit; `None`
/// when the commit has no such folder.
fn subtree(repo: &gix::Repository, commit: ObjectId, path: &[String], buf: &mut Vec<u8>) -> Result<Option<ObjectId>, GitError> {
    use gix::prelude::FindExt;
    let mut commit_iter = repo.objects.find_commit_iter(&commit, buf).map_err(|e| read_error(&format!("reading commit {commit}"), e))?;
    let mut id = commit_iter.tree_id().map_err(|e| read_error(&format!("reading commit {commit}"), e))?;
    for name in path {
        let tree = repo.objects.find_tree_iter(&id, buf).map_err(|e| read_error(&format!("reading tree {id}"), e))?;
        let mut found = None;
        for entry in tree {
            let entry = entry.map_err(|e| read_error(&format!("reading tree {id}"), e))?;
            if entry.filename == name.as_str() {
                found = entry.mode.is_tree().then(|| entry.oid.to_owned());
                break;
            }
        }
        match found {
            Some(next) => id = next,
            None => return Ok(None),
        }
    }
    Ok(Some(id))
}

/// Partial clones mark their promisor remote in the configuration.
fn is_partial(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if config.string("extensions.partialClone").is_some() {
        return true;
    }
    repo.remote_names()
        .iter()
        .any(|name| config.boolean(format!("remote.{name}.promisor").as_str()).unwrap_or(false))
}

pub(super) fn walk(repo: Repo, tip: ObjectId) -> Result<History, GitError> {
    let Repo { mut repo, prefix } = repo;
    repo.object_cache_size_if_unset(32 * 1024 * 1024);
    let shallow = repo.is_shallow().unwrap_or(false);
    let partial = is_partial(&repo);
    let mailmap = repo.open_mailmap();
    let content_path = {
        let mut p = prefix;
        p.push("content".to_string());
        p
    };

    let cache = repo.diff_resource_cache_for_tree_diff().map_err(|e| read_error("preparing diffs", e))?;
    let mut differ = Differ {
        repo: &repo,
        cache,
        state: Default::default(),
        rewrites: Some(Rewrites { percentage: if partial { None } else { Some(0.5) }, ..Rewrites::default() }),
        old_buf: Vec::new(),
        new_buf: Vec::new(),
    };

    let walk = repo
        .rev_walk([tip])
        .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst))
        .all()
        .map_err(|e| read_error("walking the history", e))?;

    // Commit → its content/ tree, for commits seen as parents but not yet visited.
    let mut content_trees: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
    let mut buf = Vec::new();
    let mut revisions: Vec<Arc<Revision>> = Vec::new();
    let mut files = Files::default();
    let (mut commits, mut content_commits) = (0, 0);

    for info in walk {
        let info = info.map_err(|e| read_error("walking the history", e))?;
        commits += 1;
        let own = match content_trees.remove(&info.id) {
            Some(t) => t,
            None => subtree(&repo, info.id, &content_path, &mut buf)?,
        };
        let mut parents: Vec<Option<ObjectId>> = Vec::with_capacity(info.parent_ids.len());
        for p in info.parent_ids.iter() {
            if let Some(t) = content_trees.get(p) {
                parents.push(*t);
                continue;
            }
            match subtree(&repo, *p, &content_path, &mut buf) {
                Ok(t) => {
                    content_trees.insert(*p, t);
                    parents.push(t);
                }
                // Beyond a shallow clone's boundary: the commit acts as a root.
                Err(_) if shallow => {}
                Err(e) => return Err(e),
            }
        }
        if parents.contains(&own) || (parents.is_empty() && own.is_none()) {
            continue;
        }
        content_commits += 1;

        let changes = match parents.as_slice() {
            [] => differ.diff(None, own)?,
            [p] => differ.diff(*p, own)?,
            [first, rest @ ..] => {
                // A merge changed a file only if the file differs from
                // every parent (as `git log -- file` sees it).
                let mut changes = differ.diff(*first, own)?;
                for p in rest {
                    let other: std::collections::HashSet<String> =
                        differ.diff(*p, own)?.iter().map(|c| c.path().to_string()).collect();
                    changes.retain(|c| other.contains(c.path()));
                }
                changes
            }
        };
        if changes.is_empty() {
            continue;
        }

        let rev = revisions.len();
        let mut used = false;
        let mut touched: Vec<usize> = Vec::new();
        for change in changes {
            match change {
                Change::Modified(p) => touched.extend(files.file_of(&p)),
                Change::Added(p) => {
                    touched.extend(files.file_of(&p));
                    files.at.insert(p, None);
                }
                Change::Deleted(p) => {
                    files.at.insert(p, None);
                }
                Change::Renamed { from, to } => {
                    let k = files.file_of(&to);
                    files.at.insert(to, None);
                    if let Some(k) = k {
                        touched.push(k);
                        files.accs[k].former_paths.push(format!("content/{from}"));
                        files.at.insert(from, Some(k));
                    }
                }
            }
        }
        for k in touched {
            let acc = &mut files.accs[k];
            if acc.revisions.last() != Some(&rev) {
                acc.revisions.push(rev);
                used = true;
            }
        }
        if used {
            revisions.push(Arc::new(revision(&repo, &mailmap, info.id)?));
        }
    }

    let files = files
        .current
        .into_iter()
        .zip(files.accs)
        .filter_map(|(path, acc)| {
            let revs: Vec<Arc<Revision>> = acc.revisions.iter().map(|&r| revisions[r].clone()).collect();
            let history = FileHistory {
                created: revs.last()?.date,
                updated: revs.first()?.date,
                revisions: revs,
                former_paths: acc.former_paths,
            };
            Some((format!("content/{path}"), Arc::new(history)))
        })
        .collect();
    Ok(History { tip: tip.to_string(), files, shallow, partial, commits, content_commits })
}

fn revision(repo: &gix::Repository, mailmap: &gix::mailmap::Snapshot, id: ObjectId) -> Result<Revision, GitError> {
    let commit = repo.find_commit(id).map_err(|e| read_error(&format!("reading commit {id}"), e))?;
    let author = commit.author().map_err(|e| read_error(&format!("reading commit {id}"), e))?;
    let seconds = author.seconds();
    let name = match mailmap.try_resolve(author) {
        Some(sig) => sig.name.to_string(),
        None => author.trim().name.to_string(),
    };
    let message = commit.message_raw_sloppy();
    let subject = message.to_string().lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    let short = commit.id().shorten_or_id().to_string();
    Ok(Revision {
        id: id.to_string(),
        short_id: if short.len() < 7 { id.to_hex_with_len(7).to_string() } else { short },
        date: Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH),
        subject,
        author: name,
    })
}
