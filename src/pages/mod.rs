//! Render: the archive → HTML pages through the Tera templates, in parallel.
//!
//! The template context is documented in `docs/theme.md`; it is built here
//! from plain serde structs. Each incident's card (the data every list
//! shows) is converted to a Tera value once and shared by all list pages.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::archive::{Archive, Taxonomy, TermIndex};
use crate::dates;
use crate::diagnostics::{Diagnostics, Pos};
use crate::markdown::{Rendered, TocEntry};
use crate::model::*;
use crate::output::Sink;
use crate::paginate;

pub mod fingerprint;
use crate::slugs::slugify;
use crate::text;
use crate::theme::Theme;

/// One file of the built site, path relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { path: path.into(), bytes: bytes.into() }
    }
}

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

/// Compiles the theme's templates, reporting syntax errors at their file
/// position.
pub fn compile_templates(theme: &Theme, diags: &mut Diagnostics) -> Option<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    // `{{ x | inline }}`: a short field's inline Markdown as sanitised HTML.
    // `links=false` inside a link (a cause name that links to its page).
    tera.register_filter(
        "inline",
        |s: std::borrow::Cow<'_, str>, kw: tera::Kwargs, _: &tera::State| -> tera::TeraResult<tera::Value> {
            let html = match kw.get::<bool>("links")? {
                Some(false) => crate::markdown::render_inline_unlinked(&s),
                _ => crate::markdown::render_inline(&s),
            };
            Ok(tera::Value::safe_string(&html))
        },
    );
    let templates: Vec<(&str, &str)> = theme.templates.iter().map(|(n, f)| (n.as_str(), f.contents.as_str())).collect();
    match tera.add_raw_templates(templates) {
        Ok(()) => Some(tera),
        Err(e) => {
            report_tera_error(theme, &e, diags);
            None
        }
    }
}

pub fn report_tera_error(theme: &Theme, e: &tera::Error, diags: &mut Diagnostics) {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let origin = theme
                .templates
                .get(r.filename())
                .map_or_else(|| format!("theme/templates/{}", r.filename()), |t| t.origin.clone());
            let span = r.span();
            diags.error(origin, Pos::new(span.start_line, span.start_col + 1), format!("template: {}", r.message()));
        }
        _ => diags.error("theme/templates", Pos::UNKNOWN, format!("template: {e}")),
    }
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
    severity: Option<SeverityView>,
    kind: Option<&'static str>,
    kind_label: Option<&'static str>,
    status: &'static str,
    internal: bool,
    services: Vec<TermView>,
    tags: Vec<TermView>,
    causes: Vec<TermView>,
    time_to_detect: Option<String>,
    time_to_mitigate: Option<String>,
    time_to_resolve: Option<String>,
    open_actions: usize,
    /// The card and the table row, rendered once by the theme's
    /// `incident_card` and `incident_row` components.
    card_html: String,
    row_html: String,
}

#[derive(Serialize)]
struct TimestampView {
    key: &'static str,
    label: &'static str,
    iso: String,
    human: String,
}

#[derive(Serialize)]
struct DurationView {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct ActionView<'a> {
    title: &'a str,
    owner: Option<&'a str>,
    status: &'static str,
    status_label: &'static str,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    due: Option<String>,
    overdue: bool,
    overdue_days: i64,
    overdue_by: Option<String>,
    link: Option<&'a str>,
}

#[derive(Serialize)]
struct IncidentView<'a> {
    #[serde(flatten)]
    card: &'a Card,
    /// The archive's own keys kept by `[extra]`, with their labels.
    extra: Vec<ExtraView<'a>>,
    impact: Option<&'a str>,
    trigger: Option<&'a str>,
    detection: Option<&'a str>,
    body_html: &'a str,
    toc: Vec<TocEntry>,
    timestamps: Vec<TimestampView>,
    durations: Vec<DurationView>,
    action_items: Vec<ActionView<'a>>,
    /// Every connected incident once, with its reasons (src/render/linked.rs).
    linked: Vec<linked::LinkedView>,
    /// How many more connected incidents the list leaves out (the cause pages have them).
    linked_more: usize,
    /// Per cause: how many incidents had it before and since.
    recurrence: Vec<linked::RecurrenceView>,
    /// The facts line (src/facts.rs).
    facts: crate::facts::Facts,
    /// The body cut where the timeline figure and the action items go.
    body_parts: Vec<crate::facts::BodyPart<'a>>,
    /// The id the facts line's action-item count links to.
    actions_anchor: String,
    /// Whether the tracked action items sit in the body's own section.
    actions_in_body: bool,
    /// Incidents that may be this one filed twice.
    duplicates: Vec<Value>,
    timeline: crate::timeline::Timeline,
    source_path: &'a str,
    source_url: Option<String>,
    /// Published, last revised, revisions (git history).
    #[serde(flatten)]
    git: crate::git::HistoryView,
}

#[derive(Serialize)]
struct TermCount {
    term: TermView,
    count: usize,
    first_date: String,
    last_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    spark: Option<xlinks::SparkView>,
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

/// Cards (with their rendered HTML) kept from the previous render, by
/// incident id, so that an incremental rebuild renders only changed cards.
#[derive(Default)]
pub struct CardCache {
    /// Each card with the digest it was built from.
    kept: std::collections::HashMap<String, (u64, Card, Value)>,
    /// What the previous render built from the whole archive; see [`CardCache::forget_shared`].
    shared: Option<Shared>,
    /// Each kept card's mini line (`incident_mini`), by id, while `shared` is not kept.
    minis: std::collections::HashMap<String, Value>,
    /// The last board, while `shared` is not kept: its rows are reused for unchanged items.
    board: Option<BoardData>,
}

/// The cross-links and the action-item board of the previous render, and
/// its build date (overdue items): reused while the archive is (serve).
struct Shared {
    xlinks: xlinks::Crosslinks,
    board: BoardData,
    build_date: Date,
    /// Incident ids, parallel to the minis in `xlinks`.
    ids: Vec<String>,
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
        let card_digests: Vec<u64> = match digests {
            Some(d) => d.incidents.iter().map(|&i| fingerprint::of(&(d.site, i))).collect(),
            None => Vec::new(),
        };
        let kept: Vec<Option<(Card, Value)>> = archive
            .incidents
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let (digest, c, v) = reuse.kept.remove(&i.id)?;
                (card_digests.get(n) == Some(&digest)).then_some((c, v))
            })
            .collect();
        let cards_built = kept.iter().filter(|k| k.is_none()).count();
        let same = kept.iter().all(Option::is_some)
            && reuse.shared.as_ref().is_some_and(|s| s.build_date == build_date && s.ids.len() == kept.len());
        if !same {
            reuse.forget_shared();
        }
        let shared = reuse.shared.take();
        let mut minis = std::mem::take(&mut reuse.minis);
        let old_board = reuse.board.take();
        reuse.clear();
        let (mut cards, kept): (Vec<Card>, Vec<Option<Value>>) = archive
            .incidents
            .par_iter()
            .zip(kept)
            .map(|(i, k)| k.map_or_else(|| (card(archive, &base, i), None), |(c, v)| (c, Some(v))))
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
        let card_values =
            cards.par_iter().zip(kept).map(|(c, k)| k.unwrap_or_else(|| Value::from_serializable(c))).collect();
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
            Some(Shared { mut xlinks, board, .. }) => {
                xlinks.graph.backlinks = crate::graph::backlinks(archive, &bodies.incidents);
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
                (
                    xlinks::Crosslinks::new(archive, tera, &bodies.incidents, &cards, kept_minis)?,
                    BoardData::new(archive, tera, build_date, &base, old_board)?,
                )
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

    /// Hands the cards over for the next rebuild.
    pub fn keep_cards(self, into: &mut CardCache) {
        into.kept = self
            .archive
            .incidents
            .iter()
            .zip(self.card_digests)
            .zip(self.cards.into_iter().zip(self.card_values))
            .map(|((i, d), (c, v))| (i.id.clone(), (d, c, v)))
            .collect();
        let ids = self.archive.incidents.iter().map(|i| i.id.clone()).collect();
        into.shared = Some(Shared { xlinks: self.xlinks, board: self.board, build_date: self.build_date, ids });
        into.minis.clear();
        into.board = None;
    }

    /// Every HTML page of the site, in the order they are written (the
    /// sitemap lists them in this order): each family declares its own.
    pub fn pages(&self) -> Vec<Page> {
        let a = self.archive;
        let per_page = a.config.pagination.per_page;
        let mut pages = vec![Page::new(PageKey::Home, "index.html", 0), Page::new(PageKey::NotFound, "404.html", 0)];
        // Every page of a list of `total` in `dir`, and its `/page/1/` redirect.
        let paged = |pages: &mut Vec<Page>, total: usize, dir: &str, at: usize, key: &dyn Fn(usize) -> PageKey| {
            let count = paginate::page_count(total, per_page);
            pages.extend((1..=count).map(|n| Page::new(key(n), paginate::out_path(dir, n), at)));
            if count > 1 {
                pages.push(Page::new(PageKey::FirstPage(dir.to_string()), format!("{dir}/page/1/index.html"), at));
            }
        };
        // The board and stats pages are the largest: start them first, so
        // they overlap the many small pages instead of finishing last.
        pages.push(Page::new(PageKey::Stats, "stats/index.html", 0));
        for (k, f) in self.board.filters().iter().enumerate() {
            let total = self.board.board.filtered(f).count();
            let dir = self.board_dir(f);
            paged(&mut pages, total, &dir, k, &|n| PageKey::ActionItems(dir.clone(), n));
        }
        paged(&mut pages, a.incidents.len(), "incidents", 0, &PageKey::Incidents);
        for (y, g) in self.year_groups().iter().enumerate().filter(|(_, g)| g.page) {
            paged(&mut pages, g.incidents.len(), &g.dir(), y, &|n| PageKey::Year(g.year, n));
        }
        pages.extend(
            a.incidents
                .iter()
                .enumerate()
                .map(|(n, i)| Page::new(PageKey::Incident(i.id.clone()), format!("incidents/{}/index.html", i.id), n)),
        );
        for tax in Taxonomy::ALL {
            pages.push(Page::new(PageKey::Taxonomy(tax), format!("{}/index.html", tax.key()), 0));
            for (n, t) in a.taxonomy(tax).iter().enumerate() {
                let dir = format!("{}/{}", tax.key(), t.slug);
                paged(&mut pages, t.incidents.len(), &dir, n, &|p| PageKey::Term(tax, t.slug.clone(), p));
            }
        }
        for (k, name) in a.config.severities.iter().enumerate() {
            let total = self.severity_members(k).len();
            let dir = format!("severity/{}", slugify(name));
            paged(&mut pages, total, &dir, k, &|p| PageKey::Severity(name.clone(), p));
        }
        pages.extend(
            a.pages
                .iter()
                .enumerate()
                .map(|(n, p)| Page::new(PageKey::Page(p.id.clone()), format!("{}/index.html", p.id), n)),
        );
        pages
    }

    /// The fingerprint of each page (parallel to `pages`): a hash of the
    /// data its view is made from. Two builds that give a page the same
    /// fingerprint render the same bytes for it.
    pub fn fingerprints(&self, pages: &[Page], d: &fingerprint::Digests) -> Vec<u64> {
        use std::hash::{Hash, Hasher};
        let a = self.archive;
        let xlinks = xlinks::digests(self, &d.incidents);
        // The names every term is shown with (cause pages name co-causes
        // and services), in any order: a term's count moves it in its list.
        let names = Taxonomy::ALL
            .iter()
            .flat_map(|&tax| a.taxonomy(tax).iter().map(move |t| fingerprint::of(&(tax, &t.slug, &t.name))))
            .fold(0u64, u64::wrapping_add);
        // The years a sparkline spans: the archive's first and last dated years.
        let dated = |i: &&Incident| i.has_date();
        let years = fingerprint::of(&(
            a.incidents.iter().find(dated).map(|i| i.date.year()),
            a.incidents.iter().rev().find(dated).map(|i| i.date.year()),
            &self.xlinks.graph.drawn.from,
        ));
        let members = |idx: &[usize], h: &mut fingerprint::FxHasher| {
            idx.len().hash(h);
            for &m in idx {
                d.incidents[m].hash(h);
            }
        };
        let html = |r: Option<&Rendered>| r.map(|r| fingerprint::body("", r));
        pages
            .par_iter()
            .map(|p| {
                let mut h = fingerprint::hasher();
                (d.site, &p.key, &p.path).hash(&mut h);
                match p.key {
                    PageKey::NotFound | PageKey::FirstPage(_) => {}
                    PageKey::Home => {
                        (d.archive, html(self.bodies.home.as_ref())).hash(&mut h);
                    }
                    PageKey::Incidents(_)
                    | PageKey::Year(..)
                    | PageKey::Taxonomy(_)
                    | PageKey::Stats
                    | PageKey::ActionItems(..)
                    | PageKey::Sitemap
                    | PageKey::Feed
                    | PageKey::Json => d.archive.hash(&mut h),
                    PageKey::Incident(_) => (d.incidents[p.at], d.bodies[p.at], xlinks[p.at]).hash(&mut h),
                    PageKey::Term(tax, ..) => {
                        let t = &a.taxonomy(tax)[p.at];
                        (&t.name, names, years).hash(&mut h);
                        members(&t.incidents, &mut h);
                        if tax == Taxonomy::Causes {
                            html(self.bodies.causes.get(&t.slug)).hash(&mut h);
                        }
                    }
                    PageKey::Severity(..) => members(&self.severity_members(p.at), &mut h),
                    PageKey::Page(_) => {
                        let page = &a.pages[p.at];
                        (&page.title, &page.description, &page.body).hash(&mut h);
                        fingerprint::tracked(&page.history, &mut h);
                        html(self.bodies.pages.get(p.at)).hash(&mut h);
                    }
                }
                h.finish()
            })
            .collect()
    }

    /// Renders the HTML pages of the site into `sink`, in parallel, but
    /// those `kept` says are kept as they were (`kept[n]`: `pages[n]`; an
    /// empty `kept`: none), and returns the paths of all of them.
    pub fn render_all(
        &self,
        pages: &[Page],
        kept: &[bool],
        theme: &Theme,
        sink: &dyn Sink,
        diags: &mut Diagnostics,
    ) -> Vec<String> {
        let results: Vec<Result<String, RenderError>> = pages
            .par_iter()
            .enumerate()
            .map(|(n, page)| {
                if kept.get(n) == Some(&true) {
                    return Ok(page.path.clone());
                }
                let file = self.render_page(page).map_err(RenderError::Template)?;
                debug_assert_eq!(file.path, page.path);
                let path = file.path.clone();
                sink.put(file).map_err(|e| RenderError::Write(path.clone(), e))?;
                Ok(path)
            })
            .collect();
        let mut paths = Vec::with_capacity(results.len());
        let mut reported = false;
        for r in results {
            match r {
                Ok(p) => paths.push(p),
                Err(RenderError::Write(path, e)) => diags.error("", Pos::UNKNOWN, format!("writing {path}: {e}")),
                // One broken template fails every page that uses it; say it once.
                Err(RenderError::Template(e)) if !reported => {
                    reported = true;
                    report_tera_error(theme, &e, diags);
                }
                Err(RenderError::Template(_)) => {}
            }
        }
        paths
    }

    fn render_page(&self, page: &Page) -> Result<OutputFile, tera::Error> {
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
            PageKey::Term(tax, _, p) => self.term(tax, &self.archive.taxonomy(tax)[at], p),
            PageKey::Severity(_, p) => self.severity(at, p),
            PageKey::Page(_) => self.free_page(at),
            PageKey::Stats => self.stats_page(),
            PageKey::ActionItems(_, p) => self.action_items_page(&self.board.filters()[at], p),
            // Not HTML pages: src/feeds.rs makes them.
            PageKey::Sitemap | PageKey::Feed | PageKey::Json => {
                Err(tera::Error::message(format!("{:?} is not a page of templates", page.key)))
            }
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
        let html = self.tera.render(template, &full)?;
        Ok(OutputFile::new(out, html))
    }

    fn cards_of(&self, idx: &[usize]) -> Value {
        Value::from(idx.iter().map(|&n| self.card_values[n].clone()).collect::<Vec<Value>>())
    }

    fn home(&self) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let mut ctx = Context::new();
        let latest: Vec<usize> = (0..a.incidents.len().min(10)).collect();
        ctx.insert_value("latest", self.cards_of(&latest));
        let (open, overdue) = a.incidents.iter().flat_map(|i| &i.action_items).fold((0, 0), |(o, d), item| {
            let pending = item.status.is_pending();
            let late = pending && item.due.is_some_and(|due| due < self.build_date);
            (o + usize::from(pending), d + usize::from(late))
        });
        #[derive(Serialize)]
        struct Totals {
            incidents: usize,
            open_actions: usize,
            overdue_actions: usize,
            services: usize,
            causes: usize,
        }
        ctx.insert(
            "totals",
            &Totals {
                incidents: a.incidents.len(),
                open_actions: open,
                overdue_actions: overdue,
                services: a.services.len(),
                causes: a.causes.len(),
            },
        );
        #[derive(Serialize)]
        struct BySeverity {
            severity: SeverityView,
            count: usize,
        }
        let by_severity: Vec<BySeverity> = a
            .config
            .severities
            .iter()
            .enumerate()
            .map(|(k, s)| BySeverity {
                severity: severity_view(a, &self.base, s),
                count: a.incidents.iter().filter(|i| i.severity.as_ref().is_some_and(|(_, r)| *r == k + 1)).count(),
            })
            .collect();
        ctx.insert("by_severity", &by_severity);
        ctx.insert("top_causes", &self.term_counts(Taxonomy::Causes, 5));
        ctx.insert("top_services", &self.term_counts(Taxonomy::Services, 5));
        ctx.insert("intro_html", self.bodies.home.as_ref().map_or("", |r| r.html.as_str()));
        self.insert_glance(&mut ctx);
        let description = match a.config.description.trim() {
            "" => format!("The incident postmortems of {}.", a.config.title),
            d => d.to_string(),
        };
        self.page("index.html", "index.html", &a.config.title, &description, "home", ctx)
    }

    fn term_counts(&self, tax: Taxonomy, limit: usize) -> Vec<TermCount> {
        self.archive
            .taxonomy(tax)
            .iter()
            .take(limit)
            .map(|t| TermCount {
                term: self.term_view(tax, t),
                count: t.incidents.len(),
                first_date: t
                    .incidents
                    .iter()
                    .rev()
                    .find(|&&n| self.archive.incidents[n].has_date())
                    .map(|&n| self.archive.incidents[n].date_shown())
                    .unwrap_or_default(),
                last_date: t
                    .incidents
                    .iter()
                    .find(|&&n| self.archive.incidents[n].has_date())
                    .map(|&n| self.archive.incidents[n].date_shown())
                    .unwrap_or_default(),
                spark: (tax == Taxonomy::Causes)
                    .then(|| xlinks::spark_view(self.archive, &self.xlinks.graph, t, self.xlinks.graph.cause_year_max)),
            })
            .collect()
    }

    fn term_view(&self, tax: Taxonomy, t: &TermIndex) -> TermView {
        TermView { name: t.name.clone(), slug: t.slug.clone(), url: format!("{}/{}/{}/", self.base, tax.key(), t.slug) }
    }

    /// A page of /incidents/ (`year`: None) or of one year's list.
    fn incidents_list(&self, year: Option<usize>, number: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let per_page = a.config.pagination.per_page;
        let groups = self.year_groups();
        let (list, dir) = match year.and_then(|y| groups.get(y)) {
            Some(g) => (g.incidents.clone(), g.dir()),
            None => (0..a.incidents.len(), "incidents".to_string()),
        };
        let list_url = format!("{}/{dir}/", self.base);
        let mut pager = paginate::Pager::new(&list_url, list.len(), per_page, number);
        if year.is_none() && pager.number == 1 {
            pager = pager.with_all_pages(&list_url);
        }
        let shown = pager.range(per_page);
        let shown = list.start + shown.start..list.start + shown.end;
        let mut ctx = Context::new();
        ctx.insert_value("incidents", self.cards_of(&shown.clone().collect::<Vec<usize>>()));
        #[derive(Serialize)]
        struct Year {
            year: i16,
            /// "2021", or "Date unknown".
            title: String,
            anchor: String,
            count: usize,
            incidents: Vec<Value>,
        }
        // The sections of this page, each with its year's total.
        let mut years: Vec<Year> = Vec::new();
        for n in shown {
            let card = self.card_values[n].clone();
            // Incidents with no date sort last, in a section of their own.
            let g = groups.iter().find(|g| g.incidents.contains(&n));
            let (year, title, anchor) =
                g.map_or((0, String::new(), String::new()), |g| (g.year, g.title(), g.anchor()));
            match years.last_mut() {
                Some(s) if s.anchor == anchor => s.incidents.push(card),
                _ => years.push(Year {
                    year,
                    title,
                    anchor,
                    count: g.map_or(1, |g| g.incidents.len()),
                    incidents: vec![card],
                }),
            }
        }
        ctx.insert("years", &years);
        #[derive(Serialize)]
        struct YearLink {
            year: i16,
            title: String,
            anchor: String,
            count: usize,
            url: Option<String>,
        }
        let all_years: Vec<YearLink> = groups
            .iter()
            .map(|g| YearLink {
                year: g.year,
                title: g.title(),
                anchor: g.anchor(),
                count: g.incidents.len(),
                url: g.page.then(|| format!("{}/{}/", self.base, g.dir())),
            })
            .collect();
        ctx.insert("all_years", &all_years);
        if let Some(g) = year.and_then(|y| groups.get(y)) {
            ctx.insert("year", &g.year);
        }
        let (title, desc, out) = match year.and_then(|y| groups.get(y)) {
            Some(g) => (
                format!("Incidents of {}", g.year),
                format!("The {} of {}, newest first.", text::count(g.incidents.len(), "incident"), g.year),
                paginate::out_path(&g.dir(), pager.number),
            ),
            None => (
                "Incidents".to_string(),
                format!("{} in the archive, newest first.", text::count(a.incidents.len(), "incident")),
                paginate::out_path("incidents", pager.number),
            ),
        };
        let title = format!("{title}{}", pager.title_suffix);
        ctx.insert("pager", &pager);
        self.page("incidents.html", &out, &title, &desc, "incidents", ctx)
    }

    /// The archive's incidents (newest first) in runs of one year. `page`:
    /// the year has its own page (not when an incident's id is the year).
    fn year_groups(&self) -> Vec<YearGroup> {
        let a = self.archive;
        let mut groups: Vec<YearGroup> = Vec::new();
        for (n, i) in a.incidents.iter().enumerate() {
            // Incidents with no date come last, as one group with no page.
            let (dated, year) = (i.has_date(), if i.has_date() { i.date.year() } else { 0 });
            match groups.last_mut() {
                Some(g) if g.dated == dated && g.year == year => g.incidents.end = n + 1,
                _ => groups.push(YearGroup { year, dated, incidents: n..n + 1, page: dated }),
            }
        }
        let mut seen = std::collections::HashSet::new();
        for g in groups.iter_mut().filter(|g| g.dated) {
            let id = g.year.to_string();
            g.page = seen.insert(g.year) && !a.incidents.iter().any(|i| i.id == id);
        }
        groups
    }

    /// Indexes of the incidents of severity `k` (0-based rank).
    fn severity_members(&self, k: usize) -> Vec<usize> {
        let a = self.archive;
        (0..a.incidents.len()).filter(|&n| a.incidents[n].severity.as_ref().is_some_and(|(_, r)| *r == k + 1)).collect()
    }

    /// The folder of a board page.
    fn board_dir(&self, filter: &crate::actions::Filter) -> String {
        use crate::actions::Filter;
        match filter {
            Filter::All => "action-items".to_string(),
            Filter::Owner(s) => format!("action-items/owner/{s}"),
            Filter::Status(s) => format!("action-items/status/{s}"),
        }
    }

    fn incident(&self, n: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let i = &a.incidents[n];
        let body = &self.bodies.incidents[n];
        let ts = i.timestamps;
        let timestamps = Timestamps::NAMES
            .iter()
            .zip(ts.as_array())
            .filter_map(|(key, t)| {
                t.map(|t| TimestampView {
                    key,
                    label: label_of(key),
                    iso: dates::rfc3339(t),
                    human: dates::human_timestamp(t),
                })
            })
            .collect();
        let durations = [
            ("Time to detect", ts.time_to_detect()),
            ("Time to mitigate", ts.time_to_mitigate()),
            ("Time to resolve", ts.time_to_resolve()),
        ]
        .into_iter()
        .filter_map(|(label, d)| d.map(|d| DurationView { label, value: dates::human_duration(d) }))
        .collect();
        let mut items: Vec<&ActionItem> = i.action_items.iter().collect();
        items.sort_by_key(|it| (it.status, it.due));
        let action_items: Vec<_> = items.into_iter().map(|it| action_view(it, self.build_date)).collect();
        // Times without a day of their own are placed on the incident's
        // day; with only a year or month known that would invent one.
        let timeline = if matches!(i.date_precision, DatePrecision::Day | DatePrecision::Time)
            || crate::parse::timeline_date(&i.body).is_some()
        {
            crate::timeline::of_incident(i, body)
        } else {
            crate::timeline::Timeline::default()
        };
        let (linked, linked_more) = linked::linked(self, n);
        let page = linked::page_plan(&body.html, &body.toc, &timeline, !action_items.is_empty(), !linked.is_empty());
        let view = IncidentView {
            card: &self.cards[n],
            extra: extra_views(i),
            impact: i.impact.as_deref(),
            trigger: i.trigger.as_deref(),
            detection: i.detection.as_deref(),
            body_html: &body.html,
            toc: page.toc,
            timestamps,
            durations,
            action_items,
            linked,
            linked_more,
            recurrence: linked::recurrence(self, n),
            facts: crate::facts::of_incident(i),
            body_parts: page.parts,
            actions_anchor: page.actions_anchor,
            actions_in_body: page.actions_in_body,
            duplicates: xlinks::minis(self, &self.xlinks.graph.duplicates[n]),
            timeline,
            source_path: &i.source_path,
            // The file's last commit (not HEAD): right for `--rev` builds too.
            source_url: a.config.repo_url.as_ref().map(|r| {
                let at = i.history.history().and_then(|h| h.revisions.first()).map_or("HEAD", |rev| rev.id.as_str());
                format!("{r}/blob/{at}/{}", i.source_path)
            }),
            git: {
                let mut git = crate::git::HistoryView::new(&i.history, &a.config);
                // `published:` in front matter: the history was lost in a migration.
                if let Some(d) = i.published {
                    let view = crate::git::DateView::new(dates::day_start(d));
                    git.revised.get_or_insert_with(|| view.clone());
                    git.published = Some(view);
                }
                git
            },
        };
        let mut ctx = Context::new();
        ctx.insert("incident", &view);
        let desc = crate::share::incident_description(i);
        let meta = Some(crate::share::incident(a, i));
        self.page_with_meta(
            "incident.html",
            &format!("incidents/{}/index.html", i.id),
            &i.title,
            &desc,
            "incidents",
            meta,
            ctx,
        )
    }

    fn taxonomy(&self, tax: Taxonomy) -> Result<OutputFile, tera::Error> {
        let mut ctx = Context::new();
        ctx.insert("taxonomy", &taxonomy_view(tax));
        ctx.insert("terms", &self.term_counts(tax, usize::MAX));
        let desc = format!("Incidents by {}.", tax.singular());
        self.page("taxonomy.html", &format!("{}/index.html", tax.key()), tax.name(), &desc, tax.key(), ctx)
    }

    fn term(&self, tax: Taxonomy, t: &TermIndex, number: usize) -> Result<OutputFile, tera::Error> {
        let per_page = self.archive.config.pagination.per_page;
        let pager = paginate::Pager::new(
            &format!("{}/{}/{}/", self.base, tax.key(), t.slug),
            t.incidents.len(),
            per_page,
            number,
        );
        let shown = pager.range(per_page);
        let mut ctx = Context::new();
        ctx.insert("taxonomy", &taxonomy_view(tax));
        ctx.insert("term", &self.term_view(tax, t));
        ctx.insert_value("incidents", self.cards_of(&t.incidents[shown.clone()]));
        if let (Some(&newest), Some(&oldest)) = (t.incidents.first(), t.incidents.last()) {
            ctx.insert_value("newest", self.card_values[newest].clone());
            ctx.insert_value("oldest", self.card_values[oldest].clone());
        }
        let description = match tax {
            Taxonomy::Causes => self.bodies.causes.get(&t.slug).map_or("", |r| r.html.as_str()),
            _ => "",
        };
        ctx.insert("description_html", description);
        if tax == Taxonomy::Causes {
            ctx.insert("cause", &xlinks::cause_view(self, t).page(shown));
        }
        let title = format!("{} {}{}", capitalise(tax.singular()), t.name, pager.title_suffix);
        let desc = format!("{} with the {} {}.", text::count(t.incidents.len(), "incident"), tax.singular(), t.name);
        let out = paginate::out_path(&format!("{}/{}", tax.key(), t.slug), pager.number);
        ctx.insert("pager", &pager);
        self.page("term.html", &out, &title, &desc, tax.key(), ctx)
    }

    fn severity(&self, k: usize, number: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let per_page = a.config.pagination.per_page;
        let name = &a.config.severities[k];
        let view = severity_view(a, &self.base, name);
        let idx = self.severity_members(k);
        let pager = paginate::Pager::new(&view.url, idx.len(), per_page, number);
        let mut ctx = Context::new();
        let desc = view
            .description
            .clone()
            .unwrap_or_else(|| format!("{}.", text::count(idx.len(), &format!("{name} incident"))));
        let out = paginate::out_path(&format!("severity/{}", view.slug), pager.number);
        ctx.insert("severity", &view);
        ctx.insert_value("incidents", self.cards_of(&idx[pager.range(per_page)]));
        ctx.insert("pager", &pager);
        self.page("severity.html", &out, &format!("{name}{}", pager.title_suffix), &desc, "severity", ctx)
    }

    fn free_page(&self, n: usize) -> Result<OutputFile, tera::Error> {
        let p = &self.archive.pages[n];
        let body = &self.bodies.pages[n];
        #[derive(Serialize)]
        struct Content<'b> {
            title: &'b str,
            body_html: &'b str,
            toc: &'b [TocEntry],
            #[serde(flatten)]
            git: crate::git::HistoryView,
        }
        let git = crate::git::HistoryView::new(&p.history, &self.archive.config);
        let mut ctx = Context::new();
        ctx.insert("content", &Content { title: &p.title, body_html: &body.html, toc: &body.toc, git });
        let description = match p.description.trim() {
            "" => Some(crate::share::first_paragraph(&p.body))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| p.title.clone()),
            d => d.to_string(),
        };
        self.page("page.html", &format!("{}/index.html", p.id), &p.title, &description, "page", ctx)
    }
}

enum RenderError {
    Template(tera::Error),
    Write(String, std::io::Error),
}

fn label_of(key: &str) -> &'static str {
    match key {
        "started" => "Started",
        "detected" => "Detected",
        "mitigated" => "Mitigated",
        _ => "Resolved",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

fn taxonomy_view(tax: Taxonomy) -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([("kind", tax.key()), ("name", tax.name()), ("singular", tax.singular())])
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

fn term_views(a: &Archive, base: &str, tax: Taxonomy, terms: &[Term]) -> Vec<TermView> {
    terms
        .iter()
        .map(|t| TermView {
            name: a.term_name(tax, &t.slug).unwrap_or(&t.name).to_string(),
            slug: t.slug.clone(),
            url: format!("{base}/{}/{}/", tax.key(), t.slug),
        })
        .collect()
}

/// One `[extra]` field of an incident: its label and values, each a link
/// when it is a web address.
#[derive(Serialize)]
struct ExtraView<'a> {
    key: &'a str,
    label: &'a str,
    values: Vec<ExtraValue<'a>>,
}

#[derive(Serialize)]
struct ExtraValue<'a> {
    text: &'a str,
    url: Option<&'a str>,
}

fn extra_views(i: &Incident) -> Vec<ExtraView<'_>> {
    let is_url = |v: &str| {
        (v.starts_with("https://") || v.starts_with("http://"))
            && !v.contains(char::is_whitespace)
            && crate::markdown::is_safe_url(v)
    };
    i.extra
        .iter()
        .map(|e| ExtraView {
            key: &e.key,
            label: &e.label,
            values: e.values.iter().map(|v| ExtraValue { text: v, url: is_url(v).then_some(v.as_str()) }).collect(),
        })
        .collect()
}

fn card(a: &Archive, base: &str, i: &Incident) -> Card {
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
        severity: i.severity.as_ref().map(|(s, _)| severity_view(a, base, s)),
        kind: i.kind.map(Kind::as_str),
        kind_label: i.kind.map(Kind::label),
        status: i.status.as_str(),
        internal: i.visibility == Visibility::Internal,
        services: term_views(a, base, Taxonomy::Services, &i.services),
        tags: term_views(a, base, Taxonomy::Tags, &i.tags),
        causes: term_views(a, base, Taxonomy::Causes, &i.causes),
        time_to_detect: ts.time_to_detect().map(dates::human_duration),
        time_to_mitigate: ts.time_to_mitigate().map(dates::human_duration),
        time_to_resolve: ts.time_to_resolve().map(dates::human_duration),
        open_actions: i.action_items.iter().filter(|it| it.status.is_pending()).count(),
        card_html: String::new(),
        row_html: String::new(),
    }
}

fn action_view(it: &ActionItem, today: Date) -> ActionView<'_> {
    let overdue_days = crate::actions::overdue_days(it.status, it.due, today);
    ActionView {
        title: &it.title,
        owner: it.owner.as_deref(),
        status: it.status.as_str(),
        status_label: it.status.label(),
        kind: it.kind.map(ActionType::as_str),
        due: it.due.map(dates::iso_date),
        overdue: overdue_days > 0,
        overdue_days,
        overdue_by: (overdue_days > 0).then(|| crate::actions::overdue_words(overdue_days)),
        link: it.link.as_deref(),
    }
}

/// Views of the cross-links (src/graph.rs) for the templates.
mod linked;
mod xlinks;

/// A run of incidents of one year in the archive's order (`year_groups`).
struct YearGroup {
    /// 0 for the incidents with no date.
    year: i16,
    dated: bool,
    incidents: std::ops::Range<usize>,
    /// Whether /incidents/<year>/ is written.
    page: bool,
}

impl YearGroup {
    fn dir(&self) -> String {
        format!("incidents/{}", self.year)
    }

    /// "2021", or "Date unknown".
    fn title(&self) -> String {
        if self.dated {
            self.year.to_string()
        } else {
            "Date unknown".to_string()
        }
    }

    fn anchor(&self) -> String {
        if self.dated {
            format!("y{}", self.year)
        } else {
            "y-unknown".to_string()
        }
    }
}
// ---- Insight pages (/stats/, /action-items/) and the home page's glance ----

/// The action-item board with each item's template value, built once.
struct BoardData {
    board: crate::actions::Board,
    values: Vec<Value>,
    /// Each item as its row is rendered from (JSON, `row_html` empty), parallel to `values`.
    keys: Vec<String>,
}

impl BoardData {
    /// `kept`: the previous board (serve); the row and value of an item
    /// that is exactly as before are taken from it.
    fn new(
        a: &Archive,
        tera: &Tera,
        build_date: Date,
        base: &str,
        kept: Option<BoardData>,
    ) -> Result<Self, tera::Error> {
        let mut board = crate::actions::Board::build(a, build_date, base);
        let keys: Vec<String> =
            board.items.par_iter().map(|it| serde_json::to_string(it).unwrap_or_default()).collect();
        let mut old: std::collections::HashMap<String, (String, Value)> = match kept {
            Some(k) => {
                let rows = k.board.items.into_iter().map(|it| it.row_html);
                k.keys.into_iter().zip(rows.zip(k.values)).collect()
            }
            None => std::collections::HashMap::new(),
        };
        let reused: Vec<Option<(String, Value)>> = keys.iter().map(|k| old.remove(k)).collect();
        let values = board
            .items
            .par_iter_mut()
            .zip(reused)
            .map(|(it, reused)| -> Result<Value, tera::Error> {
                if let Some((row, value)) = reused {
                    it.row_html = row;
                    return Ok(value);
                }
                let mut ctx = Context::new();
                ctx.insert("a", &*it);
                it.row_html = tera.render_component("action_row", &ctx, None, true)?;
                Ok(Value::from_serializable(&*it))
            })
            .collect::<Result<Vec<Value>, tera::Error>>()?;
        Ok(BoardData { board, values, keys })
    }

    /// Every board page: all items, each owner, each status and "overdue".
    fn filters(&self) -> Vec<crate::actions::Filter> {
        use crate::actions::Filter;
        let mut f = vec![Filter::All];
        f.extend(self.board.statuses.iter().map(|g| Filter::Status(g.slug.clone())));
        f.extend(self.board.owners.iter().map(|g| Filter::Owner(g.slug.clone())));
        f
    }
}

impl Renderer<'_> {
    fn stats_page(&self) -> Result<OutputFile, tera::Error> {
        let stats = crate::stats::Stats::compute(self.archive, self.build_date);
        let words =
            |s: Option<f64>| s.map(|v| dates::human_duration(jiff::SignedDuration::from_secs(v.round() as i64)));
        #[derive(Serialize)]
        struct Summary {
            incidents: usize,
            /// Incidents with no date, not drawn in the charts over time.
            undated: usize,
            detect_median: Option<String>,
            detect_p90: Option<String>,
            resolve_median: Option<String>,
            resolve_p90: Option<String>,
            actions: usize,
            actions_done: usize,
            actions_pending: usize,
            actions_overdue: usize,
        }
        let b = &self.board.board;
        let summary = Summary {
            incidents: stats.incidents,
            undated: stats.undated,
            detect_median: words(stats.detect.median),
            detect_p90: words(stats.detect.p90),
            resolve_median: words(stats.resolve.median),
            resolve_p90: words(stats.resolve.p90),
            actions: b.total,
            actions_done: b.done,
            actions_pending: b.pending,
            actions_overdue: b.overdue,
        };
        let mut ctx = Context::new();
        ctx.insert("summary", &summary);
        ctx.insert("figures", &crate::charts::figures(&stats, &self.base));
        let desc = format!(
            "Statistics of {}: how often, how severe, how fast we detect and resolve, what recurs.",
            text::count(stats.incidents, "incident")
        );
        self.page("stats.html", "stats/index.html", "Statistics", &desc, "stats", ctx)
    }

    fn action_items_page(&self, filter: &crate::actions::Filter, number: usize) -> Result<OutputFile, tera::Error> {
        use crate::actions::Filter;
        let b = &self.board;
        let (kind, slug, name) = match filter {
            Filter::All => ("all", String::new(), String::new()),
            Filter::Owner(s) => {
                let name = b.board.owners.iter().find(|g| &g.slug == s).map_or_else(|| s.clone(), |g| g.name.clone());
                ("owner", s.clone(), name)
            }
            Filter::Status(s) => {
                let name = b.board.statuses.iter().find(|g| &g.slug == s).map_or_else(|| s.clone(), |g| g.name.clone());
                ("status", s.clone(), name)
            }
        };
        // Board order is open first: one page's rows, across the groups.
        let per_page = self.archive.config.pagination.per_page;
        let items: Vec<usize> = b.board.filtered(filter).collect();
        let pending_total = items.iter().filter(|&&n| b.board.items[n].pending).count();
        let untracked_total = items.iter().filter(|&&n| b.board.items[n].status == "untracked").count();
        let closed_total = items.len() - pending_total - untracked_total;
        let list_url = format!("{}/{}/", self.base, self.board_dir(filter));
        let pager = paginate::Pager::new(&list_url, items.len(), per_page, number);
        let (mut pending, mut untracked, mut closed) = (Vec::new(), Vec::new(), Vec::new());
        for &n in &items[pager.range(per_page)] {
            let list = if b.board.items[n].pending {
                &mut pending
            } else if b.board.items[n].status == "untracked" {
                &mut untracked
            } else {
                &mut closed
            };
            list.push(b.values[n].clone());
        }
        let title = match kind {
            "owner" => format!("Action items of {name}"),
            "status" => format!("{name} action items"),
            _ => "Action items".to_string(),
        };
        let desc = format!(
            "{} from our postmortems, open first, overdue ones flagged.",
            text::count(items.len(), "action item")
        );
        let heading = title.clone();
        let title = format!("{title}{}", pager.title_suffix);
        let out = paginate::out_path(&self.board_dir(filter), pager.number);
        let mut ctx = Context::new();
        ctx.insert("filter", &BTreeMap::from([("kind", kind), ("slug", slug.as_str()), ("name", name.as_str())]));
        ctx.insert("board", &BoardSummary::of(&b.board));
        ctx.insert_value("pending", Value::from(pending));
        ctx.insert_value("untracked", Value::from(untracked));
        ctx.insert_value("closed", Value::from(closed));
        ctx.insert("pending_total", &pending_total);
        ctx.insert("untracked_total", &untracked_total);
        ctx.insert("closed_total", &closed_total);
        ctx.insert("heading", &heading);
        ctx.insert("pager", &pager);
        self.page("action-items.html", &out, &title, &desc, "action-items", ctx)
    }

    /// `recent` (the last 90 days by severity) for the home page.
    fn insert_glance(&self, ctx: &mut Context) {
        let a = self.archive;
        let recent = crate::stats::recent(a, self.build_date, 90);
        #[derive(Serialize)]
        struct Row {
            severity: SeverityView,
            count: usize,
        }
        #[derive(Serialize)]
        struct RecentView {
            days: i64,
            since: String,
            total: usize,
            days_since_last: Option<i64>,
            by_severity: Vec<Row>,
        }
        let by_severity = a
            .config
            .severities
            .iter()
            .zip(&recent.by_severity)
            .map(|(s, c)| Row { severity: severity_view(a, &self.base, s), count: *c })
            .collect();
        ctx.insert(
            "recent",
            &RecentView {
                days: recent.days,
                since: recent.since,
                total: recent.total,
                days_since_last: recent.days_since_last,
                by_severity,
            },
        );
    }
}

#[derive(Serialize)]
struct BoardSummary<'b> {
    total: usize,
    pending: usize,
    overdue: usize,
    done: usize,
    untracked: usize,
    owners: &'b [crate::actions::Group],
    statuses: &'b [crate::actions::Group],
}

impl<'b> BoardSummary<'b> {
    fn of(b: &'b crate::actions::Board) -> Self {
        BoardSummary {
            total: b.total,
            pending: b.pending,
            overdue: b.overdue,
            done: b.done,
            untracked: b.untracked,
            owners: &b.owners,
            statuses: &b.statuses,
        }
    }
}
