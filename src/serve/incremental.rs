//! Incremental rebuilds: what one build keeps for the next, and which pages
//! a change affects.
//!
//! [`crate::pipeline`] is the one pipeline; this cache, its [`Reuse`], only
//! lets it skip work. `build` runs it with [`crate::reuse::NoReuse`]
//! (nothing kept, nothing skipped); `serve` keeps one [`Cache`] for its
//! whole session.
//!
//! What is reused, and when it is thrown away:
//! - parsed incidents, by path and file contents (and the config and cause
//!   files they were parsed with): an edit re-parses only the edited file.
//!   A parsed incident is not copied: it is lent to the archive of a build
//!   and taken back at its end ([`Cache::keep`], [`Cache::failed`]);
//! - from the last build that succeeded: rendered Markdown bodies, cards,
//!   the path of every keyed page ([`PageKey`]), the archive itself and the
//!   feeds. A failed build, a config edit or [`Cache::invalidate`] (new git
//!   history) throws these away: the next build renders everything, but
//!   parses only what changed.
//!
//! Which pages a change renders again ([`Cache::plan`]):
//! - an incident whose front matter is byte-for-byte as before (a body
//!   edit): its body and its own page, and the pages of the incidents its
//!   body links to now or linked to before (their backlinks). The archive,
//!   its card, every listing ([`PageKey::Listing`]) and the feeds are reused;
//! - any other change to an incident (or a new or removed one): its body
//!   and card; the bodies mentioning its id or file name when its id,
//!   title, path, status or visibility changed; the pages of every incident
//!   whose card changed, whose related list changed or shows a changed card,
//!   or whose body was rendered again; the term and severity pages of its
//!   old and new terms and severity; every listing and feed;
//! - a template, free page or `content/_index.md`: every card and page,
//!   without parsing anything again; a cause file: everything, parsing
//!   included (the cache holds incidents with their causes folded by the
//!   cause files' aliases); `theme/static/`: no page.
//!
//! What is kept with the cards ([`CardCache`]): each incident's mini line
//! (the `incident_mini` of cross-link lists), dropped with its card; and,
//! while the archive is reused (body edits only), the cross-link graph and
//! the action-item board, of which only the backlinks are computed again.
//!
//! The search index is built last, after serve has published the pages
//! and reloaded the tabs ([`Cache::before_search`]): until it is out, the
//! previous index and its `/search/` page are served together.
//!
//! Pages without a key (anything added to `Renderer::render_all` later) and
//! outputs not wrapped in [`Cache::listing`] are made on every rebuild. A
//! page that shows more of other incidents than their cards, related lists
//! and link targets (e.g. the incidents sharing a cause) needs its rule
//! added in [`Cache::plan`].

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::archive::{Archive, Taxonomy};
use crate::config::{Config, CONFIG_FILE};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::Rendered;
use crate::model::{Incident, Include};
use crate::parse;
use crate::render::{Bodies, CardCache, OutputFile, PageKey, Renderer, Skip};
use crate::reuse::{Parsed, Reuse};
use crate::source::Snapshot;

/// Maps and sets keyed by paths and ids, looked up ten thousands of times
/// per rebuild: hashed with [`FxHasher`], not SipHash (no untrusted keys here).
pub type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

/// The Firefox/rustc hash: a multiply and a rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ (rest.len() as u64) << 56);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
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
    /// This build: the previous version of each changed or removed incident file.
    old: HashMap<String, Incident>,
    /// This build: changed incident files whose front matter is as before.
    body_only: HashSet<String>,
    /// This build: something other than incident bodies changed.
    listings_dirty: bool,
    /// This build: files changed since the last good build, and whether
    /// one of them affects every page.
    changed: HashSet<String>,
    everything: bool,
    /// This build reuses the last good build's archive (only bodies changed).
    reused_archive: bool,
    /// What linking the archive last reported (cause spelling, duplicate
    /// ids, aliases…): reported again by a build that reuses that archive,
    /// so a body edit shows the same warnings as `build`.
    link_diags: Diagnostics,
    /// This build's base path ([`Config::base_path`]).
    base: String,
    /// This build's files other than incident files.
    others: Vec<(String, Arc<Vec<u8>>)>,
    /// Whole-archive outputs built from front matter only (feeds, sitemap), by path.
    listing_outputs: HashMap<&'static str, OutputFile>,
    /// The last build that succeeded.
    good: Option<Good>,
    /// `good` while a build runs; dropped when it fails.
    prev: Option<Good>,
    pub cards: CardCache,
    /// Figures of the last build, for progress output and benchmarks.
    pub last: Work,
    carried: Vec<String>,
    /// Cross-link fingerprint of each incident page of the last build, by id.
    crosslinks: HashMap<String, u64>,
    /// Incidents (indexes into this build's archive) whose bodies this build renders.
    fresh_bodies: Vec<usize>,
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
    /// Whether everything was rendered (first build, or a change that affects every page).
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
    bodies: HashMap<String, Rendered>,
    /// Output path of every incident, term and severity page.
    paths: ByPage<HashMap<String, String>>,
}

/// Something per keyed page ([`PageKey`]), looked up without allocating.
#[derive(Default)]
struct ByPage<T> {
    incidents: T,
    terms: [T; 3],
    severities: T,
    listings: T,
}

impl<T> ByPage<T> {
    fn of<'k>(&self, page: PageKey<'k>) -> (&T, &'k str) {
        match page {
            PageKey::Incident(id) => (&self.incidents, id),
            PageKey::Term(tax, slug) => (&self.terms[tax_index(tax)], slug),
            PageKey::Severity(s) => (&self.severities, s),
            PageKey::Listing(p) => (&self.listings, p),
        }
    }

    fn of_mut<'k>(&mut self, page: PageKey<'k>) -> (&mut T, &'k str) {
        match page {
            PageKey::Incident(id) => (&mut self.incidents, id),
            PageKey::Term(tax, slug) => (&mut self.terms[tax_index(tax)], slug),
            PageKey::Severity(s) => (&mut self.severities, s),
            PageKey::Listing(p) => (&mut self.listings, p),
        }
    }
}

impl<T> ByPage<T> {
    fn each(&self) -> [&T; 6] {
        let [a, b, c] = &self.terms;
        [&self.incidents, a, b, c, &self.severities, &self.listings]
    }

    fn each_mut(&mut self) -> [&mut T; 6] {
        let [a, b, c] = &mut self.terms;
        [&mut self.incidents, a, b, c, &mut self.severities, &mut self.listings]
    }
}

fn tax_index(tax: Taxonomy) -> usize {
    Taxonomy::ALL.iter().position(|&t| t == tax).unwrap_or(0)
}

/// Which pages this build renders; every page not named here and rendered
/// before is left as it is.
pub struct Plan {
    /// Render every page.
    all: bool,
    /// Render the listings (only body edits of incidents leave them as they were).
    listings: bool,
    dirty: ByPage<HashSet<String>>,
    old_paths: ByPage<HashMap<String, String>>,
    /// Pages rendered by this build.
    new_paths: Mutex<ByPage<HashMap<String, String>>>,
    carried: Mutex<Vec<String>>,
}

impl Plan {
    fn mark(&mut self, page: PageKey<'_>) {
        let (set, key) = self.dirty.of_mut(page);
        if !set.contains(key) {
            set.insert(key.to_string());
        }
    }

    /// Whether a page may be left as it was.
    fn keeps(&self, page: PageKey<'_>) -> Option<&String> {
        if self.all {
            return None;
        }
        let (dirty, key) = self.dirty.of(page);
        // Page n of a term or severity list ("<slug>/page/<n>") goes with its list.
        let list = match page {
            PageKey::Term(..) | PageKey::Severity(_) => key.split_once("/page/").map_or(key, |(list, _)| list),
            _ => key,
        };
        if dirty.contains(key) || dirty.contains(list) || (self.listings && matches!(page, PageKey::Listing(_))) {
            return None;
        }
        let (paths, key) = self.old_paths.of(page);
        paths.get(key)
    }
}

impl Skip for Plan {
    fn skip(&self, page: PageKey<'_>) -> Option<String> {
        let path = self.keeps(page)?.clone();
        self.carried.lock().unwrap_or_else(|e| e.into_inner()).push(path.clone());
        Some(path)
    }

    fn rendered(&self, page: PageKey<'_>, path: &str) {
        let mut paths = self.new_paths.lock().unwrap_or_else(|e| e.into_inner());
        let (map, key) = paths.of_mut(page);
        map.insert(key.to_string(), path.to_string());
    }
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
        let archive = Archive::build(config, include, incidents, causes, pages, home, &mut linked);
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
    type Plan = Plan;

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
        self.old.clear();
        self.body_only.clear();
        self.listings_dirty = true;
        self.changed.clear();
        self.everything = false;
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
            found += usize::from(self.parsed.contains_key(*path));
            match self.parsed.get_mut(*path) {
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
                    if let Slot::Held(i) = std::mem::replace(slot, Slot::Lent) {
                        if front_matter(kept).is_some_and(|f| Some(f) == front_matter(bytes)) {
                            self.body_only.insert(path.to_string());
                        }
                        self.old.insert(path.to_string(), i);
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
            let old = &mut self.old;
            self.parsed.retain(|p, (_, slot)| {
                let keep = present.contains(p.as_str());
                if !keep {
                    changed.insert(p.clone());
                    if let Slot::Held(i) = std::mem::replace(slot, Slot::Lent) {
                        old.insert(p.clone(), i);
                    }
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
        let selection = crate::select::Selection::new(config);
        self.others = snapshot
            .files
            .iter()
            .filter(|(p, _)| !selection.is_incident(p))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        if let Some(good) = &self.good {
            changed.extend(changed_others(&good.others, &self.others));
            self.changed = changed;
            self.everything = self.changed.iter().any(|p| {
                p == CONFIG_FILE
                    || p.starts_with("theme/templates/")
                    || p.starts_with("content/causes/")
                    || p.starts_with("content/pages/")
                    || p == "content/_index.md"
            });
            self.listings_dirty = self.everything
                || self.changed.iter().any(|p| !self.body_only.contains(p) && !p.starts_with("theme/static/"));
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
                let mut by_id: HashMap<String, Incident> = HashMap::default();
                by_id.reserve(good.ids.len());
                let mut rest = Vec::new();
                for i in incidents {
                    if i.is_visible(&include) {
                        by_id.insert(i.id.clone(), i);
                    } else {
                        rest.push(i);
                    }
                }
                if by_id.len() == good.ids.len() && good.ids.iter().all(|id| by_id.contains_key(id)) {
                    let mut archive = std::mem::take(&mut good.archive);
                    archive.incidents = good.ids.iter().filter_map(|id| by_id.remove(id)).collect();
                    archive.config = config;
                    self.reused_archive = true;
                    diags.extend(self.link_diags.items().iter().cloned());
                    return archive;
                }
                let all: Vec<Incident> = by_id.into_values().chain(rest).collect();
                return self.link(config, include, all, causes, pages, home, diags);
            }
        }
        self.link(config, include, incidents, causes, pages, home, diags)
    }

    /// An output made from the front matter of the whole archive (the
    /// feeds, the sitemap): the previous one while only incident bodies
    /// changed, else `make()`. Its build time then stays that of the
    /// last front-matter change.
    fn listing(&mut self, path: &'static str, make: &mut dyn FnMut() -> OutputFile) -> OutputFile {
        if !self.listings_dirty {
            if let Some(f) = self.listing_outputs.get(path) {
                return f.clone();
            }
        }
        let f = make();
        self.listing_outputs.insert(path, f.clone());
        f
    }

    /// Takes back the incidents lent to `archive` (a build that failed
    /// before rendering); the next build renders every page.
    fn failed(&mut self, archive: Archive) {
        self.prev = None;
        self.take_back(archive, None);
        self.invalidate();
    }

    /// The bodies of the previous build that are still valid, parallel to
    /// `archive.incidents` (`None`: render it). Drops the cards that changed.
    fn bodies(&mut self, archive: &Archive) -> Vec<Option<Rendered>> {
        let n = archive.incidents.len();
        let none = || (0..n).map(|_| None).collect();
        let Some(mut good) = self.good.take() else {
            self.cards.clear();
            self.fresh_bodies = (0..n).collect();
            self.last.bodies = n;
            return none();
        };
        let changed = std::mem::take(&mut self.changed);
        let everything = self.everything;
        self.fresh_bodies.clear();
        if !self.reused_archive {
            self.cards.forget_shared();
        }
        if changed.iter().any(|p| p.starts_with("theme/templates/") || p.starts_with("content/causes/")) {
            self.cards.clear();
        }
        let tokens = identity_tokens(&self.old, archive, &changed);
        // Scanning every body for the tokens is the longest part: in parallel.
        let stale: Vec<bool> = archive
            .incidents
            .par_iter()
            .map(|i| changed.contains(&i.source_path) || tokens.iter().any(|t| i.body.contains(t.as_str())))
            .collect();
        let reused: Vec<Option<Rendered>> = archive
            .incidents
            .iter()
            .zip(stale)
            .map(|(i, stale)| if stale { None } else { good.bodies.remove(&i.source_path) })
            .collect();
        self.last.bodies = reused.iter().filter(|r| r.is_none()).count();
        // Cards: the changed incidents, and those showing a term whose name changed.
        let renamed = if self.reused_archive { HashSet::default() } else { renamed_terms(&good.archive, archive) };
        for i in &archive.incidents {
            let renamed_term = !renamed.is_empty()
                && Taxonomy::ALL.iter().any(|&t| t.terms(i).iter().any(|x| renamed.contains(&(t, x.slug.clone()))));
            if (changed.contains(&i.source_path) && !self.body_only.contains(&i.source_path)) || renamed_term {
                self.cards.forget(&i.id);
            }
        }
        self.fresh_bodies = reused.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(n, _)| n).collect();
        self.last.full = everything;
        if everything {
            good.paths = ByPage::default();
        }
        self.prev = Some(good);
        reused
    }

    /// Decides which pages to render, now that the bodies (and the links
    /// they make) are known. `None` when nothing is kept (`build`).
    fn plan(&mut self, archive: &Archive, bodies: &Bodies) -> Option<Plan> {
        let mut plan = Plan {
            all: true,
            listings: self.listings_dirty,
            dirty: ByPage::default(),
            old_paths: ByPage::default(),
            new_paths: Mutex::new(ByPage::default()),
            carried: Mutex::new(Vec::new()),
        };
        self.last.cards = archive.incidents.iter().filter(|i| !self.cards.contains(&i.id)).count();
        let Some(prev) = self.prev.as_mut() else {
            self.last.full = true;
            return Some(plan);
        };
        if self.last.full || prev.paths.incidents.is_empty() {
            self.last.full = true;
            return Some(plan);
        }
        plan.all = false;
        plan.old_paths = std::mem::take(&mut prev.paths);
        let old = &prev.archive;
        let old_ids = &prev.ids;
        let reused = self.reused_archive;
        let old_index: HashMap<&str, usize> = if reused {
            HashMap::default()
        } else {
            old_ids.iter().enumerate().map(|(n, id)| (id.as_str(), n)).collect()
        };

        // Incidents whose card is built again: changed, or showing a renamed term.
        let card_dirty: HashSet<&str> = if reused {
            HashSet::default()
        } else {
            archive.incidents.iter().map(|i| i.id.as_str()).filter(|id| !self.cards.contains(id)).collect()
        };
        // Incidents shown before that changed or went away: their old
        // terms, severity and related incidents show them no more as they were.
        for (path, i) in &self.old {
            plan.mark(PageKey::Incident(&i.id));
            if self.body_only.contains(path) {
                continue;
            }
            add_terms(&mut plan, i);
            if let Some(&m) = old_index.get(i.id.as_str()) {
                for &r in old.related(m) {
                    plan.mark(PageKey::Incident(&old_ids[r]));
                }
            }
        }
        // The same archive as before: no related list or card changed.
        let compared = if self.reused_archive { 0 } else { archive.incidents.len() };
        for (n, i) in archive.incidents.iter().enumerate().take(compared) {
            let related: Vec<&str> = archive.related(n).iter().map(|&r| archive.incidents[r].id.as_str()).collect();
            let before: Option<Vec<&str>> =
                old_index.get(i.id.as_str()).map(|&m| old.related(m).iter().map(|&r| old_ids[r].as_str()).collect());
            let own = card_dirty.contains(i.id.as_str());
            if own || before.as_deref() != Some(&related[..]) || related.iter().any(|r| card_dirty.contains(r)) {
                plan.mark(PageKey::Incident(&i.id));
            }
            if own {
                add_terms(&mut plan, i);
            }
        }
        // Pages whose bodies were rendered again, and what they link to
        // now and linked to before (their backlinks).
        for &n in &self.fresh_bodies {
            let i = &archive.incidents[n];
            plan.mark(PageKey::Incident(&i.id));
            for id in &bodies.incidents[n].links {
                plan.mark(PageKey::Incident(id));
            }
            if let Some(before) = prev.bodies.get(&i.source_path) {
                for id in &before.links {
                    plan.mark(PageKey::Incident(id));
                }
            }
        }
        // Cause pages show the cause file's description.
        for slug in archive.cause_docs.keys() {
            plan.mark(PageKey::Term(Taxonomy::Causes, slug));
        }
        Some(plan)
    }

    /// Marks the incident pages whose cross-links (backlinks, cause
    /// history, similar incidents) differ from the last build's. Only
    /// front-matter changes move them, so a body-only rebuild skips this.
    fn crosslinks(&mut self, archive: &Archive, renderer: &Renderer<'_>, plan: Option<&mut Plan>) {
        let Some(plan) = plan else { return };
        if self.reused_archive && !plan.all && !self.crosslinks.is_empty() {
            return;
        }
        let fresh: HashMap<String, u64> =
            archive.incidents.iter().map(|i| i.id.clone()).zip(renderer.crosslink_fingerprints()).collect();
        if !plan.all {
            for (id, fp) in &fresh {
                if self.crosslinks.get(id) != Some(fp) {
                    plan.mark(PageKey::Incident(id));
                }
            }
        }
        self.crosslinks = fresh;
    }

    /// The pages, feeds and assets of this build are in the sink; only
    /// the search index and its page are left. serve publishes them now
    /// ([`Cache::before_search`]), so a reload does not wait for the index
    /// (the longest stage); the index and `/search/` follow together, and
    /// until then the previous index and its page stay, consistent with
    /// each other. Not when the build has failed so far, or when two
    /// outputs share a path (the build reports it after the index).
    fn pages_ready(&mut self, paths: &[String], plan: Option<&Plan>, diags: &Diagnostics) {
        let Some(publish) = self.before_search.as_mut() else { return };
        if diags.has_errors() {
            return;
        }
        let mut seen: HashSet<&str> = HashSet::default();
        seen.reserve(paths.len() + 1);
        if !paths.iter().map(String::as_str).chain(["search/index.html"]).all(|p| seen.insert(p)) {
            return;
        }
        let carried = plan.map(|p| p.carried.lock().unwrap_or_else(|e| e.into_inner()).clone()).unwrap_or_default();
        publish(&carried, &self.base);
    }

    /// Keeps the renderer's cards for the next build (not for `build`).
    fn cards(&mut self) -> Option<&mut CardCache> {
        Some(&mut self.cards)
    }

    /// Keeps the renderer's cards for the next build.
    fn keep_cards(&mut self, renderer: Renderer<'_>) {
        renderer.keep_cards(&mut self.cards);
    }

    /// Keeps this build's results for the next one, if it succeeded.
    fn keep(&mut self, archive: Archive, bodies: Bodies, plan: Option<Plan>, diags: &Diagnostics) {
        self.carried.clear();
        let prev = self.prev.take();
        let Some(plan) = plan else { return };
        if diags.has_errors() {
            self.failed(archive);
            return;
        }
        // Page paths for the next build: those rendered now, and those left
        // as they were (every page that is not dirty and was there before;
        // a dirty page not rendered now is gone).
        let mut fresh = plan.new_paths.into_inner().unwrap_or_else(|e| e.into_inner());
        let paths = if plan.all {
            fresh
        } else {
            let mut paths = plan.old_paths;
            for (map, (dirty, new)) in
                paths.each_mut().into_iter().zip(plan.dirty.each().into_iter().zip(fresh.each_mut()))
            {
                for key in dirty {
                    match new.remove(key) {
                        Some(p) => map.insert(key.clone(), p),
                        None => map.remove(key),
                    };
                }
                map.extend(new.drain());
            }
            paths
        };
        self.carried = plan.carried.into_inner().unwrap_or_else(|e| e.into_inner());
        self.last.pages_skipped = self.carried.len();
        let bodies: HashMap<String, Rendered> =
            archive.incidents.iter().map(|i| i.source_path.clone()).zip(bodies.incidents).collect();
        let known_ids = prev.filter(|_| self.reused_archive).map(|p| p.ids);
        let (archive, ids) = self.take_back(archive, known_ids);
        let others = std::mem::take(&mut self.others);
        self.good = Some(Good { others, archive, ids, bodies, paths });
    }
}

fn add_terms(plan: &mut Plan, i: &Incident) {
    for tax in Taxonomy::ALL {
        for t in tax.terms(i) {
            plan.mark(PageKey::Term(tax, &t.slug));
        }
    }
    if let Some((s, _)) = &i.severity {
        plan.mark(PageKey::Severity(s));
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

/// When a changed file's incident changed how others link to it (id,
/// title, path, or whether it is shown), the strings by which a body can
/// link to it: its ids and its file name. Bodies containing one are
/// rendered again.
fn identity_tokens(old: &HashMap<String, Incident>, new: &Archive, changed: &HashSet<String>) -> Vec<String> {
    let mut tokens = Vec::new();
    // Paths that are not incidents have no identity before or after.
    for path in changed.iter() {
        let before = old.get(path).map(|i| (i.id.clone(), i.title.clone(), i.visibility, i.status));
        let after = new
            .incidents
            .iter()
            .find(|i| &i.source_path == path)
            .map(|i| (i.id.clone(), i.title.clone(), i.visibility, i.status));
        if before != after {
            tokens.extend(before.map(|(id, ..)| id));
            tokens.extend(after.map(|(id, ..)| id));
            if let Some(name) = path.rsplit('/').next() {
                tokens.push(name.to_string());
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Terms present before and now whose display name changed.
fn renamed_terms(old: &Archive, new: &Archive) -> HashSet<(Taxonomy, String)> {
    let mut out = HashSet::default();
    for tax in Taxonomy::ALL {
        let before: HashMap<&str, &str> =
            old.taxonomy(tax).iter().map(|t| (t.slug.as_str(), t.name.as_str())).collect();
        for t in new.taxonomy(tax) {
            if before.get(t.slug.as_str()).is_some_and(|name| *name != t.name) {
                out.insert((tax, t.slug.clone()));
            }
        }
    }
    out
}
