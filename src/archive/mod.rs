//! Archive: the whole set of parsed files as one graph — which incidents
//! this build shows, ids and paths for cross-links, related incidents,
//! taxonomies (tags, services, causes) and cross-file rules (duplicate ids,
//! unknown related ids, cause aliases). Two parts have a file of their
//! own: src/archive/aliases.rs (old URLs: `aliases:` entries and former ids, checked
//! and kept as [`Redirect`]s) and [`checks`] (the warnings that read every
//! incident: misspelt terms, near duplicates, unreadable timeline rows).
//!
//! It imports only the stages below it (model, config, markdown, related,
//! timeline): pages and outputs read the archive, never the other way round
//! (tests/it/architecture.rs checks it).
//!
//! Left-out incidents (draft, review, internal) are kept here only as
//! *known ids*, so that a link to one is not reported as broken; they never
//! reach a list, count or page.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::Config;
use crate::diagnostics::{Diagnostics, Pos};
use crate::markdown::{LinkResolver, LinkTarget};
use crate::model::*;

mod aliases;
pub mod checks;
pub use aliases::{alias_path, Redirect, RedirectOrigin};

/// Kept here by its old path: the taxonomies are the archive's lists of terms.
pub use crate::model::Taxonomy;

/// One tag, service or cause, with the incidents it appears in.
#[derive(Debug, Clone)]
pub struct TermIndex {
    pub name: String,
    pub slug: String,
    /// Indexes into [`Archive::incidents`], newest first.
    pub incidents: Vec<usize>,
}

/// The archive as the site shows it.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    pub config: Config,
    pub include: Include,
    /// The incidents this build shows, newest first.
    pub incidents: Vec<Incident>,
    /// How many incidents were left out (drafts, review, internal).
    pub left_out: usize,
    by_id: HashMap<String, usize>,
    /// Every incident file's path → id, including left-out ones.
    all_paths: HashMap<String, String>,
    /// Ids of left-out incidents.
    hidden: HashSet<String>,
    /// Explicit `related` made symmetric, visible incidents only.
    related: Vec<Vec<usize>>,
    pub tags: Vec<TermIndex>,
    pub services: Vec<TermIndex>,
    pub causes: Vec<TermIndex>,
    pub cause_docs: BTreeMap<String, CauseDoc>,
    pub pages: Vec<Page>,
    /// `content/_index.md`, shown on the home page.
    pub home: Option<Page>,
    /// Old URLs of the shown incidents (aliases, then former ids), checked,
    /// one per path, sorted by path.
    pub redirects: Vec<Redirect>,
}

/// Names under the site root that pages cannot take.
const RESERVED: &[&str] = &[
    "incidents",
    "tags",
    "services",
    "causes",
    "severity",
    "action-items",
    "stats",
    "search",
    "feed.xml",
    "sitemap.xml",
    "404.html",
    "incidents.json",
    "style.css",
];

impl Archive {
    /// Links everything together and checks the cross-file rules.
    pub fn build(
        config: Config,
        include: Include,
        all: Vec<Incident>,
        causes: Vec<CauseDoc>,
        pages: Vec<Page>,
        home: Option<Page>,
        diags: &mut Diagnostics,
    ) -> Archive {
        Archive::build_with(config, include, all, causes, pages, home, diags, &checks::body_warnings, None)
    }

    /// [`Archive::build`], with each incident's body warnings from
    /// `body_warnings` (serve: kept for the files that did not change) and
    /// the front-matter checks from `checks_memo` when it holds them.
    #[allow(clippy::too_many_arguments)]
    pub fn build_with(
        config: Config,
        include: Include,
        mut all: Vec<Incident>,
        causes: Vec<CauseDoc>,
        pages: Vec<Page>,
        home: Option<Page>,
        diags: &mut Diagnostics,
        body_warnings: &(dyn Fn(&Incident) -> Diagnostics + Sync),
        checks_memo: Option<&mut checks::Memo>,
    ) -> Archive {
        all.sort_by(|a, b| a.source_path.cmp(&b.source_path));
        for i in &mut all {
            // A long explicit id stands for its shortened form, as a long
            // file name does; so do references to it.
            i.id = crate::slugs::canonical_id(&i.id);
            for r in &mut i.related {
                r.id = crate::slugs::canonical_id(&r.id);
            }
        }
        check_duplicate_ids(&all, diags);
        let alias_paths = check_aliases(&all, diags);

        let known: HashSet<&str> = all.iter().map(|i| i.id.as_str()).collect();
        for i in &all {
            for r in &i.related {
                if !known.contains(r.id.as_str()) {
                    diags.error(&i.source_path, r.pos, format!("related id {:?} is not the id of any incident", r.id));
                }
            }
        }

        let cause_docs = fold_cause_aliases(&mut all, causes, diags);
        checks::check_with(&all, &cause_docs, diags, body_warnings, checks_memo);

        let all_paths = all.iter().map(|i| (i.source_path.clone(), i.id.clone())).collect();
        // Only the incidents that have aliases (most have none).
        let mut alias_paths: HashMap<String, Vec<(String, Pos)>> = all
            .iter()
            .zip(alias_paths)
            .filter(|(_, paths)| !paths.is_empty())
            .map(|(i, paths)| (i.source_path.clone(), paths))
            .collect();
        let (mut incidents, hidden_list): (Vec<Incident>, Vec<Incident>) =
            all.into_iter().partition(|i| i.is_visible(&include));
        // Newest first; ties by id so the order never depends on the file system.
        crate::sort::sort_by_moving_once(&mut incidents, |a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        let mut by_id = HashMap::new();
        for (n, i) in incidents.iter().enumerate() {
            by_id.entry(i.id.clone()).or_insert(n);
        }
        let hidden: HashSet<String> =
            hidden_list.iter().map(|i| i.id.clone()).filter(|id| !by_id.contains_key(id)).collect();

        let mut related: Vec<Vec<usize>> = vec![Vec::new(); incidents.len()];
        for (n, i) in incidents.iter().enumerate() {
            for r in &i.related {
                if let Some(&m) = by_id.get(&r.id) {
                    if m != n {
                        related[n].push(m);
                        related[m].push(n);
                    }
                }
            }
        }
        for r in &mut related {
            r.sort_unstable();
            r.dedup();
        }

        check_pages(&pages, diags);

        let mut redirects: Vec<Redirect> = Vec::new();
        for (n, i) in incidents.iter().enumerate() {
            for (from, pos) in alias_paths.remove(&i.source_path).unwrap_or_default() {
                redirects.push(Redirect {
                    from,
                    to: n,
                    origin: RedirectOrigin::Alias { file: i.source_path.clone(), pos },
                });
            }
        }
        // Ids lost to renames redirect too, unless an alias already claims the path.
        let aliased: HashSet<String> = redirects.iter().map(|r| r.from.clone()).collect();
        for (n, i) in incidents.iter().enumerate() {
            for old in &i.former_ids {
                // Former ids are slugs already; the same rules make sure of it.
                match alias_path(&format!("/incidents/{old}/")) {
                    Ok(from) if !aliased.contains(&from) => redirects.push(Redirect {
                        from,
                        to: n,
                        origin: RedirectOrigin::FormerId { file: i.source_path.clone() },
                    }),
                    Ok(_) => {}
                    Err(msg) => diags.warning(
                        &i.source_path,
                        Pos::UNKNOWN,
                        format!("no redirect from a former id (from git history): {msg}"),
                    ),
                }
            }
        }
        redirects.sort_by(|a, b| a.from.cmp(&b.from));
        redirects.dedup_by(|a, b| a.from == b.from);

        let mut archive = Archive {
            left_out: hidden_list.len(),
            config,
            include,
            incidents,
            by_id,
            all_paths,
            hidden,
            related,
            cause_docs,
            pages,
            home,
            redirects,
            ..Archive::default()
        };
        let (tags, (services, causes)) = rayon::join(
            || archive.index(Taxonomy::Tags),
            || rayon::join(|| archive.index(Taxonomy::Services), || archive.index(Taxonomy::Causes)),
        );
        (archive.tags, archive.services, archive.causes) = (tags, services, causes);
        archive
    }

    /// Builds one taxonomy: each term with its incidents, sorted by count
    /// (descending) then name. The display name is the cause file's title,
    /// else the spelling used most often.
    fn index(&self, tax: Taxonomy) -> Vec<TermIndex> {
        let mut by_slug: BTreeMap<&str, (Vec<usize>, HashMap<&str, usize>)> = BTreeMap::new();
        for (n, i) in self.incidents.iter().enumerate() {
            for t in tax.terms(i) {
                let e = by_slug.entry(t.slug.as_str()).or_default();
                e.0.push(n);
                *e.1.entry(t.name.as_str()).or_default() += 1;
            }
        }
        // `[services]` and `[tags]` in rca-site.toml: names by slug or spelling.
        let none = BTreeMap::new();
        let named: HashMap<String, &str> = match tax {
            Taxonomy::Services => &self.config.services,
            Taxonomy::Tags => &self.config.tags,
            Taxonomy::Causes => &none,
        }
        .iter()
        .map(|(k, v)| (crate::slugs::slugify(k), v.as_str()))
        .collect();
        let mut out: Vec<TermIndex> = by_slug
            .into_iter()
            .map(|(slug, (incidents, spellings))| {
                let name = match (tax, self.cause_docs.get(slug)) {
                    (Taxonomy::Causes, Some(doc)) => doc.title.clone(),
                    _ if named.contains_key(slug) => named[slug].to_string(),
                    _ => spellings
                        .into_iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
                        .map_or_else(|| slug.to_string(), |(s, _)| s.to_string()),
                };
                TermIndex { name, slug: slug.to_string(), incidents }
            })
            .collect();
        out.sort_by(|a, b| {
            b.incidents.len().cmp(&a.incidents.len()).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        out
    }

    pub fn taxonomy(&self, tax: Taxonomy) -> &[TermIndex] {
        match tax {
            Taxonomy::Tags => &self.tags,
            Taxonomy::Services => &self.services,
            Taxonomy::Causes => &self.causes,
        }
    }

    /// Display name of a term by slug.
    pub fn term_name(&self, tax: Taxonomy, slug: &str) -> Option<&str> {
        self.taxonomy(tax).iter().find(|t| t.slug == slug).map(|t| t.name.as_str())
    }

    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.by_id.get(id).map(|&n| &self.incidents[n])
    }

    /// Position of a shown incident in [`Archive::incidents`].
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Explicitly related incidents (both directions), visible ones only.
    pub fn related(&self, n: usize) -> &[usize] {
        &self.related[n]
    }

    /// The site's base path ("" or "/sub").
    pub fn base(&self) -> String {
        self.config.base_path()
    }

    pub fn incident_url(&self, i: &Incident) -> String {
        format!("{}{}", self.base(), i.url_path())
    }
}

impl LinkResolver for Archive {
    fn by_path(&self, path: &str) -> LinkTarget {
        match self.all_paths.get(path) {
            Some(id) => self.by_id(id),
            None => LinkTarget::Missing,
        }
    }

    fn by_id(&self, id: &str) -> LinkTarget {
        let id = &crate::slugs::canonical_id(id);
        if let Some(i) = self.get(id) {
            LinkTarget::Visible { id: i.id.clone(), url: self.incident_url(i), title: i.title.clone() }
        } else if self.hidden.contains(id) {
            LinkTarget::Hidden
        } else {
            LinkTarget::Missing
        }
    }
}

/// Two files with one id would overwrite each other's page: name both.
fn check_duplicate_ids(all: &[Incident], diags: &mut Diagnostics) {
    let mut first: HashMap<&str, &Incident> = HashMap::new();
    for i in all {
        match first.get(i.id.as_str()) {
            Some(other) => diags.error(
                &i.source_path,
                Pos::START,
                format!(
                    "duplicate id {:?}: also used by {}; expected every incident to have its own id (set `id:` in one of them)",
                    i.id, other.source_path
                ),
            ),
            None => {
                first.insert(&i.id, i);
            }
        }
    }
}

/// Checks every incident's `aliases:` (left-out incidents too: `check`
/// covers drafts) and gives, per incident, the paths they redirect from. A
/// bad alias is an error at its position and is dropped; its incident stays,
/// so links to it elsewhere are not reported as broken. Two incidents
/// claiming one old URL: the second is an error.
fn check_aliases(all: &[Incident], diags: &mut Diagnostics) -> Vec<Vec<(String, Pos)>> {
    let mut claimed: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::with_capacity(all.len());
    for i in all {
        let mut paths: Vec<(String, Pos)> = Vec::new();
        for a in &i.aliases {
            match alias_path(&a.raw) {
                Ok(path) => match claimed.get(path.as_str()) {
                    Some(other) if *other == i.id => {}
                    Some(other) => diags.error(
                        &i.source_path,
                        a.pos,
                        format!("alias {path:?} is already an alias of incident {other:?}; expected every old URL to redirect to one incident"),
                    ),
                    None => {
                        claimed.insert(path.clone(), &i.id);
                        paths.push((path, a.pos));
                    }
                },
                Err(msg) => diags.error(&i.source_path, a.pos, msg),
            }
        }
        out.push(paths);
    }
    out
}

/// Rewrites every cause spelled as an alias to its cause's slug.
fn fold_cause_aliases(
    all: &mut [Incident],
    causes: Vec<CauseDoc>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, CauseDoc> {
    let mut docs: BTreeMap<String, CauseDoc> = BTreeMap::new();
    let mut alias_of: HashMap<String, String> = HashMap::new();
    for c in causes {
        for a in &c.aliases {
            if a.slug == c.slug {
                continue;
            }
            if let Some(prev) = alias_of.get(&a.slug) {
                diags.error(&c.source_path, a.pos, format!("alias {:?} is already an alias of cause {prev:?}", a.name));
                continue;
            }
            alias_of.insert(a.slug.clone(), c.slug.clone());
        }
        docs.insert(c.slug.clone(), c);
    }
    for slug in docs.keys() {
        if let Some(target) = alias_of.get(slug) {
            let doc = &docs[slug];
            diags.error(
                &doc.source_path,
                Pos::START,
                format!("cause {slug:?} has its own file but is also an alias of {target:?}"),
            );
        }
    }
    for i in all.iter_mut() {
        for t in &mut i.causes {
            if let Some(target) = alias_of.get(&t.slug) {
                t.slug = target.clone();
            }
        }
        let mut seen = HashSet::new();
        i.causes.retain(|t| seen.insert(t.slug.clone()));
    }
    docs
}

fn check_pages(pages: &[Page], diags: &mut Diagnostics) {
    for p in pages {
        if RESERVED.contains(&p.id.as_str()) {
            diags.error(
                &p.source_path,
                Pos::START,
                format!("page id {:?} clashes with the site's own /{}/ page; rename the file", p.id, p.id),
            );
        }
    }
}
