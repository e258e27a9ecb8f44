//! Git: the archive's history, read from the repository itself with gix
//! (rca-site never runs the `git` program).
//!
//! [`History::load`] walks the history once for the whole archive and maps
//! every file under `content/` to its [`FileHistory`]: created and updated
//! dates, revisions, and the paths it had before a rename. It depends on
//! nothing else in the pipeline, so `serve` can call it again whenever the
//! repository's refs move. [`snapshot_at`] reads a commit's tree for
//! `build --rev`.

pub mod ignore;
mod quick;
mod tree;
mod view;
mod walk;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::{Diagnostics, Pos};
use crate::model::{CauseDoc, Incident, Include, Page};

pub use crate::model::{FileHistory, Revision, Tracked};
pub use tree::snapshot_at;
pub use view::{without_emails, DateView, HistoryView};

/// The history of a whole archive up to one commit.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Full id of the commit the history ends at (HEAD or `--rev`); empty
    /// when the repository has no commit yet.
    pub tip: String,
    /// Path relative to the archive root (`content/incidents/x.md`) → history.
    pub files: HashMap<String, Arc<FileHistory>>,
    /// The repository is a shallow clone: older commits are missing, so
    /// created dates are those of the oldest commit present.
    pub shallow: bool,
    /// A partial (blobless) clone: renames are detected only when the
    /// content did not change, since blob contents may be missing.
    pub partial: bool,
    /// How many commits the walk visited and how many changed content/.
    pub commits: usize,
    pub content_commits: usize,
    /// Files every commit of which is in `.git-blame-ignore-revs` (src/git/ignore.rs).
    pub ignored_only: std::collections::HashSet<String>,
}

/// Why history or a tree could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// `--rev` names nothing in the repository (a usage error).
    BadRev(String),
    /// `--rev` was given but the archive is not in a git repository.
    NotARepository(String),
    /// The repository could not be read.
    Read(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::BadRev(m) | GitError::NotARepository(m) | GitError::Read(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GitError {}

fn read_error(what: &str, e: impl std::fmt::Display) -> GitError {
    GitError::Read(format!("git: {what}: {e}"))
}

/// An opened repository and where the archive sits inside its work tree.
pub(crate) struct Repo {
    pub repo: gix::Repository,
    /// Path components from the repository root to the archive root
    /// (empty when the archive is the repository root).
    pub prefix: Vec<String>,
}

/// Finds the repository that contains `root` (searching upwards, as `git`
/// does). `Ok(None)` when `root` is not inside a git repository.
pub(crate) fn open(root: &Path) -> Result<Option<Repo>, GitError> {
    let abs = root.canonicalize().map_err(|e| read_error(&root.display().to_string(), e))?;
    if !has_git_dir_above(&abs) {
        return Ok(None);
    }
    let repo =
        gix::discover(&abs).map_err(|e| read_error(&format!("opening the repository at {}", root.display()), e))?;
    let prefix = match repo.workdir().and_then(|w| w.canonicalize().ok()) {
        Some(work) => match abs.strip_prefix(&work) {
            Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    Ok(Some(Repo { repo, prefix }))
}

/// Whether `.git` exists in `dir` or a parent: cheap, and tells "not a
/// repository" (a warning) apart from "a broken repository" (an error).
fn has_git_dir_above(dir: &Path) -> bool {
    dir.ancestors().any(|d| {
        d.join(".git").exists() || (d.join("HEAD").is_file() && d.join("objects").is_dir() && d.join("refs").is_dir())
    })
}

impl Repo {
    /// The commit `rev` names (HEAD when `None`); `Ok(None)` when HEAD has
    /// no commit yet.
    pub fn commit_id(&self, rev: Option<&str>) -> Result<Option<gix::ObjectId>, GitError> {
        match rev {
            Some(rev) => {
                let id = self.repo.rev_parse_single(rev).map_err(|e| {
                    GitError::BadRev(format!("--rev {rev:?}: no such branch, tag or commit in the repository ({e})"))
                })?;
                let commit = id
                    .object()
                    .map_err(|e| read_error(rev, e))?
                    .peel_to_commit()
                    .map_err(|_| GitError::BadRev(format!("--rev {rev:?} does not name a commit")))?;
                Ok(Some(commit.id))
            }
            None => match self.repo.head_id() {
                Ok(id) => Ok(Some(id.detach())),
                Err(_) if self.repo.head().map(|h| h.is_unborn()).unwrap_or(false) => Ok(None),
                Err(e) => Err(read_error("reading HEAD", e)),
            },
        }
    }

    /// `content`, `theme`, … with the archive's prefix in front.
    pub fn path_in_repo(&self, top: &str) -> Vec<String> {
        let mut p = self.prefix.clone();
        p.extend(top.split('/').map(str::to_string));
        p
    }
}

impl History {
    /// Reads the history of the archive at `root` up to `rev` (HEAD when
    /// `None`). `Ok(None)` when `root` is not in a git repository.
    pub fn load(root: &Path, rev: Option<&str>) -> Result<Option<History>, GitError> {
        let Some(repo) = open(root)? else {
            return if rev.is_some() {
                Err(GitError::NotARepository(format!(
                    "--rev needs a git repository, and {} is not in one",
                    root.display()
                )))
            } else {
                Ok(None)
            };
        };
        let Some(tip) = repo.commit_id(rev)? else {
            return Ok(Some(History::default()));
        };
        let ignored = ignore::read(&repo, tip);
        let mut h = walk::walk(repo, tip)?;
        h.ignored_only = ignore::apply(&mut h.files, &ignored).into_iter().collect();
        Ok(Some(h))
    }

    pub fn get(&self, path: &str) -> Tracked {
        match self.files.get(path) {
            Some(h) => Tracked::Committed(h.clone()),
            None if self.ignored_only.contains(path) => Tracked::Unknown,
            None => Tracked::NotCommitted,
        }
    }
}

/// Where the build's history comes from.
#[derive(Debug, Clone)]
pub enum HistorySource {
    /// Read the repository that contains `root`, up to `rev` (HEAD when `None`).
    Repository { root: PathBuf, rev: Option<String> },
    /// Already loaded from the repository that contains `root` (e.g. kept
    /// by `serve` until the refs move): `Ok(None)` when the archive is not
    /// in a repository, the error when it could not be read (reported by
    /// every build, as `build` reports it).
    Loaded { root: PathBuf, history: Result<Option<Arc<History>>, GitError> },
}

/// The history stage of the pipeline: loads the history and reports what
/// makes dates unreliable, once each.
pub fn history_stage(source: Option<&HistorySource>, diags: &mut Diagnostics) -> Option<Arc<History>> {
    let (history, root) = match source? {
        HistorySource::Loaded { root, history } => (history.clone(), root),
        HistorySource::Repository { root, rev } => (History::load(root, rev.as_deref()).map(|h| h.map(Arc::new)), root),
    };
    match history {
        Ok(Some(h)) => {
            if h.shallow {
                diags.warning(
                    ".git",
                    Pos::UNKNOWN,
                    "the repository is a shallow clone, so created dates and revision lists stop at the oldest commit fetched; \
                     fetch the full history with `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0` on actions/checkout)",
                );
            }
            Some(h)
        }
        Ok(None) => {
            let place = root.display();
            diags.warning(
                "",
                Pos::UNKNOWN,
                format!("{place} is not in a git repository: pages show front-matter dates only, without revision history (run `git init` and commit to get them)"),
            );
            None
        }
        Err(e) => {
            diags.warning(".git", Pos::UNKNOWN, format!("{e}; pages show front-matter dates only"));
            None
        }
    }
}

/// Gives each parsed document its git history, and each incident whose
/// id changed through a rename its former ids (for redirects). Former ids
/// that any current incident uses, visible or not, are dropped: a redirect
/// must never shadow a page or reveal a left-out incident's id.
///
/// A commit whose subject names a left-out incident ([`view::LeftOutNames`])
/// keeps its date but not its subject: commit subjects are free text
/// ("Add the draft about …").
pub fn attach(
    history: Option<&History>,
    include: Include,
    incidents: &mut [Incident],
    causes: &mut [CauseDoc],
    pages: &mut [Page],
) {
    let Some(history) = history else { return };
    for i in incidents.iter_mut() {
        i.history = history.get(&i.source_path);
    }
    let left_out = view::LeftOutNames::new(incidents.iter().filter(|i| !i.is_visible(&include)));
    let withhold = |r: &Revision| left_out.named_in(&r.id, &r.subject);
    let redacted = |t: Tracked| -> Tracked {
        match &t {
            Tracked::Committed(h) if h.revisions.iter().any(|r| withhold(r)) => {
                let mut h = FileHistory::clone(h);
                for r in h.revisions.iter_mut().filter(|r| withhold(r)) {
                    *r = Arc::new(Revision { subject: WITHHELD.to_string(), ..Revision::clone(r) });
                }
                Tracked::Committed(Arc::new(h))
            }
            _ => t,
        }
    };
    let visible: Vec<Tracked> = incidents
        .iter()
        .map(|i| if i.is_visible(&include) { redacted(i.history.clone()) } else { i.history.clone() })
        .collect();
    let causes_h: Vec<Tracked> = causes.iter().map(|c| redacted(history.get(&c.source_path))).collect();
    let pages_h: Vec<Tracked> = pages.iter().map(|p| redacted(history.get(&p.source_path))).collect();
    for (i, t) in incidents.iter_mut().zip(visible) {
        i.history = t;
    }
    for (c, t) in causes.iter_mut().zip(causes_h) {
        c.history = t;
    }
    for (p, t) in pages.iter_mut().zip(pages_h) {
        p.history = t;
    }
    let current: HashSet<String> = incidents.iter().map(|i| i.id.clone()).collect();
    let mut claimed: HashMap<String, usize> = HashMap::new();
    let mut former: Vec<Vec<String>> = vec![Vec::new(); incidents.len()];
    for (n, i) in incidents.iter().enumerate() {
        let Some(h) = i.history.history() else { continue };
        // An explicit `id:` that differs from the file name keeps the URL
        // stable across renames: nothing to redirect.
        if i.id != crate::slugs::id_from_file_name(&i.source_path) {
            continue;
        }
        for old in &h.former_paths {
            if !old.starts_with("content/incidents/") || !old.ends_with(".md") {
                continue;
            }
            let old_id = crate::slugs::id_from_file_name(old);
            if old_id.is_empty() || current.contains(&old_id) || former[n].contains(&old_id) {
                continue;
            }
            *claimed.entry(old_id.clone()).or_insert(0) += 1;
            former[n].push(old_id);
        }
    }
    for (i, ids) in incidents.iter_mut().zip(former) {
        // Two incidents that both once had the same id: neither gets it.
        i.former_ids = ids.into_iter().filter(|id| claimed.get(id) == Some(&1)).collect();
    }
}

/// The subject shown for a commit whose subject names a left-out incident.
pub const WITHHELD: &str = "(subject not shown)";
