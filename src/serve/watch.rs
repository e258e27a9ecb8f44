//! Watching the archive: `content/`, `theme/` and `rca-site.toml` for
//! content, and `.git/HEAD`, `.git/packed-refs` and `.git/refs/**` for new
//! commits. The output directory is never watched (only the root folder
//! itself is, not recursively, to see `rca-site.toml` and new top-level
//! folders).
//!
//! Events go through notify-debouncer-full with a short window, and the
//! serve loop then waits for a short quiet spell ([`QUIET`]) before it
//! rebuilds, so a burst — an editor's temp-file dance, a `git checkout`
//! touching hundreds of files — becomes one rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, Debouncer, NoCache};

use crate::config::CONFIG_FILE;
use crate::source::is_ignored;

/// The debouncer's window: events for one path within it are merged. An
/// editor's save (write and close, or a temp file renamed over the old one)
/// comes within a millisecond; each millisecond here is one more before a
/// body edit's reload (4 ms, with its tick of 1 ms: 53.1 ms median at 10,000
/// incidents against 59.2-60.3 ms with 10 ms; bench/README.md). A writer
/// slower than that gives two batches for the same file; the serve loop
/// then waits [`QUIET`] again, not [`BURST_QUIET`] ([`Burst::add`]).
pub const DEBOUNCE: Duration = Duration::from_millis(4);
/// After a batch, the serve loop waits until no new batch came for this
/// long, so that a long burst still gives one rebuild.
pub const QUIET: Duration = Duration::from_millis(10);
/// The quiet spell once a burst is seen — a later batch names a path the
/// first did not, or one names more than [`BURST_PATHS`] paths (a checkout,
/// a copy, a search-and-replace over many files), or the refs moved:
/// writers of many files pause between files, more so on a busy machine.
pub const BURST_QUIET: Duration = Duration::from_millis(250);
pub const BURST_PATHS: usize = 3;

/// The batches of one save or of one burst, merged as they come, and
/// whether they are a burst.
#[derive(Debug, Default)]
pub struct Burst {
    pub batch: Batch,
    burst: bool,
}

impl Burst {
    pub fn new(first: Batch) -> Burst {
        let burst = first.paths.len() > BURST_PATHS || first.rescan;
        Burst { batch: first, burst }
    }

    /// Adds a later batch. Naming only paths already seen, it is the rest
    /// of a save the debounce window split (a write descheduled between
    /// its truncation and its bytes), not a burst of many files.
    pub fn add(&mut self, more: Batch) {
        self.burst |= more.rescan || more.history || more.paths.iter().any(|p| !self.batch.paths.contains(p));
        self.batch.merge(more);
        self.burst |= self.batch.paths.len() > BURST_PATHS;
    }

    /// How long to wait for more changes before rebuilding.
    pub fn quiet(&self) -> Duration {
        if self.burst {
            BURST_QUIET
        } else {
            QUIET
        }
    }
}
/// How often `--poll` looks at every file. It compares contents, not only
/// modification times, which notify's poller keeps in whole seconds (an
/// edit within the second after the previous look would be missed).
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What changed, as archive-relative `/` paths.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// `rca-site.toml`, or paths under `content/` or `theme/` (files or folders).
    pub paths: BTreeSet<String>,
    /// `.git/HEAD` or a ref moved: the history must be read again.
    pub history: bool,
    /// The watcher lost events: read the whole archive again.
    pub rescan: bool,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.history && !self.rescan
    }

    pub fn merge(&mut self, other: Batch) {
        self.paths.extend(other.paths);
        self.history |= other.history;
        self.rescan |= other.rescan;
    }
}

/// A running watcher; dropping it stops watching.
pub enum Watcher {
    Native(Debouncer<RecommendedWatcher, NoCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

/// What the watcher watches under one archive root.
pub struct Targets {
    pub root: PathBuf,
    pub git_dir: Option<PathBuf>,
}

impl Watcher {
    /// Starts watching `targets`, sending each debounced batch to `tx`.
    pub fn start(targets: &Targets, poll: bool, tx: Sender<Batch>) -> notify::Result<Watcher> {
        let root = targets.root.clone();
        let git = targets.git_dir.clone();
        let handler = move |res: DebounceEventResult| {
            let batch = match res {
                Ok(events) => classify(&root, git.as_deref(), events.iter().map(|e| &e.event)),
                Err(_) => Batch { rescan: true, ..Batch::default() },
            };
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
        };
        // Symlinks are not followed: a link out of the archive (even to `/`)
        // must not make serve watch, let alone read, what is behind it. Every
        // path an event names is still checked again when it is read
        // ([`crate::source::ArchiveRoot`]).
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut w = if poll {
            let config = config.with_poll_interval(POLL_INTERVAL).with_compare_contents(true);
            Watcher::Poll(new_debouncer_opt(DEBOUNCE, Some(DEBOUNCE / 4), handler, NoCache, config)?)
        } else {
            Watcher::Native(new_debouncer_opt(DEBOUNCE, Some(DEBOUNCE / 4), handler, NoCache, config)?)
        };
        w.watch(&targets.root, RecursiveMode::NonRecursive)?;
        for top in ["content", "theme"] {
            w.watch_top(&targets.root, top)?;
        }
        for dir in incident_folders(&targets.root) {
            w.watch_if_dir(&dir)?;
        }
        if let Some(git) = &targets.git_dir {
            w.watch(git, RecursiveMode::NonRecursive)?;
            w.watch_if_dir(&git.join("refs"))?;
        }
        Ok(w)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Watcher::Native(d) => d.watch(path, mode),
            Watcher::Poll(d) => d.watch(path, mode),
        }
    }

    /// Watches `content/` or `theme/` (e.g. made after start), unless it is
    /// a symlink the archive may not follow: `theme -> /` must not make
    /// serve watch the whole disk.
    pub fn watch_top(&mut self, root: &Path, top: &str) -> notify::Result<()> {
        match crate::source::ArchiveRoot::new(root).map(|a| a.admit(top)) {
            Ok(Ok(())) => self.watch_if_dir(&root.join(top)),
            _ => Ok(()),
        }
    }

    /// Watches a folder recursively if it exists.
    pub fn watch_if_dir(&mut self, dir: &Path) -> notify::Result<()> {
        if dir.is_dir() {
            self.watch(dir, RecursiveMode::Recursive)?;
        }
        Ok(())
    }
}

/// The folders outside `content/` that the `incidents` globs select files
/// in (an archive adopted in place). Files at the root are seen by the
/// root's own watch; a glob that crosses folders from the root (`**/*.md`)
/// watches every top-level folder but the repository's, build and output ones.
fn incident_folders(root: &Path) -> Vec<PathBuf> {
    let text = std::fs::read(root.join(CONFIG_FILE)).ok();
    let (config, selection) = crate::select::of_config_text(text.as_deref());
    let mut out = Vec::new();
    for base in selection.bases() {
        if base == "content" || base.starts_with("content/") || base == "theme" || base.starts_with("theme/") {
            continue;
        }
        if !base.is_empty() {
            out.push(root.join(&base));
            continue;
        }
        if !config.incidents.iter().any(|g| g.contains("**") || g.contains('/')) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(root) else { continue };
        for e in entries.flatten() {
            let name = e.file_name();
            let n = name.to_string_lossy();
            if e.path().is_dir()
                && !is_ignored(&name)
                && !matches!(n.as_ref(), "content" | "theme" | "target" | "node_modules")
                && n != config.output.trim_start_matches("./")
            {
                out.push(e.path());
            }
        }
    }
    out
}

/// The git directory of an archive: `.git`, or where a `.git` file points
/// (worktrees, submodules).
pub fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot = root.join(".git");
    if dot.is_dir() {
        return Some(dot);
    }
    let text = std::fs::read_to_string(&dot).ok()?;
    let target = text.strip_prefix("gitdir:")?.trim();
    let path = root.join(target);
    path.is_dir().then_some(path)
}

/// Sorts events into content paths and history changes; drops reads,
/// editor leftovers and everything else under the root.
pub fn classify<'a>(root: &Path, git: Option<&Path>, events: impl Iterator<Item = &'a notify::Event>) -> Batch {
    let mut batch = Batch::default();
    // Incident files the globs select outside content/ (read per batch, so
    // an edit of the globs applies to the next change).
    let (_, selection) = crate::select::of_config_text(std::fs::read(root.join(CONFIG_FILE)).ok().as_deref());
    for ev in events {
        if ev.need_rescan() {
            batch.rescan = true;
            continue;
        }
        let read_only = matches!(
            ev.kind,
            EventKind::Access(
                AccessKind::Open(_)
                    | AccessKind::Read
                    | AccessKind::Close(AccessMode::Read | AccessMode::Execute | AccessMode::Any)
            )
        );
        if read_only {
            continue;
        }
        for path in &ev.paths {
            if let Some(git) = git {
                if let Ok(rel) = path.strip_prefix(git) {
                    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
                    if matches!(first.as_deref(), Some("HEAD" | "packed-refs" | "refs")) {
                        batch.history = true;
                    }
                    continue;
                }
            }
            let Ok(rel) = path.strip_prefix(root) else { continue };
            let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let wanted = match parts.first().map(String::as_str) {
                Some(CONFIG_FILE) => parts.len() == 1,
                Some("content" | "theme") => true,
                _ => selection.is_incident(&parts.join("/")),
            };
            if wanted && !parts.iter().skip(1).any(|p| is_ignored(std::ffi::OsStr::new(p))) {
                batch.paths.insert(parts.join("/"));
            }
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind};

    fn ev(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    fn batch(paths: &[&str]) -> Batch {
        Batch { paths: paths.iter().map(|p| p.to_string()).collect(), ..Batch::default() }
    }

    #[test]
    fn a_save_split_in_two_batches_is_not_a_burst() {
        let mut b = Burst::new(batch(&["content/incidents/x.md"]));
        assert_eq!(b.quiet(), QUIET);
        b.add(batch(&["content/incidents/x.md"]));
        b.add(batch(&["content/incidents/x.md"]));
        assert_eq!(b.quiet(), QUIET);
        assert_eq!(b.batch.paths.len(), 1);
    }

    #[test]
    fn new_paths_many_paths_moved_refs_and_rescans_are_bursts() {
        let mut b = Burst::new(batch(&["content/incidents/x.md"]));
        b.add(batch(&["content/incidents/y.md"]));
        assert_eq!(b.quiet(), BURST_QUIET, "a second file");
        let b = Burst::new(batch(&["content/a.md", "content/b.md", "content/c.md", "content/d.md"]));
        assert_eq!(b.quiet(), BURST_QUIET, "more than BURST_PATHS at once");
        let mut b = Burst::new(batch(&["content/a.md"]));
        b.add(Batch { history: true, ..batch(&["content/a.md"]) });
        assert_eq!(b.quiet(), BURST_QUIET, "a checkout moves HEAD after its files");
        let b = Burst::new(Batch { rescan: true, ..Batch::default() });
        assert_eq!(b.quiet(), BURST_QUIET);
        // A commit alone (the refs move, no file changes) waits the short spell.
        let b = Burst::new(Batch { history: true, ..Batch::default() });
        assert_eq!(b.quiet(), QUIET);
    }

    #[test]
    fn sorts_content_history_and_noise() {
        let root = Path::new("/a");
        let git = Path::new("/a/.git");
        let events = [
            ev(EventKind::Modify(ModifyKind::Any), "/a/content/incidents/x.md"),
            ev(EventKind::Create(CreateKind::File), "/a/content/incidents/.x.md.swp"),
            ev(EventKind::Create(CreateKind::File), "/a/content/incidents/x.md~"),
            ev(EventKind::Modify(ModifyKind::Any), "/a/rca-site.toml"),
            ev(EventKind::Modify(ModifyKind::Any), "/a/public/index.html"),
            ev(EventKind::Access(AccessKind::Open(AccessMode::Any)), "/a/theme/templates/base.html"),
            ev(EventKind::Modify(ModifyKind::Any), "/a/.git/index"),
        ];
        let b = classify(root, Some(git), events.iter());
        assert_eq!(b.paths.iter().map(String::as_str).collect::<Vec<_>>(), ["content/incidents/x.md", "rca-site.toml"]);
        assert!(!b.history);
        let b = classify(root, Some(git), [ev(EventKind::Modify(ModifyKind::Any), "/a/.git/refs/heads/main")].iter());
        assert!(b.history && b.paths.is_empty());
        let b = classify(root, Some(git), [ev(EventKind::Create(CreateKind::File), "/a/.git/HEAD")].iter());
        assert!(b.history);
    }

    #[test]
    fn watches_incident_files_the_globs_select_outside_content() {
        let root = std::env::temp_dir().join(format!("rca-watch-globs-{}", std::process::id()));
        std::fs::create_dir_all(root.join("postmortems/2020")).unwrap();
        std::fs::create_dir_all(root.join("node_modules")).unwrap();
        std::fs::write(root.join(CONFIG_FILE), "incidents = [\"*.md\", \"postmortems/**/*.md\"]\n").unwrap();
        let p = |rel: &str| root.join(rel).display().to_string();
        let events = [
            ev(EventKind::Modify(ModifyKind::Any), &p("outage.md")),
            ev(EventKind::Modify(ModifyKind::Any), &p("README.md")),
            ev(EventKind::Modify(ModifyKind::Any), &p("postmortems/2020/db.md")),
            ev(EventKind::Modify(ModifyKind::Any), &p("notes.txt")),
        ];
        let b = classify(&root, None, events.iter());
        assert_eq!(b.paths.iter().map(String::as_str).collect::<Vec<_>>(), ["outage.md", "postmortems/2020/db.md"]);
        assert_eq!(incident_folders(&root), [root.join("postmortems")]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
