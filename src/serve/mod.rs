//! `rca-site serve`: builds the site into memory, serves it over HTTP,
//! watches the archive and rebuilds incrementally, and reloads open tabs.
//!
//! One thread runs the watch → rebuild loop ([`Session::run`]); the HTTP
//! server answers each request on its own thread from the current
//! [`http::State`], which a successful rebuild swaps atomically. A failed
//! rebuild keeps the previous state and sends its errors to the tabs.

pub mod http;
pub mod incremental;
pub mod reload;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::diagnostics::{format_report, Format};
use crate::output::Memory;
use crate::pipeline::{build_site_reusing, BuildOptions};
use crate::source::{ArchiveRoot, Snapshot};

use self::http::{Files, Shared, State};
use self::incremental::{Cache, HashMap};
use self::reload::{Event, Hub};
use self::watch::Batch;

/// The archive being served and everything kept between rebuilds.
pub struct Session {
    pub root: PathBuf,
    archive_root: ArchiveRoot,
    pub opts: BuildOptions,
    pub quiet: bool,
    snapshot: Snapshot,
    cache: Cache,
    pub state: Shared,
    pub hub: Arc<Hub>,
    /// Distinguishes this server's builds from a previous server's.
    started: u128,
    builds: u64,
    /// Warnings printed after the last good build: printed again only when they change.
    warnings: String,
    /// The day of the last build: overdue action items are counted against it.
    day: Option<jiff::civil::Date>,
}

/// A build whose pages were published before its search index.
struct Early {
    /// From the start of the rebuild to the reload event.
    reloaded: Duration,
    /// Paths of the previous index, its page and the listing, served
    /// until the new ones are ready.
    kept_search: Vec<Arc<str>>,
}

/// A build's new files, and the files of `old` it left as they were.
fn merged(new: std::collections::HashMap<String, Vec<u8>>, carried: &[String], old: &Files) -> Files {
    let mut files = Files::default();
    files.reserve(new.len() + carried.len());
    files.extend(new.into_iter().map(|(p, b)| (Arc::from(p), Arc::new(b))));
    for path in carried {
        if let Some((p, b)) = old.get_key_value(path.as_str()) {
            files.entry(p.clone()).or_insert_with(|| b.clone());
        }
    }
    files
}

/// Files the search stage writes: the index and its page, and the listing
/// of /incidents/ (which points at the index's files).
fn after_pages(path: &str) -> bool {
    path.starts_with("search/") || path.strip_prefix(crate::listing::DIR).is_some_and(|r| r.starts_with('/'))
}

/// The site published before the search stage: this build's files (`new`
/// in the sink, `carried` from `old`, distinct paths as the pipeline
/// checks before it publishes) and `old`'s files of the search stage,
/// which stay until the new ones replace them (returned: those kept).
///
/// A body edit renders a few pages of ~34,000: `old` is then copied and
/// patched (3.5–6 ms at 10,000 incidents) rather than a map made again
/// (11–16 ms), when counting
/// proves the two the same. Every carried path is in `old` and not among
/// the new files, none of them is a file of the search stage, and `old`
/// and the new files together hold as many paths as the new, the carried
/// and `old`'s search-stage files: then `old` holds no page this build no
/// longer makes.
fn early_files(
    new: std::collections::HashMap<String, Vec<u8>>,
    carried: &[String],
    old: &Files,
) -> (Files, Vec<Arc<str>>) {
    let kept: Vec<Arc<str>> = old.keys().filter(|p| after_pages(p)).cloned().collect();
    let added = new.keys().filter(|p| !old.contains_key(p.as_str())).count();
    let patchable = old.len() + added == new.len() + carried.len() + kept.len()
        && !new.keys().any(|p| after_pages(p))
        && carried.iter().all(|p| !after_pages(p) && old.contains_key(p.as_str()) && !new.contains_key(p));
    if !patchable {
        return made_again(new, carried, old);
    }
    #[cfg(debug_assertions)]
    let expected = made_again(new.clone(), carried, old);
    let mut files = old.clone();
    files.extend(new.into_iter().map(|(p, b)| (Arc::from(p), Arc::new(b))));
    #[cfg(debug_assertions)]
    {
        let sorted = |mut v: Vec<Arc<str>>| {
            v.sort();
            v
        };
        assert!(files == expected.0, "the patched site differs from the one made again");
        assert_eq!(sorted(kept.clone()), sorted(expected.1));
    }
    (files, kept)
}

/// [`early_files`], made without `old`'s map.
fn made_again(
    new: std::collections::HashMap<String, Vec<u8>>,
    carried: &[String],
    old: &Files,
) -> (Files, Vec<Arc<str>>) {
    let mut files = merged(new, carried, old);
    let mut kept = Vec::new();
    for (p, b) in old.iter().filter(|(p, _)| after_pages(p)) {
        if !files.contains_key(p) {
            files.insert(p.clone(), b.clone());
            kept.push(p.clone());
        }
    }
    (files, kept)
}

/// What one rebuild did.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub ok: bool,
    pub took: Duration,
}

impl Session {
    pub fn new(root: &Path, mut opts: BuildOptions, quiet: bool) -> std::io::Result<Session> {
        let snapshot = Snapshot::from_dir(root)?;
        opts.history = Some(load_history(root));
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let state = State {
            files: HashMap::default(),
            build: format!("{started:x}-0"),
            errors: None,
            error_page: Some(Vec::new()),
            base: String::new(),
            report: String::new(),
        };
        Ok(Session {
            root: root.to_path_buf(),
            archive_root: ArchiveRoot::new(root)?,
            opts,
            quiet,
            snapshot,
            cache: Cache::on(),
            state: Arc::new(RwLock::new(Arc::new(state))),
            hub: Arc::new(Hub::default()),
            started,
            builds: 0,
            warnings: String::new(),
            day: None,
        })
    }

    /// Runs the pipeline over the current snapshot and publishes the result:
    /// a new site and `reload`, or (on errors) the old site and `errors`.
    pub fn rebuild(&mut self) -> Outcome {
        let t0 = Instant::now();
        // Past midnight, overdue flags change on pages kept from yesterday.
        let today = crate::dates::today();
        if self.day.is_some_and(|d| d != today) {
            self.cache.invalidate();
        }
        self.day = Some(today);
        // The site before this build: what a failed build leaves served,
        // even when its pages were published before its search stage failed.
        let before = self.state.read().unwrap_or_else(|e| e.into_inner()).clone();
        let sink = Arc::new(Memory::default());
        let early: Arc<Mutex<Option<Early>>> = Arc::default();
        self.cache.before_search = Some(self.publish_early(sink.clone(), early.clone(), t0));
        let built = build_site_reusing(&self.snapshot, &self.opts, &*sink, &mut self.cache);
        self.cache.before_search = None;
        let early = early.lock().unwrap_or_else(|e| e.into_inner()).take();
        if early.is_some() {
            self.builds += 1;
        }
        let report = format_report(&built.diagnostics, Format::Text);
        if built.diagnostics.has_errors() {
            let old = before;
            let errors: Vec<_> = built.diagnostics.sorted().into_iter().cloned().collect();
            let json = reload::errors_json(&errors);
            let error_page = old.error_page.is_some().then(|| reload::error_page(&errors));
            let next = State {
                files: old.files.clone(),
                build: old.build.clone(),
                errors: Some(json.clone()),
                error_page,
                base: old.base.clone(),
                report: report.clone(),
            };
            *self.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
            eprint!("{report}");
            let n = built.diagnostics.error_count();
            let serving = if old.error_page.is_some() {
                "there is no last good site yet: every page shows the errors until they are fixed"
            } else {
                "still serving the last good site"
            };
            eprintln!("error: {n} error{}; {serving}", if n == 1 { "" } else { "s" });
            self.hub.send(&Event::Errors(json));
            return Outcome { ok: false, took: t0.elapsed() };
        }
        let old = self.state.read().unwrap_or_else(|e| e.into_inner()).clone();
        let (files, build) = match &early {
            // The pages are out: swap the previous index for the new one.
            Some(e) => {
                let mut files = old.files.clone();
                for p in &e.kept_search {
                    files.remove(p);
                }
                files.extend(sink.take().into_iter().map(|(p, b)| (Arc::from(p), Arc::new(b))));
                (files, old.build.clone())
            }
            None => {
                self.builds += 1;
                (
                    merged(sink.take(), self.cache.carried_over(), &old.files),
                    format!("{:x}-{}", self.started, self.builds),
                )
            }
        };
        let pages = files.len();
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(State {
            files,
            build: build.clone(),
            errors: None,
            error_page: None,
            base: built.base_path.clone(),
            report: report.clone(),
        });
        let took = t0.elapsed();
        if !self.quiet {
            if report != self.warnings {
                eprint!("{report}");
                self.warnings = report;
            }
            let w = self.cache.last;
            eprintln!(
                "Built {} incident{}, {pages} files in {} ms ({}parse {} ms, archive {} ms, markdown {} ms, render {} ms, search {} ms; {} parsed, {} bodies, {} cards, {} pages kept, {} words indexed again{})",
                built.incidents,
                if built.incidents == 1 { "" } else { "s" },
                took.as_millis(),
                early.as_ref().map_or(String::new(), |e| format!("pages reloaded after {} ms; ", e.reloaded.as_millis())),
                built.timings.parse.as_millis(),
                built.timings.archive.as_millis(),
                built.timings.markdown.as_millis(),
                built.timings.render.as_millis(),
                built.timings.search.as_millis(),
                w.parsed,
                w.bodies,
                w.cards,
                w.pages_skipped,
                self.cache.words_indexed_again(),
                if w.full { ", full render" } else { "" }
            );
        }
        if early.is_none() {
            self.hub.send(&Event::Reload(build));
        }
        Outcome { ok: true, took }
    }

    /// The hook that publishes a build's pages before its search index
    /// ([`Cache::pages_ready`]): the new pages, the pages carried over,
    /// and the previous index with its `/search/` page and the listing of
    /// /incidents/ until the new ones replace them. Then the tabs reload.
    fn publish_early(
        &self,
        sink: Arc<Memory>,
        early: Arc<Mutex<Option<Early>>>,
        t0: Instant,
    ) -> incremental::BeforeSearch {
        let (state, hub) = (self.state.clone(), self.hub.clone());
        let build = format!("{:x}-{}", self.started, self.builds + 1);
        Box::new(move |carried: &[String], base: &str| {
            let old = state.read().unwrap_or_else(|e| e.into_inner()).clone();
            let (files, kept_search) = early_files(sink.take(), carried, &old.files);
            *state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(State {
                files,
                build: build.clone(),
                errors: None,
                error_page: None,
                base: base.to_string(),
                report: old.report.clone(),
            });
            hub.send(&Event::Reload(build.clone()));
            *early.lock().unwrap_or_else(|e| e.into_inner()) = Some(Early { reloaded: t0.elapsed(), kept_search });
        })
    }

    /// The path the site is served under (that of `base_url`; "" for the root).
    pub fn base(&self) -> String {
        self.state.read().unwrap_or_else(|e| e.into_inner()).base.clone()
    }

    /// New commits: the git history is read again (one walk), and every
    /// page is rendered again, since dates and revision lists may change.
    pub fn reload_history(&mut self) {
        self.opts.history = Some(load_history(&self.root));
        self.cache.invalidate();
    }

    /// Applies a batch of changed paths to the snapshot. Returns whether
    /// anything the build reads changed (an editor saving identical bytes
    /// does not count).
    pub fn apply(&mut self, batch: &Batch) -> bool {
        if batch.rescan {
            return match Snapshot::from_dir(&self.root) {
                Ok(s) => {
                    self.snapshot = s;
                    true
                }
                Err(e) => {
                    eprintln!("error: reading {}: {e}", self.root.display());
                    false
                }
            };
        }
        let mut changed = false;
        for rel in &batch.paths {
            changed |= self.refresh(rel);
        }
        changed
    }

    /// Reads one path (file or folder) again, through the same rule as the
    /// first read ([`ArchiveRoot::files_under`]): a path that leads through a
    /// symlink out of the archive or into `.git/` is never read, however
    /// the event that named it came about.
    fn refresh(&mut self, rel: &str) -> bool {
        let files = &mut self.snapshot.files;
        let prefix = format!("{rel}/");
        let before: Vec<String> =
            files.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)).map(|(p, _)| p.clone()).collect();
        let mut refused = Vec::new();
        let found = self.archive_root.files_under(rel, &mut refused).unwrap_or_default();
        for r in &refused {
            eprintln!("warning: {r}");
        }
        let mut changed = false;
        let mut seen = std::collections::HashSet::new();
        for path in found {
            let Ok(bytes) = std::fs::read(self.root.join(&path)) else { continue };
            seen.insert(path.clone());
            match files.get(&path) {
                Some(old) if old.as_slice() == bytes.as_slice() => {}
                _ => {
                    files.insert(path, Arc::new(bytes));
                    changed = true;
                }
            }
        }
        for p in before.into_iter().chain(std::iter::once(rel.to_string())) {
            if !seen.contains(&p) && files.remove(&p).is_some() {
                changed = true;
            }
        }
        changed
    }

    /// Waits for changes and rebuilds until `stop` is set.
    pub fn run(&mut self, rx: &Receiver<Batch>, watcher: &mut watch::Watcher, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            let batch = match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(b) => b,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            // A burst arrives as several batches: wait for a quiet spell.
            let mut burst = watch::Burst::new(batch);
            while let Ok(more) = rx.recv_timeout(burst.quiet()) {
                burst.add(more);
            }
            let batch = burst.batch;
            for top in ["content", "theme"] {
                if batch.paths.contains(top) {
                    if let Err(e) = watcher.watch_top(&self.root, top) {
                        eprintln!("warning: cannot watch {top}/: {e}");
                    }
                }
            }
            let content = self.apply(&batch);
            if batch.history {
                self.reload_history();
            }
            if content || batch.history || batch.rescan {
                self.rebuild();
            }
        }
    }
}

/// Reads the archive's git history once, for every rebuild until the
/// refs move (the build itself would walk it again each time). A read
/// error is kept as it is: each build reports it, as `build` does.
fn load_history(root: &Path) -> crate::git::HistorySource {
    crate::git::HistorySource::Loaded {
        root: root.to_path_buf(),
        history: crate::git::History::load(root, None).map(|h| h.map(Arc::new)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(paths: &[&str]) -> Files {
        paths.iter().map(|p| (Arc::from(*p), Arc::new(format!("old {p}").into_bytes()))).collect()
    }

    /// The site a tab reloads into before the search stage is done keeps
    /// the last index and the listing /incidents/ fetches (the listing was
    /// left out, and the page's sort and filter found nothing until the
    /// index was built), and drops the pages this build no longer makes;
    /// patching the last site or making it again gives the same.
    #[test]
    fn the_early_site_keeps_the_last_index_and_listing() {
        let late = ["search/index.html", "search/ab12/manifest.json", "listing/index.json", "listing/ab12/r/0.txt"];
        let carried = vec!["incidents/b/index.html".to_string(), "tags/x/index.html".to_string()];
        for gone in [None, Some("incidents/gone/index.html")] {
            let mut paths = vec!["incidents/a/index.html", "incidents/b/index.html", "tags/x/index.html"];
            paths.extend(late);
            paths.extend(gone);
            let old = site(&paths);
            let new = std::collections::HashMap::from([("incidents/a/index.html".to_string(), b"new a".to_vec())]);
            let (files, mut kept) = early_files(new, &carried, &old);
            let mut want = site(&paths);
            want.insert(Arc::from("incidents/a/index.html"), Arc::new(b"new a".to_vec()));
            if let Some(g) = gone {
                want.remove(g);
            }
            assert!(files == want, "{gone:?}: {:?}", files.keys().collect::<Vec<_>>());
            kept.sort();
            let mut late: Vec<Arc<str>> = late.iter().map(|p| Arc::from(*p)).collect();
            late.sort();
            assert_eq!(kept, late);
        }
        assert!(after_pages("listing/index.json") && !after_pages("listings/x.html") && !after_pages("listing"));
    }
}
