//! serve's cache: what one build keeps for the next, as a [`Reuse`].
//!
//! [`crate::pipeline`] is the one pipeline; this cache only lets it skip
//! work. `build` runs it with [`crate::reuse::NoReuse`] (nothing kept,
//! nothing skipped); `serve` keeps one [`Cache`] for its whole session.
//! The cache knows no rule of which page shows what: the page families
//! (src/pages/) fingerprint every page, and a page is kept when its key,
//! path and fingerprint are those of a page of the last good build.
//!
//! What is reused, and when it is thrown away:
//! - parsed incidents, by path and file contents (and the config and cause
//!   files they were parsed with): an edit re-parses only the edited file.
//!   A parsed incident is not copied: it is lent to the archive of a build
//!   and taken back at its end ([`Cache::keep`], [`Cache::failed`]);
//! - the archive of the last good build, when only incident bodies changed
//!   since (the same front matter, byte for byte): the new incidents are
//!   put in their places, and what linking reported is reported again;
//! - rendered bodies, by source path: while the file is as it was and
//!   every cross-link the body looked up finds what it found
//!   ([`crate::pages::fingerprint::Lookup`]);
//! - cards, by the digest they were built from ([`CardCache`]);
//! - pages and feeds, by fingerprint ([`Reuse::still_have`]): their bytes
//!   are those serve is serving, carried over into the new site.
//!
//! A failed build or [`Cache::invalidate`] (new git history) throws away
//! all but the parsed files: the next build renders everything.
//!
//! The search index is built last, after serve has published the pages
//! and reloaded the tabs ([`Cache::before_search`]): until it is out, the
//! previous index and its `/search/` page are served together.

use std::hash::BuildHasherDefault;
use std::sync::Arc;

use rayon::prelude::*;

use crate::archive::{checks, Archive};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Incident, Include};
use crate::pages::{Bodies, CardCache, Page, PageKey, Renderer};
use crate::parse;
use crate::reuse::{KeptBody, Parsed, Reuse};
use crate::source::Snapshot;

pub use crate::pages::fingerprint::FxHasher;

/// Maps and sets keyed by paths and ids, looked up ten thousands of times
/// per rebuild: hashed with [`FxHasher`], not SipHash (no untrusted keys here).
pub type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

/// The body warnings of one incident file, and what they were read from.
struct Warned {
    bytes: Arc<Vec<u8>>,
    date: jiff::civil::Date,
    body_line: usize,
    diags: Diagnostics,
}

/// One incident file's parse result.
#[allow(clippy::large_enum_variant)] // Boxing would allocate once per incident and rebuild.
enum Slot {
    Failed(Vec<Diagnostic>),
    Held(Incident),
    /// In the archive of the build running now.
    Lent,
}

/// What one build keeps for the next (see the module docs).
#[derive(Default)]
pub struct Cache {
    /// The config the parsed incidents were parsed with.
    config: Option<Config>,
    parsed: HashMap<String, (Arc<Vec<u8>>, Slot)>,
    /// The cause files the parsed incidents' causes were folded with.
    causes: Vec<(String, Arc<Vec<u8>>)>,
    /// This build: changed incident files whose front matter is as before,
    /// with the warnings the link stage read off their bodies last time
    /// ([`checks::body_warnings`]).
    body_only: HashMap<String, Vec<Diagnostic>>,
    /// This build: something other than incident bodies changed.
    listings_dirty: bool,
    /// This build: files changed since the last good build.
    changed: HashSet<String>,
    /// This build reuses the last good build's archive (only bodies changed).
    reused_archive: bool,
    /// The incident digests of the last build that made them, in its
    /// archive's order ([`Reuse::incident_digests`]).
    incident_digests: Vec<u64>,
    /// The body warnings of the last link, by source path.
    warned: HashMap<String, Warned>,
    /// The front-matter checks of the last link, with what they read.
    checks: checks::Memo,
    /// What linking the archive last reported (cause spelling, duplicate
    /// ids, aliases…): reported again by a build that reuses that archive,
    /// so a body edit shows the same warnings as `build`.
    link_diags: Diagnostics,
    /// This build's base path ([`Config::base_path`]).
    base: String,
    /// This build's files other than incident files.
    others: Vec<(String, Arc<Vec<u8>>)>,
    /// The last build that succeeded.
    good: Option<Good>,
    /// `good` while a build runs; dropped when it fails.
    prev: Option<Good>,
    /// This build's pages with their fingerprints, for the next build.
    pages: HashMap<PageKey, (u64, String)>,
    pub cards: CardCache,
    /// The words of each document the search index held last time.
    search: crate::search::index::IndexCache,
    /// The elements of incidents.json, by the hash of their fields.
    json: crate::feeds::JsonCache,
    /// Whether each path of the snapshot is an incident, under the
    /// selection it was asked of: asking the globs again for each of
    /// 10,000 paths took 5 ms of every rebuild.
    selected: Option<(crate::select::Selection, HashMap<String, bool>)>,
    /// The templates of the last theme that compiled, and what they
    /// compiled to (2.5 ms of every rebuild otherwise).
    compiled: Option<(crate::theme::Templates, Arc<tera::Tera>)>,
    /// Figures of the last build, for progress output and benchmarks.
    pub last: Work,
    /// This build: the paths of the pages kept from the last good build.
    carried: Vec<String>,
    /// serve: publishes the pages before the search index is built (see
    /// [`Cache::pages_ready`]); called with the paths carried over.
    pub before_search: Option<BeforeSearch>,
}

/// What serve does once a build's pages are ready: publish them (the
/// paths carried over, and the base path they are served under) and
/// reload the tabs, while the search index is still being built.
pub type BeforeSearch = Box<dyn FnMut(&[String], &str) + Send>;

/// How much work the last build did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Work {
    pub parsed: usize,
    pub bodies: usize,
    pub cards: usize,
    pub pages_skipped: usize,
    /// Whether everything was rendered (no page was kept).
    pub full: bool,
}

struct Good {
    /// Its files other than incident files (config, theme, causes, pages).
    others: Vec<(String, Arc<Vec<u8>>)>,
    /// Without its incidents (they went back to the parse cache).
    archive: Archive,
    /// Id of each of its incidents, by index.
    ids: Vec<String>,
    /// Rendered incident bodies by source path.
    bodies: HashMap<String, KeptBody>,
    /// Its pages and feeds: fingerprint and output path, by key.
    pages: HashMap<PageKey, (u64, String)>,
}

impl Cache {
    /// Keeps what the next build can reuse (`serve`).
    pub fn on() -> Cache {
        Cache::default()
    }

    /// Forgets everything but the parsed files: the next build renders
    /// every page. THE place where new git history comes in: after
    /// `.git/HEAD` or a ref moved, serve calls this (and reloads history).
    pub fn invalidate(&mut self) {
        self.good = None;
        self.cards.clear();
    }

    /// How many words the last build's search index encoded again.
    pub fn words_indexed_again(&self) -> usize {
        self.search.words_encoded_again()
    }

    /// Output paths that the last successful build did not render because
    /// they were unchanged; their previous contents are still valid.
    pub fn carried_over(&self) -> &[String] {
        &self.carried
    }

    /// [`Archive::build`], keeping what it reported.
    #[allow(clippy::too_many_arguments)]
    fn link(
        &mut self,
        config: Config,
        include: Include,
        incidents: Vec<Incident>,
        causes: Vec<crate::model::CauseDoc>,
        pages: Vec<crate::model::Page>,
        home: Option<crate::model::Page>,
        diags: &mut Diagnostics,
    ) -> Archive {
        let mut linked = Diagnostics::new();
        // Body warnings read the file's body, date and first body line:
        // kept while the file is the one they were read from.
        let parsed = &self.parsed;
        let old = &self.warned;
        let warned: HashMap<String, Warned> = incidents
            .par_iter()
            .filter_map(|i| {
                let bytes = parsed.get(&i.source_path)?.0.clone();
                let kept = old
                    .get(&i.source_path)
                    .filter(|w| Arc::ptr_eq(&w.bytes, &bytes) && w.date == i.date && w.body_line == i.body_line);
                let diags = kept.map_or_else(|| checks::body_warnings(i), |w| w.diags.clone());
                Some((i.source_path.clone(), Warned { bytes, date: i.date, body_line: i.body_line, diags }))
            })
            .collect();
        let body_warnings =
            |i: &Incident| warned.get(&i.source_path).map_or_else(|| checks::body_warnings(i), |w| w.diags.clone());
        let memo = Some(&mut self.checks);
        let archive =
            Archive::build_with(config, include, incidents, causes, pages, home, &mut linked, &body_warnings, memo);
        self.warned = warned;
        diags.extend(linked.items().iter().cloned());
        self.link_diags = linked;
        archive
    }

    /// Puts the archive's incidents back into the parse cache; returns the
    /// archive without them and their ids.
    fn take_back(&mut self, mut archive: Archive, known_ids: Option<Vec<String>>) -> (Archive, Vec<String>) {
        let incidents = std::mem::take(&mut archive.incidents);
        let collect = known_ids.is_none();
        let mut ids = known_ids.unwrap_or_else(|| Vec::with_capacity(incidents.len()));
        for i in incidents {
            if collect {
                ids.push(i.id.clone());
            }
            if let Some((_, slot)) = self.parsed.get_mut(&i.source_path) {
                *slot = Slot::Held(i);
            }
        }
        (archive, ids)
    }
}

impl Reuse for Cache {
    fn fingerprints(&self) -> bool {
        true
    }

    /// The incident files, each path decided once under the same globs.
    fn incident_files<'s>(
        &mut self,
        snapshot: &'s Snapshot,
        selection: &crate::select::Selection,
    ) -> Vec<(&'s str, &'s [u8])> {
        let memo = match &mut self.selected {
            Some((s, memo)) if s.same_as(selection) => memo,
            slot => &mut slot.insert((selection.clone(), HashMap::default())).1,
        };
        // Paths of files deleted since are forgotten now and then.
        if memo.len() > 2 * snapshot.files.len() + 64 {
            memo.clear();
        }
        let mut out = Vec::new();
        for (path, bytes) in &snapshot.files {
            let is = match memo.get(path.as_str()) {
                Some(&is) => is,
                None => *memo.entry(path.clone()).or_insert_with(|| selection.is_incident(path)),
            };
            if is {
                out.push((path.as_str(), bytes.as_slice()));
            }
        }
        out
    }

    /// Parses the incident files, reusing the result for every file whose
    /// contents are those parsed before.
    fn parse_incidents(
        &mut self,
        snapshot: &Snapshot,
        files: &[(&str, &[u8])],
        config: &Config,
        include: Include,
    ) -> Vec<Parsed> {
        self.prev = None;
        self.body_only.clear();
        self.listings_dirty = true;
        self.changed.clear();
        self.reused_archive = false;
        self.last = Work::default();
        // Incidents hold their causes folded by the cause files' aliases.
        let causes: Vec<(String, Arc<Vec<u8>>)> = snapshot
            .files
            .range("content/causes/".to_string()..)
            .take_while(|(p, _)| p.starts_with("content/causes/"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        let same_causes = causes.len() == self.causes.len()
            && causes.iter().zip(&self.causes).all(|(a, b)| a.0 == b.0 && same_bytes(&b.1, &a.1));
        if self.config.as_ref() != Some(config) || !same_causes {
            self.parsed.clear();
            self.config = Some(config.clone());
            self.invalidate();
        }
        self.causes = causes;

        let mut out: Vec<Option<Parsed>> = (0..files.len()).map(|_| None).collect();
        let mut fresh: Vec<usize> = Vec::new();
        let mut found = 0;
        for (k, (path, bytes)) in files.iter().enumerate() {
            let entry = self.parsed.get_mut(*path);
            found += usize::from(entry.is_some());
            match entry {
                Some((kept, slot)) if same_bytes(kept, bytes) => match std::mem::replace(slot, Slot::Lent) {
                    Slot::Failed(d) => {
                        out[k] = Some(Err(d.clone()));
                        *slot = Slot::Failed(d);
                    }
                    Slot::Held(i) if i.is_visible(&include) => out[k] = Some(Ok(i)),
                    // Left out of the archive, so not given back: lend a copy.
                    Slot::Held(i) => {
                        out[k] = Some(Ok(i.clone()));
                        *slot = Slot::Held(i);
                    }
                    Slot::Lent => fresh.push(k),
                },
                Some((kept, slot)) => {
                    if let Slot::Held(old) = std::mem::replace(slot, Slot::Lent) {
                        if front_matter(kept).is_some_and(|f| Some(f) == front_matter(bytes)) {
                            self.body_only.insert(path.to_string(), checks::body_warnings(&old).items().to_vec());
                        }
                    }
                    fresh.push(k);
                }
                None => fresh.push(k),
            }
        }
        let mut changed: HashSet<String> = fresh.iter().map(|&k| files[k].0.to_string()).collect();
        // Files gone since: every cached path not among `files`.
        if found < self.parsed.len() {
            let present: HashSet<&str> = files.iter().map(|(p, _)| *p).collect();
            self.parsed.retain(|p, _| {
                let keep = present.contains(p.as_str());
                if !keep {
                    changed.insert(p.clone());
                }
                keep
            });
        }
        let parsed: Vec<Parsed> =
            fresh.par_iter().map(|&k| parse::parse_incident(files[k].0, files[k].1, config)).collect();
        self.last.parsed = fresh.len();
        for (k, result) in fresh.into_iter().zip(parsed) {
            let path = files[k].0;
            let slot = match &result {
                Err(d) => Slot::Failed(d.clone()),
                Ok(i) if i.is_visible(&include) => Slot::Lent,
                Ok(i) => Slot::Held(i.clone()),
            };
            if let Some(bytes) = snapshot.files.get(path) {
                self.parsed.insert(path.to_string(), (bytes.clone(), slot));
            }
            out[k] = Some(result);
        }
        // Every file but the incident files (`files` are in snapshot order).
        let mut incident_paths = files.iter().map(|(p, _)| *p).peekable();
        self.others = snapshot
            .files
            .iter()
            .filter(|(p, _)| {
                if incident_paths.peek() == Some(&p.as_str()) {
                    incident_paths.next();
                    return false;
                }
                true
            })
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        if let Some(good) = &self.good {
            changed.extend(changed_others(&good.others, &self.others));
            self.changed = changed;
            // Only incident bodies (or static files) changed: the archive
            // of the last good build is this build's, with the new bodies.
            self.listings_dirty =
                self.changed.iter().any(|p| !self.body_only.contains_key(p) && !p.starts_with("theme/static/"));
        }
        out.into_iter().map(|r| r.unwrap_or_else(|| Err(Vec::new()))).collect()
    }

    /// Links the archive: [`Archive::build`], or, when only incident bodies
    /// changed since the last good build, that build's archive with the new
    /// incidents put in their places (everything else in it is the same).
    #[allow(clippy::too_many_arguments)]
    fn archive(
        &mut self,
        config: Config,
        include: Include,
        incidents: Vec<Incident>,
        causes: Vec<crate::model::CauseDoc>,
        pages: Vec<crate::model::Page>,
        home: Option<crate::model::Page>,
        diags: &mut Diagnostics,
    ) -> Archive {
        self.base = config.base_path();
        if !self.listings_dirty {
            if let Some(good) = self.good.as_mut() {
                // Each visible incident goes to its place in the last
                // archive, found by id; the others are left over.
                let places: HashMap<&str, usize> =
                    good.ids.iter().enumerate().map(|(n, id)| (id.as_str(), n)).collect();
                let mut slots: Vec<Option<Incident>> = (0..good.ids.len()).map(|_| None).collect();
                let mut rest = Vec::new();
                // Every visible incident found its place.
                let mut placed = true;
                for i in incidents {
                    let visible = i.is_visible(&include);
                    match places.get(i.id.as_str()) {
                        Some(&n) if visible && slots[n].is_none() => slots[n] = Some(i),
                        _ => {
                            placed &= !visible;
                            rest.push(i);
                        }
                    }
                }
                drop(places);
                // The link stage reads bodies only for their timeline warnings.
                let same_warnings = slots.iter().flatten().chain(&rest).all(|i| {
                    self.body_only
                        .get(&i.source_path)
                        .is_none_or(|was| checks::body_warnings(i).items() == was.as_slice())
                });
                if same_warnings && placed && slots.iter().all(Option::is_some) {
                    let mut archive = std::mem::take(&mut good.archive);
                    // Filled in place: collecting the flattened slots grew the
                    // vector by doubling, moving 10,000 incidents over and over.
                    archive.incidents.clear();
                    archive.incidents.reserve(slots.len());
                    archive.incidents.extend(slots.into_iter().flatten());
                    archive.config = config;
                    self.reused_archive = true;
                    diags.extend(self.link_diags.items().iter().cloned());
                    return archive;
                }
                let mut all: Vec<Incident> = Vec::with_capacity(slots.len() + rest.len());
                all.extend(slots.into_iter().flatten().chain(rest));
                return self.link(config, include, all, causes, pages, home, diags);
            }
        }
        self.link(config, include, incidents, causes, pages, home, diags)
    }

    /// Takes back the incidents lent to `archive` (a build that failed
    /// before rendering); the next build renders every page.
    fn failed(&mut self, archive: Archive) {
        self.prev = None;
        self.take_back(archive, None);
        self.invalidate();
    }

    /// The bodies of the last good build that are still valid, parallel
    /// to `archive.incidents` (`None`: render it): those of unchanged
    /// files whose cross-links find what they found.
    fn bodies(&mut self, archive: &Archive) -> Vec<Option<KeptBody>> {
        self.carried.clear();
        self.pages.clear();
        let n = archive.incidents.len();
        let Some(mut good) = self.good.take() else {
            self.cards.clear();
            self.last.bodies = n;
            return (0..n).map(|_| None).collect();
        };
        let changed = std::mem::take(&mut self.changed);
        if !self.reused_archive {
            self.cards.forget_shared();
        }
        let mut kept: Vec<Option<KeptBody>> = archive
            .incidents
            .iter()
            .map(|i| if changed.contains(&i.source_path) { None } else { good.bodies.remove(&i.source_path) })
            .collect();
        // A reused archive is the last one with new bodies: every link
        // target (an id, URL and title, or hidden) is as it was.
        if !self.reused_archive {
            kept = kept.into_par_iter().map(|k| k.filter(|k| k.lookups.iter().all(|l| l.holds(archive)))).collect();
        }
        self.last.bodies = kept.iter().filter(|r| r.is_none()).count();
        self.prev = Some(good);
        kept
    }

    /// The last build's incident digests when its archive is this build's
    /// (only bodies changed: the front matter, the history and the term
    /// names they hash are those of the last build).
    fn incident_digests(&mut self, archive: &Archive) -> Vec<u64> {
        if !(self.reused_archive && self.incident_digests.len() == archive.incidents.len()) {
            self.incident_digests = crate::pages::fingerprint::incidents(archive);
        }
        debug_assert_eq!(self.incident_digests, crate::pages::fingerprint::incidents(archive));
        self.incident_digests.clone()
    }

    /// Keeps the renderer's cards for the next build (not for `build`).
    fn cards(&mut self) -> Option<&mut CardCache> {
        Some(&mut self.cards)
    }

    fn search_index(&mut self) -> Option<&mut crate::search::index::IndexCache> {
        Some(&mut self.search)
    }

    fn templates(&mut self, theme: &crate::theme::Theme, diags: &mut Diagnostics) -> Option<Arc<tera::Tera>> {
        if let Some((templates, tera)) = &self.compiled {
            if *templates == theme.templates {
                return Some(tera.clone());
            }
        }
        let tera = Arc::new(crate::render::compile_templates(theme, diags)?);
        self.compiled = Some((theme.templates.clone(), tera.clone()));
        Some(tera)
    }

    fn json_elements(&mut self) -> Option<&mut crate::feeds::JsonCache> {
        Some(&mut self.json)
    }

    /// The pages whose key, path and fingerprint are those of a page of
    /// the last good build: serve still serves their bytes.
    fn still_have(&mut self, pages: &[Page], fingerprints: &[u64]) -> Vec<bool> {
        let mut table = self.prev.as_mut().map(|p| std::mem::take(&mut p.pages)).unwrap_or_default();
        let kept: Vec<bool> = pages
            .par_iter()
            .zip(fingerprints)
            .map(|(p, fp)| table.get(&p.key).is_some_and(|(f, path)| f == fp && *path == p.path))
            .collect();
        self.carried = pages.iter().zip(&kept).filter(|(_, &k)| k).map(|(p, _)| p.path.clone()).collect();
        // This build's table, updated in place: most keys stay.
        for (p, &fp) in pages.iter().zip(fingerprints) {
            match table.get_mut(&p.key) {
                Some(entry) => {
                    entry.0 = fp;
                    if entry.1 != p.path {
                        entry.1.clone_from(&p.path);
                    }
                }
                None => {
                    table.insert(p.key.clone(), (fp, p.path.clone()));
                }
            }
        }
        if table.len() > pages.len() {
            let now: HashSet<&PageKey> = pages.iter().map(|p| &p.key).collect();
            table.retain(|k, _| now.contains(k));
        }
        self.pages = table;
        self.last.pages_skipped = self.carried.len();
        self.last.full = self.carried.is_empty();
        kept
    }

    /// The pages, feeds and assets of this build are in the sink; only
    /// the search index and its page are left. serve publishes them now
    /// ([`Cache::before_search`]), so a reload does not wait for the index
    /// (the longest stage); the index and `/search/` follow together, and
    /// until then the previous index and its page stay, consistent with
    /// each other. Not when the build has failed so far, or when two
    /// outputs share a path (the build reports it after the index).
    fn pages_ready(&mut self, paths: &[String], diags: &Diagnostics) {
        let Some(publish) = self.before_search.as_mut() else { return };
        if diags.has_errors() {
            return;
        }
        let mut seen: HashSet<&str> = HashSet::default();
        seen.reserve(paths.len() + 1);
        if !paths.iter().map(String::as_str).chain(["search/index.html"]).all(|p| seen.insert(p)) {
            return;
        }
        publish(&self.carried, &self.base);
    }

    /// Keeps the renderer's cards for the next build.
    fn keep_cards(&mut self, renderer: Renderer<'_>) {
        self.last.cards = renderer.cards_built();
        renderer.keep_cards(&mut self.cards);
    }

    /// Keeps this build's results for the next one, if it succeeded.
    fn keep(&mut self, archive: Archive, bodies: Bodies, diags: &Diagnostics) {
        let prev = self.prev.take();
        if diags.has_errors() {
            self.carried.clear();
            self.failed(archive);
            return;
        }
        let Bodies { incidents, digests, lookups, .. } = bodies;
        let kept = incidents
            .into_iter()
            .zip(digests.into_iter().zip(lookups))
            .map(|(rendered, (digest, lookups))| KeptBody { rendered, digest, lookups });
        let bodies: HashMap<String, KeptBody> =
            archive.incidents.iter().map(|i| i.source_path.clone()).zip(kept).collect();
        let known_ids = prev.filter(|_| self.reused_archive).map(|p| p.ids);
        let (archive, ids) = self.take_back(archive, known_ids);
        let others = std::mem::take(&mut self.others);
        let pages = std::mem::take(&mut self.pages);
        self.good = Some(Good { others, archive, ids, bodies, pages });
    }
}

/// The front matter of an incident file, closing `---` included.
fn front_matter(bytes: &[u8]) -> Option<&[u8]> {
    let rest = bytes.strip_prefix(b"---")?;
    let end = rest.windows(4).position(|w| w == b"\n---")?;
    Some(&bytes[..3 + end + 4])
}

/// Same contents: the same shared buffer (serve re-reads only changed
/// files), or equal bytes.
fn same_bytes(kept: &Arc<Vec<u8>>, bytes: &[u8]) -> bool {
    (kept.as_ptr() == bytes.as_ptr() && kept.len() == bytes.len()) || kept.as_slice() == bytes
}

/// Paths added, removed or changed between two sorted lists of files.
fn changed_others(old: &[(String, Arc<Vec<u8>>)], new: &[(String, Arc<Vec<u8>>)]) -> Vec<String> {
    let before: HashMap<&str, &Arc<Vec<u8>>> = old.iter().map(|(p, b)| (p.as_str(), b)).collect();
    let mut out: Vec<String> = Vec::new();
    for (p, b) in new {
        match before.get(p.as_str()) {
            Some(o) if Arc::ptr_eq(o, b) || o == &b => {}
            _ => out.push(p.clone()),
        }
    }
    let now: HashSet<&str> = new.iter().map(|(p, _)| p.as_str()).collect();
    out.extend(old.iter().filter(|(p, _)| !now.contains(p.as_str())).map(|(p, _)| p.clone()));
    out
}
