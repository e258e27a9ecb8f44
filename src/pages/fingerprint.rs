//! Fingerprints: a u64 hash of the data a page's view is made from, so
//! that a build that keeps the pages of the last one (`serve`) renders
//! again exactly the pages whose inputs changed.
//!
//! Each family hashes its own views' inputs (`fingerprint` in each file of
//! src/pages/); what many of them share is hashed once here: the site
//! (config, templates, build date, navigation), each incident's front
//! matter and history, each body. Inputs are hashed, never rendered HTML,
//! so fingerprinting costs little next to rendering; `build` does not
//! fingerprint at all ([`crate::reuse::Reuse::fingerprints`]).

use std::hash::{Hash, Hasher};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::archive::{Archive, Taxonomy};
use crate::git::Tracked;
use crate::markdown::{LinkResolver, LinkTarget, Rendered};
use crate::model::{Incident, Include};
use crate::theme::Theme;

pub use crate::hash::FxHasher;

/// A hasher for one fingerprint.
pub fn hasher() -> FxHasher {
    FxHasher::default()
}

/// The hash of one value.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

/// What many pages' fingerprints are made of, hashed once per build.
pub struct Digests {
    /// What every page shows: the config (title, base_url, severities…),
    /// the templates, the build date (overdue items), what is included,
    /// the free pages of the navigation.
    pub site: u64,
    /// Per incident (archive order): every front-matter field, the names
    /// its terms are shown with, and its git history; not its body.
    pub incidents: Vec<u64>,
    /// Per incident: its body, as written and as rendered.
    pub bodies: Vec<u64>,
    /// Every incident's digest in archive order and every term's name:
    /// what the pages made from the whole archive (lists, stats, feeds) show.
    pub archive: u64,
}

impl Digests {
    /// `incidents`: [`incidents`] of the archive.
    pub fn new(
        archive: &Archive,
        incidents: Vec<u64>,
        bodies: &[u64],
        theme: &Theme,
        build_date: Date,
        include: Include,
    ) -> Digests {
        let mut h = hasher();
        format!("{:?}", archive.config).hash(&mut h);
        for (name, t) in &theme.templates {
            (name, &t.contents).hash(&mut h);
        }
        build_date.hash(&mut h);
        (include.drafts, include.internal).hash(&mut h);
        for p in &archive.pages {
            (&p.id, &p.title, &p.nav_title).hash(&mut h);
        }
        let site = h.finish();
        let mut h = hasher();
        incidents.hash(&mut h);
        for tax in Taxonomy::ALL {
            for t in archive.taxonomy(tax) {
                (&t.slug, &t.name).hash(&mut h);
            }
        }
        archive.cause_docs.len().hash(&mut h);
        Digests { site, incidents, bodies: bodies.to_vec(), archive: h.finish() }
    }
}

/// [`incident`] of every incident of the archive, in its order.
pub fn incidents(archive: &Archive) -> Vec<u64> {
    archive.incidents.par_iter().map(|i| incident(archive, i)).collect()
}

/// Every field of an incident but its body (see [`body`]) and the
/// warnings it was parsed with, and the names its terms are shown with.
/// The fields are named one by one (no `..`): a new field does not
/// compile until it is hashed here or said to be left out.
pub fn incident(archive: &Archive, i: &Incident) -> u64 {
    let Incident {
        id,
        source_path,
        title,
        date,
        date_precision,
        date_text,
        published,
        summary,
        summary_pos: _,
        severity,
        status,
        visibility,
        kind,
        services,
        tags,
        causes,
        related,
        timestamps,
        impact,
        trigger,
        detection,
        action_items,
        aliases,
        history,
        former_ids,
        extra,
        warnings: _,
        body: _,
        body_line,
        masked: _,
    } = i;
    let mut h = hasher();
    (id, source_path, title, date, date_text, published, summary, severity).hash(&mut h);
    std::mem::discriminant(date_precision).hash(&mut h);
    (status.as_str(), std::mem::discriminant(visibility), kind.map(|k| k.as_str())).hash(&mut h);
    for (tax, terms) in [(Taxonomy::Services, services), (Taxonomy::Tags, tags), (Taxonomy::Causes, causes)] {
        terms.len().hash(&mut h);
        for t in terms {
            (&t.name, &t.slug, archive.term_name(tax, &t.slug)).hash(&mut h);
        }
    }
    for r in related {
        r.id.hash(&mut h);
    }
    timestamps.as_array().hash(&mut h);
    (impact, trigger, detection).hash(&mut h);
    action_items.len().hash(&mut h);
    for it in action_items {
        (&it.title, &it.owner, it.status.as_str(), it.kind.map(|k| k.as_str()), it.due, &it.link).hash(&mut h);
    }
    for a in aliases {
        a.raw.hash(&mut h);
    }
    tracked(history, &mut h);
    former_ids.hash(&mut h);
    for e in extra {
        (&e.key, &e.label, &e.values).hash(&mut h);
    }
    body_line.hash(&mut h);
    h.finish()
}

/// A file's git history: its dates and revisions.
pub fn tracked(t: &Tracked, h: &mut FxHasher) {
    std::mem::discriminant(t).hash(h);
    if let Some(f) = t.history() {
        (f.created, f.updated, &f.former_paths).hash(h);
        for r in &f.revisions {
            (&r.id, &r.short_id, r.date, &r.subject, &r.author).hash(h);
        }
    }
}

/// A body: its Markdown (the timeline and facts read it) and what it
/// rendered to.
pub fn body(markdown: &str, r: &Rendered) -> u64 {
    let mut h = hasher();
    (markdown, &r.html, &r.links, r.raw_html).hash(&mut h);
    for t in &r.toc {
        (t.level, &t.id, &t.title).hash(&mut h);
    }
    for a in &r.anchors {
        (a.line, &a.id).hash(&mut h);
    }
    h.finish()
}

/// One cross-link a body looked up while it was rendered, and what it
/// found: a body's view is made from its Markdown and these answers, so a
/// body is still valid while every one of them finds the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// A link to a `.md` file (else a `[[id]]` link).
    pub by_path: bool,
    pub query: String,
    pub found: LinkTarget,
}

impl Lookup {
    /// Whether `links` answers as it did.
    pub fn holds(&self, links: &dyn LinkResolver) -> bool {
        let now = if self.by_path { links.by_path(&self.query) } else { links.by_id(&self.query) };
        now == self.found
    }
}

/// A [`LinkResolver`] that writes down what it was asked and answered.
pub struct Recorder<'a> {
    links: &'a dyn LinkResolver,
    seen: std::sync::Mutex<Vec<Lookup>>,
}

impl<'a> Recorder<'a> {
    pub fn new(links: &'a dyn LinkResolver) -> Self {
        Recorder { links, seen: std::sync::Mutex::new(Vec::new()) }
    }

    pub fn into_lookups(self) -> Vec<Lookup> {
        self.seen.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn note(&self, by_path: bool, query: &str, found: LinkTarget) -> LinkTarget {
        let lookup = Lookup { by_path, query: query.to_string(), found: found.clone() };
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(lookup);
        found
    }
}

impl LinkResolver for Recorder<'_> {
    fn by_path(&self, path: &str) -> LinkTarget {
        self.note(true, path, self.links.by_path(path))
    }

    fn by_id(&self, id: &str) -> LinkTarget {
        self.note(false, id, self.links.by_id(id))
    }
}
