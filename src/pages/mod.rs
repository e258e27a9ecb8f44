//! The page plan and the views: every page of the site, one file per
//! family, each declaring its pages (a [`PageKey`] and an output path),
//! building their views and fingerprinting each view's inputs.
//!
//! - [`incident`]: one page per incident;
//! - [`lists`]: the home page, /incidents/ and the years (paginated), the
//!   free pages, 404;
//! - [`taxonomies`]: /tags/, /services/, /causes/, their terms, severities;
//! - [`causes`]: what a cause's page shows beyond its term page;
//! - [`statistics`]: /stats/ (numbers from src/stats.rs, SVG from src/charts.rs);
//! - [`board`]: the action items boards;
//! - [`outputs`]: sitemap.xml, feed.xml, incidents.json (src/feeds.rs);
//! - [`search`]: the /search/ page (its index is built by src/search/).
//!
//! [`Renderer`] holds what the pages of one build share: the cards (each
//! incident's card, converted to a Tera value once and shared by every
//! list), the cross-links and the board. The template context is
//! documented in `docs/theme.md`; it is built here from plain serde
//! structs. src/render.rs renders the plan through the templates; a build
//! that keeps pages (serve) compares fingerprints ([`fingerprint`]) and
//! renders only the pages whose inputs changed.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::archive::{Archive, Taxonomy, TermIndex};
use crate::dates;
use crate::markdown::{Rendered, TocEntry};
use crate::model::*;
use crate::output::OutputFile;
use crate::paginate;

pub mod fingerprint;
use crate::slugs::slugify;
use crate::text;
use board::BoardData;

/// Markdown already rendered for the archive's documents.
#[derive(Debug, Default)]
pub struct Bodies {
    /// Parallel to `Archive::incidents`.
    pub incidents: Vec<Rendered>,
    /// Cause slug → rendered description.
    pub causes: BTreeMap<String, Rendered>,
    /// Parallel to `Archive::pages`.
    pub pages: Vec<Rendered>,
    pub home: Option<Rendered>,
    /// Per incident, its body's digest ([`fingerprint::body`]); empty
    /// when the build does not fingerprint its pages.
    pub digests: Vec<u64>,
    /// Per incident, the cross-links its body looked up and what they
    /// found; empty when the build does not fingerprint its pages.
    pub lookups: Vec<Vec<fingerprint::Lookup>>,
}

#[derive(Serialize)]
struct SeverityView {
    name: String,
    slug: String,
    rank: usize,
    description: Option<String>,
    url: String,
}

#[derive(Serialize, Clone)]
struct TermView {
    name: String,
    slug: String,
    url: String,
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    repo_url: Option<&'a str>,
    severities: Vec<SeverityView>,
    build_date: String,
    pages: Vec<NavPage<'a>>,
}

#[derive(Serialize)]
struct NavPage<'a> {
    id: &'a str,
    title: &'a str,
    nav_title: &'a str,
    url: String,
}

#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: &'a str,
    path: String,
    section: &'a str,
}

#[derive(Serialize)]
struct Card {
    id: String,
    url: String,
    title: String,
    /// The site has severities (`severities = []`: none anywhere).
    show_severity: bool,
    date: String,
    date_human: String,
    year: i16,
    summary: String,
    /// A [`SeverityView`] and [`TermView`]s, shared with every card
    /// that shows them ([`SharedViews`]).
    severity: Option<Value>,
    kind: Option<&'static str>,
    kind_label: Option<&'static str>,
    status: &'static str,
    internal: bool,
    services: Vec<Value>,
    tags: Vec<Value>,
    causes: Vec<Value>,
    time_to_detect: Option<String>,
    time_to_mitigate: Option<String>,
    time_to_resolve: Option<String>,
    open_actions: usize,
    /// The card and the table row, rendered once by the theme's
    /// `incident_card` and `incident_row` components.
    card_html: String,
    row_html: String,
}

/// Everything the pages of one build share.
pub struct Renderer<'a> {
    archive: &'a Archive,
    tera: &'a Tera,
    bodies: &'a Bodies,
    build_date: Date,
    base: String,
    /// One card per visible incident, parallel to `archive.incidents`.
    cards: Vec<Card>,
    card_values: Vec<Value>,
    globals: Context,
    xlinks: xlinks::Crosslinks,
    board: BoardData,
    /// Per incident, the digest its card was built from (serve: the card
    /// is kept while it is the same); empty when nothing is kept.
    card_digests: Vec<u64>,
    /// How many cards this build rendered.
    cards_built: usize,
    /// What several pages of a list read, made once per build: a list's
    /// page reads its share of them (without them, every page of a paged
    /// list would walk the whole list again: quadratic at 100,000).
    years: Vec<lists::YearGroup>,
    /// Per severity (rank order), its incidents in archive order.
    severity_members: Vec<Vec<usize>>,
    /// Per cause (archive order), what each of its pages shows of the
    /// whole cause, made by the first of its pages rendered.
    causes: Vec<std::sync::OnceLock<causes::CauseSummary>>,
}

/// One page of the site, the same from one build to the next: what a
/// build that keeps pages (serve) remembers a page by, with its
/// fingerprint. A list's page carries its number (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    Home,
    NotFound,
    /// A page of /incidents/.
    Incidents(usize),
    /// A page of one year's list.
    Year(i16, usize),
    /// By id.
    Incident(String),
    Taxonomy(Taxonomy),
    /// By slug.
    Term(Taxonomy, String, usize),
    /// By name.
    Severity(String, usize),
    /// A free page, by id.
    Page(String),
    Stats,
    /// A board page, by folder (`action-items/owner/<slug>`).
    ActionItems(String, usize),
    /// `<dir>/page/1/`, redirecting to the list at `<dir>/`.
    FirstPage(String),
    /// The outputs made from the whole archive (src/feeds.rs).
    Sitemap,
    Feed,
    Json,
    /// /search/, made after the index it loads (src/pages/search.rs).
    Search,
}

/// What the fingerprints of several families are made of, once per build.
struct Common<'d> {
    digests: &'d fingerprint::Digests,
    /// Per incident, what its page shows of others ([`xlinks::digests`]).
    crosslinks: Vec<u64>,
    /// The names every term is shown with ([`taxonomies::names`]).
    terms: u64,
    /// The years a sparkline spans ([`causes::years`]).
    years: u64,
    /// Per severity, the digests of its incidents ([`taxonomies::severities`]).
    severities: Vec<u64>,
    /// The year groups of the lists, and their digest ([`lists::groups_digest`]).
    groups: &'d [lists::YearGroup],
    groups_digest: u64,
    /// What the board pages are made of ([`board::Digests`]).
    board: board::Digests,
}

/// A page the build writes: its key and output path (relative to the
/// output root). `at`: what the key names, as an index into this build's
/// archive (incident, term, severity, year group, free page, board filter).
#[derive(Debug, Clone)]
pub struct Page {
    pub key: PageKey,
    pub path: String,
    at: usize,
}

impl Page {
    fn new(key: PageKey, path: impl Into<String>, at: usize) -> Page {
        Page { key, path: path.into(), at }
    }

    /// An output that is not an HTML page (the feeds, the sitemap).
    pub fn output(key: PageKey, path: impl Into<String>) -> Page {
        Page::new(key, path, 0)
    }
}

/// Cards (with their rendered HTML, in their values) kept from the
/// previous render, by incident id, so that an incremental rebuild renders
/// only changed cards.
#[derive(Default)]
pub struct CardCache {
    /// Each card of the last render, in its archive's order: the
    /// incident's id, the digest the card was built from, the card and
    /// its value.
    kept: Vec<(String, u64, Card, Value)>,
    /// What the previous render built from the whole archive; see [`CardCache::forget_shared`].
    shared: Option<Shared>,
    /// Each kept card's mini line (`incident_mini`), by id, while `shared` is not kept.
    minis: std::collections::HashMap<String, Value>,
    /// The last board, while `shared` is not kept: its rows are reused for unchanged items.
    board: Option<BoardData>,
    /// The site digest (templates, config…) all of the above were rendered with.
    site: Option<u64>,
    /// What the similarity stage kept from the last build: it checks its
    /// own inputs, and is not cleared with the rest.
    related: crate::related::Memo,
}

/// The cross-links and the action-item board of the previous render, and
/// its build date (overdue items): reused while the archive is (serve).
struct Shared {
    xlinks: xlinks::Crosslinks,
    board: BoardData,
    build_date: Date,
    /// Incident ids, parallel to the minis in `xlinks`.
    ids: Vec<String>,
    /// The body digests the backlinks were made from ([`Bodies::digests`]).
    body_digests: Vec<u64>,
}

impl CardCache {
    pub fn clear(&mut self) {
        self.kept.clear();
        self.shared = None;
        self.minis.clear();
        self.board = None;
    }

    /// Drops the cross-links and action-item board kept with the cards
    /// (each incident's mini line stays with its card). serve keeps them
    /// only while the archive is reused as it was, since only the
    /// backlinks (from the bodies) can change then.
    pub fn forget_shared(&mut self) {
        if let Some(s) = self.shared.take() {
            self.minis = s.ids.into_iter().zip(s.xlinks.into_minis()).collect();
            self.board = Some(s.board);
        }
    }
}

impl<'a> Renderer<'a> {
    /// Prepares the shared data, taking the cards still in `reuse` instead
    /// of building them again: those whose digest (`digests`: the site and
    /// the incident) is the one they were built from (no digests: every
    /// card is built); fails when the theme's `incident_card` or
    /// `incident_row` component cannot render.
    pub fn reusing(
        archive: &'a Archive,
        tera: &'a Tera,
        bodies: &'a Bodies,
        build_date: Date,
        reuse: &mut CardCache,
        digests: Option<&fingerprint::Digests>,
    ) -> Result<Self, tera::Error> {
        let base = archive.base();
        // Rows and lines rendered by other templates are of no use.
        if reuse.site != digests.map(|d| d.site) {
            reuse.clear();
        }
        reuse.site = digests.map(|d| d.site);
        let card_digests: Vec<u64> = match digests {
            Some(d) => d.incidents.iter().map(|&i| fingerprint::of(&(d.site, i))).collect(),
            None => Vec::new(),
        };
        // A card is kept while its digest is the same. The archive's order
        // is mostly the last one (serve: every edit but a new date or title
        // order), where the cards are taken in place, not looked up by id.
        let last = std::mem::take(&mut reuse.kept);
        let same_digest = |n: usize, digest: u64| card_digests.get(n) == Some(&digest);
        let in_place =
            last.len() == archive.incidents.len() && last.iter().zip(&archive.incidents).all(|(k, i)| k.0 == i.id);
        let kept: Vec<Option<(Card, Value)>> = if in_place {
            last.into_iter()
                .enumerate()
                .map(|(n, (_, digest, c, v))| same_digest(n, digest).then_some((c, v)))
                .collect()
        } else {
            let mut by_id: std::collections::HashMap<String, (u64, Card, Value)> =
                last.into_iter().map(|(id, digest, c, v)| (id, (digest, c, v))).collect();
            let kept = archive.incidents.iter().enumerate().map(|(n, i)| {
                let (digest, c, v) = by_id.remove(&i.id)?;
                same_digest(n, digest).then_some((c, v))
            });
            kept.collect()
        };
        let cards_built = kept.iter().filter(|k| k.is_none()).count();
        let same = kept.iter().all(Option::is_some)
            && reuse.shared.as_ref().is_some_and(|s| s.build_date == build_date && s.ids.len() == kept.len());
        if !same {
            reuse.forget_shared();
        }
        let shared = reuse.shared.take();
        let mut minis = std::mem::take(&mut reuse.minis);
        let old_board = reuse.board.take();
        let site = reuse.site;
        reuse.clear();
        reuse.site = site;
        let views = SharedViews::new(archive, &base);
        let (mut cards, kept): (Vec<Card>, Vec<Option<Value>>) = archive
            .incidents
            .par_iter()
            .zip(kept)
            .map(|(i, k)| k.map_or_else(|| (card(archive, &base, &views, i), None), |(c, v)| (c, Some(v))))
            .unzip();
        cards.par_iter_mut().zip(&kept).filter(|(_, k)| k.is_none()).try_for_each(
            |(c, _)| -> Result<(), tera::Error> {
                let value = Value::from_serializable(&*c);
                let mut ctx = Context::new();
                ctx.insert_value("incident", value.clone());
                c.card_html = tera.render_component("incident_card", &ctx, None, true)?;
                let mut ctx = Context::new();
                ctx.insert_value("i", value);
                c.row_html = tera.render_component("incident_row", &ctx, None, true)?;
                Ok(())
            },
        )?;
        let kept_cards: Vec<bool> = kept.iter().map(Option::is_some).collect();
        // A card's HTML is printed from its value only: not held twice.
        let card_values = cards
            .par_iter_mut()
            .zip(kept)
            .map(|(c, k)| {
                let value = k.unwrap_or_else(|| Value::from_serializable(&*c));
                c.card_html = String::new();
                value
            })
            .collect();
        let config = &archive.config;
        let site = SiteView {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            repo_url: config.repo_url.as_deref(),
            severities: config.severities.iter().map(|s| severity_view(archive, &base, s)).collect(),
            build_date: dates::iso_date(build_date),
            pages: archive
                .pages
                .iter()
                .map(|p| NavPage {
                    id: &p.id,
                    title: &p.title,
                    nav_title: p.nav_title.as_deref().unwrap_or(&p.title),
                    url: format!("{base}/{}/", p.id),
                })
                .collect(),
        };
        let mut globals = Context::new();
        globals.insert("site", &site);
        globals.insert("base", &base);
        globals.insert("drafts_shown", &(archive.include.drafts || archive.include.internal));
        let (xlinks, board) = match shared {
            // The same archive: only the backlinks may differ (serve, body edits).
            Some(Shared { mut xlinks, board, body_digests, .. }) => {
                let last = std::mem::take(&mut xlinks.graph.backlinks);
                xlinks.graph.backlinks =
                    crate::graph::backlinks_after(last, archive, &bodies.incidents, &body_digests, &bodies.digests);
                (xlinks, board)
            }
            None => {
                // A mini line goes with its card.
                let kept_minis = archive
                    .incidents
                    .iter()
                    .zip(&kept_cards)
                    .map(|(i, &k)| minis.remove(&i.id).filter(|_| k))
                    .collect();
                let keyed = digests.is_some();
                let memo = keyed.then_some(&mut reuse.related);
                let graph = || xlinks::Crosslinks::new(archive, tera, &bodies.incidents, &cards, kept_minis, memo);
                let board = || BoardData::new(archive, tera, build_date, &base, old_board, keyed, &card_digests);
                // serve makes the two side by side; a build one after the
                // other, as both held at once would raise its peak memory
                // (past 4 GB at 100,000 incidents; bench/PROFILE.md).
                let (x, b) = if keyed { rayon::join(graph, board) } else { (graph(), board()) };
                (x?, b?)
            }
        };
        Ok(Renderer {
            archive,
            tera,
            bodies,
            build_date,
            base,
            cards,
            card_values,
            globals,
            xlinks,
            board,
            card_digests,
            cards_built,
            years: lists::year_groups(archive),
            severity_members: taxonomies::severity_members(archive),
            causes: (0..archive.causes.len()).map(|_| std::sync::OnceLock::new()).collect(),
        })
    }

    /// The table row of incident `n` (archive order), as the theme's
    /// `incident_row` rendered it (src/listing.rs serves it to the browser).
    pub fn row_html(&self, n: usize) -> &str {
        &self.cards[n].row_html
    }

    /// How many cards this build rendered (the others were kept).
    pub fn cards_built(&self) -> usize {
        self.cards_built
    }

    /// Frees what only the pages of [`Renderer::pages`] use (the card and
    /// board values, the cross-links), once they are rendered, in a build
    /// that does not keep them ([`Renderer::keep_cards`]): the search index
    /// is then built in their place. What is left renders the /search/
    /// page and the rows of src/listing.rs.
    pub(crate) fn release_pages(&mut self) {
        let freed =
            (std::mem::take(&mut self.card_values), std::mem::take(&mut self.xlinks), std::mem::take(&mut self.board));
        // Freeing 40,000 board items and 10,000 cards is not the build's
        // work to wait for: a thread of its own does it beside the search.
        std::thread::spawn(move || drop(freed));
    }

    /// Hands the cards over for the next rebuild.
    pub fn keep_cards(self, into: &mut CardCache) {
        into.kept = self
            .archive
            .incidents
            .iter()
            .zip(self.card_digests)
            .zip(self.cards.into_iter().zip(self.card_values))
            .map(|((i, d), (c, v))| (i.id.clone(), d, c, v))
            .collect();
        let ids = self.archive.incidents.iter().map(|i| i.id.clone()).collect();
        into.shared = Some(Shared {
            xlinks: self.xlinks,
            board: self.board.keep(),
            build_date: self.build_date,
            ids,
            body_digests: self.bodies.digests.clone(),
        });
        into.minis.clear();
        into.board = None;
    }

    /// Every HTML page of the site, in the order they are written (the
    /// sitemap lists them in this order): each family declares its own.
    pub fn pages(&self) -> Vec<Page> {
        let mut pages = Vec::new();
        self.declare_home(&mut pages);
        // The board and stats pages are the largest: first, so that they
        // overlap the many small pages instead of finishing last.
        self.declare_stats(&mut pages);
        self.declare_board(&mut pages);
        self.declare_lists(&mut pages);
        self.declare_incidents(&mut pages);
        self.declare_taxonomies(&mut pages);
        self.declare_free_pages(&mut pages);
        pages
    }

    /// Every page of a list of `total` in `dir`, and its `/page/1/` redirect.
    fn paged(&self, pages: &mut Vec<Page>, total: usize, dir: &str, at: usize, key: &dyn Fn(usize) -> PageKey) {
        let count = paginate::page_count(total, self.archive.config.pagination.per_page);
        pages.extend((1..=count).map(|n| Page::new(key(n), paginate::out_path(dir, n), at)));
        if count > 1 {
            pages.push(Page::new(PageKey::FirstPage(dir.to_string()), format!("{dir}/page/1/index.html"), at));
        }
    }

    /// The fingerprint of each page (parallel to `pages`): a hash of the
    /// data its view is made from. Two builds that give a page the same
    /// fingerprint render the same bytes for it.
    pub fn fingerprints(&self, pages: &[Page], d: &fingerprint::Digests) -> Vec<u64> {
        use std::hash::{Hash, Hasher};
        let groups = self.years.as_slice();
        let common = Common {
            digests: d,
            crosslinks: xlinks::digests(self, &d.incidents),
            terms: taxonomies::names(self.archive),
            years: causes::years(self),
            severities: taxonomies::severities(self, d),
            groups_digest: lists::groups_digest(groups),
            groups,
            board: board::Digests::new(&self.board),
        };
        pages
            .par_iter()
            .map(|p| {
                let mut h = fingerprint::hasher();
                (d.site, &p.key, &p.path).hash(&mut h);
                match p.key {
                    PageKey::NotFound | PageKey::FirstPage(_) => {}
                    PageKey::Home | PageKey::Incidents(_) | PageKey::Year(..) | PageKey::Page(_) => {
                        self.fingerprint_list(p, &common, &mut h)
                    }
                    PageKey::Incident(_) => incident::fingerprint(&common, p.at, &mut h),
                    PageKey::Taxonomy(_) | PageKey::Term(..) | PageKey::Severity(..) => {
                        self.fingerprint_taxonomy(p, &common, &mut h)
                    }
                    PageKey::Stats => statistics::fingerprint(d, &mut h),
                    PageKey::ActionItems(_, n) => board::fingerprint(
                        &self.board,
                        &common.board,
                        p.at,
                        n,
                        self.archive.config.pagination.per_page,
                        &mut h,
                    ),
                    PageKey::Sitemap | PageKey::Feed | PageKey::Json => outputs::fingerprint(d, &mut h),
                    // Not in the plan: rendered after the index, every build.
                    PageKey::Search => {}
                }
                h.finish()
            })
            .collect()
    }

    /// Renders one page of [`Renderer::pages`].
    pub fn render_page(&self, page: &Page) -> Result<OutputFile, tera::Error> {
        let at = page.at;
        match page.key {
            PageKey::Home => self.home(),
            PageKey::Incidents(p) => self.incidents_list(None, p),
            PageKey::Year(_, p) => self.incidents_list(Some(at), p),
            PageKey::FirstPage(ref dir) => {
                let list = format!("{}/{dir}/", self.base);
                let to = paginate::redirect_page(&format!("{}/{dir}/", self.archive.config.base_url), &list);
                Ok(OutputFile::new(format!("{dir}/page/1/index.html"), to))
            }
            PageKey::NotFound => self.page(
                "404.html",
                "404.html",
                "Page not found",
                "There is no page at this address: go to the home page, browse every incident or search the archive.",
                "404",
                Context::new(),
            ),
            PageKey::Incident(_) => self.incident(at),
            PageKey::Taxonomy(tax) => self.taxonomy(tax),
            PageKey::Term(tax, _, p) => self.term(tax, at, p),
            PageKey::Severity(_, p) => self.severity(at, p),
            PageKey::Page(_) => self.free_page(at),
            PageKey::Stats => self.stats_page(),
            PageKey::ActionItems(_, p) => self.action_items_page(at, p),
            // Not HTML pages: src/feeds.rs makes them.
            PageKey::Sitemap | PageKey::Feed | PageKey::Json => {
                Err(tera::Error::message(format!("{:?} is not a page of templates", page.key)))
            }
            // Made after the search index, from its folder: [`search::render`].
            PageKey::Search => Err(tera::Error::message("/search/ is made after its index (pages::search::render)")),
        }
    }

    pub fn page(
        &self,
        template: &str,
        out: &str,
        title: &str,
        description: &str,
        section: &str,
        ctx: Context,
    ) -> Result<OutputFile, tera::Error> {
        self.page_with_meta(template, out, title, description, section, None, ctx)
    }

    /// [`Renderer::page`] with the page's `meta` (src/share.rs) given; `None`: that of a plain page.
    #[allow(clippy::too_many_arguments)]
    fn page_with_meta(
        &self,
        template: &str,
        out: &str,
        title: &str,
        description: &str,
        section: &str,
        meta: Option<crate::share::Meta>,
        mut ctx: Context,
    ) -> Result<OutputFile, tera::Error> {
        let path = if out == "index.html" {
            "/".to_string()
        } else if let Some(dir) = out.strip_suffix("/index.html") {
            format!("/{dir}/")
        } else {
            format!("/{out}")
        };
        ctx.insert("meta", &meta.unwrap_or_else(|| crate::share::page(self.archive, &path, title)));
        let page = PageView { title, description, path: format!("{}{}", self.base, path), section };
        ctx.insert("page", &page);
        let mut full = self.globals.clone();
        full.extend(ctx);
        // Bytes, not a String: tera's own `render` checks the whole page is
        // UTF-8, and every value it writes is a `str` already.
        let mut html = Vec::with_capacity(16 * 1024);
        self.tera.render_to(template, &full, &mut html)?;
        Ok(OutputFile::new(out, html))
    }

    fn cards_of(&self, idx: &[usize]) -> Value {
        Value::from(idx.iter().map(|&n| self.card_values[n].clone()).collect::<Vec<Value>>())
    }
}

fn severity_view(a: &Archive, base: &str, name: &str) -> SeverityView {
    let slug = slugify(name);
    SeverityView {
        name: name.to_string(),
        rank: a.config.severity_rank(name).unwrap_or(0),
        description: a.config.severity_descriptions.get(name).cloned(),
        url: format!("{base}/severity/{slug}/"),
        slug,
    }
}

/// The view of every term of the archive and of every severity, made
/// once per build: a card holds the (reference-counted) values, not its
/// own copies (100,000 cards hold about 700,000 terms).
struct SharedViews {
    /// Per taxonomy ([`Taxonomy::ALL`] order), by slug.
    terms: Vec<std::collections::HashMap<String, Value>>,
    /// By name.
    severities: std::collections::HashMap<String, Value>,
}

impl SharedViews {
    fn new(a: &Archive, base: &str) -> SharedViews {
        let terms = Taxonomy::ALL
            .iter()
            .map(|&tax| {
                a.taxonomy(tax)
                    .iter()
                    .map(|t| (t.slug.clone(), Value::from_serializable(&term_view(base, tax, &t.slug, &t.name))))
                    .collect()
            })
            .collect();
        let names: std::collections::HashSet<&str> = a
            .incidents
            .iter()
            .filter_map(|i| i.severity.as_ref().map(|(s, _)| s.as_str()))
            .chain(a.config.severities.iter().map(String::as_str))
            .collect();
        let severities =
            names.into_iter().map(|s| (s.to_string(), Value::from_serializable(&severity_view(a, base, s)))).collect();
        SharedViews { terms, severities }
    }

    /// A term the archive's index does not have (none does, as built)
    /// is shown with the name the incident gives it.
    fn terms(&self, base: &str, tax: Taxonomy, terms: &[Term]) -> Vec<Value> {
        let shared = Taxonomy::ALL.iter().position(|&t| t == tax).and_then(|k| self.terms.get(k));
        terms
            .iter()
            .map(|t| match shared.and_then(|m| m.get(&t.slug)) {
                Some(v) => v.clone(),
                None => Value::from_serializable(&term_view(base, tax, &t.slug, &t.name)),
            })
            .collect()
    }

    fn severity(&self, a: &Archive, base: &str, name: &str) -> Value {
        self.severities.get(name).cloned().unwrap_or_else(|| Value::from_serializable(&severity_view(a, base, name)))
    }
}

fn term_view(base: &str, tax: Taxonomy, slug: &str, name: &str) -> TermView {
    TermView { name: name.to_string(), slug: slug.to_string(), url: format!("{base}/{}/{slug}/", tax.key()) }
}

fn card(a: &Archive, base: &str, views: &SharedViews, i: &Incident) -> Card {
    let ts = i.timestamps;
    Card {
        id: i.id.clone(),
        url: format!("{base}{}", i.url_path()),
        title: i.title.clone(),
        show_severity: !a.config.severities.is_empty(),
        date: i.date_shown(),
        date_human: i.date_human(),
        year: if i.has_date() { i.date.year() } else { 0 },
        summary: i.summary.clone(),
        severity: i.severity.as_ref().map(|(s, _)| views.severity(a, base, s)),
        kind: i.kind.map(Kind::as_str),
        kind_label: i.kind.map(Kind::label),
        status: i.status.as_str(),
        internal: i.visibility == Visibility::Internal,
        services: views.terms(base, Taxonomy::Services, &i.services),
        tags: views.terms(base, Taxonomy::Tags, &i.tags),
        causes: views.terms(base, Taxonomy::Causes, &i.causes),
        time_to_detect: ts.time_to_detect().map(dates::human_duration),
        time_to_mitigate: ts.time_to_mitigate().map(dates::human_duration),
        time_to_resolve: ts.time_to_resolve().map(dates::human_duration),
        open_actions: i.action_items.iter().filter(|it| it.status.is_pending()).count(),
        card_html: String::new(),
        row_html: String::new(),
    }
}

/// Views of the cross-links (src/graph.rs) for the templates.
pub mod board;
pub mod causes;
pub mod incident;
mod linked;
pub mod lists;
pub mod outputs;
pub mod search;
pub mod statistics;
pub mod taxonomies;
mod xlinks;
