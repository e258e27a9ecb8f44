//! The pipeline, end to end, one stage after another:
//! read (the [`Snapshot`]) → parse → history → link ([`Archive`]) →
//! bodies (Markdown) → plan → render (pages) → outputs (feeds, sitemap,
//! assets, redirects) → search, with the time each stage took.
//!
//! `build` and `check` call [`build_site`]; `serve` calls [`build_site_reusing`]
//! with its cache. The pipeline knows nothing about serve: at each stage it
//! asks a [`Reuse`] what it may keep, and [`NoReuse`] keeps nothing.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::archive::Archive;
use crate::config::{Config, CONFIG_FILE};
use crate::diagnostics::{Diagnostics, Pos};
use crate::markdown::{self, Rendered, Source};
use crate::model::*;
use crate::output::OutputFile;
use crate::output::Sink;
use crate::pages::fingerprint::{self, Digests, Recorder};
use crate::pages::{Bodies, CardCache, Renderer};
use crate::parse;
use crate::render::report_tera_error;
use crate::reuse::{KeptBody, NoReuse, Reuse};
use crate::source::Snapshot;
use crate::theme::Theme;
use crate::{dates, feeds};

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub include: Include,
    /// Overrides `base_url` from rca-site.toml (e.g. a deploy preview URL).
    pub base_url: Option<String>,
    /// The date "overdue" is measured against; today when unset.
    pub build_date: Option<Date>,
    /// Where git history comes from; `None`: no history (front-matter dates).
    pub history: Option<crate::git::HistorySource>,
}

/// Time spent per stage, for progress output and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Reading the git history (one walk for the whole archive).
    pub history: Duration,
    pub parse: Duration,
    pub archive: Duration,
    pub markdown: Duration,
    pub render: Duration,
    /// Search index and page (part of `render`).
    pub search: Duration,
}

/// The result of running the pipeline.
#[derive(Debug, Default)]
pub struct Built {
    pub diagnostics: Diagnostics,
    pub incidents: usize,
    pub left_out: usize,
    pub pages: usize,
    /// The path of `base_url` ("" or "/archive"): the site's pages link
    /// under it, so a host (and `serve`) serves them there.
    pub base_path: String,
    pub timings: Timings,
}

/// Runs the pipeline over a snapshot of the archive.
pub fn build_site(snapshot: &Snapshot, opts: &BuildOptions, sink: &dyn Sink) -> Built {
    run(Cow::Borrowed(snapshot), opts, sink, &mut NoReuse)
}

/// [`build_site`] over a snapshot it may drop once the documents are
/// parsed and the theme is read (`build`, `check`): the files' bytes are
/// not held through the rest of the build.
pub fn build_site_owned(snapshot: Snapshot, opts: &BuildOptions, sink: &dyn Sink) -> Built {
    run(Cow::Owned(snapshot), opts, sink, &mut NoReuse)
}

/// Runs the pipeline, keeping what `reuse` says it may keep from the
/// previous build of the same archive (`serve`): the pages of the plan
/// whose fingerprints it still has are not rendered or put into the sink.
pub fn build_site_reusing<R: Reuse>(snapshot: &Snapshot, opts: &BuildOptions, sink: &dyn Sink, reuse: &mut R) -> Built {
    run(Cow::Borrowed(snapshot), opts, sink, reuse)
}

fn run<R: Reuse>(snapshot: Cow<'_, Snapshot>, opts: &BuildOptions, sink: &dyn Sink, reuse: &mut R) -> Built {
    let mut diags = Diagnostics::new();
    let mut timings = Timings::default();
    let t0 = Instant::now();

    let mut config = match snapshot.get(CONFIG_FILE) {
        Some(bytes) => match parse::decode(CONFIG_FILE, bytes) {
            Ok(text) => Config::parse(text, &mut diags),
            Err(d) => {
                diags.push(d);
                Config::default()
            }
        },
        None => Config::default(),
    };
    if let Some(url) = &opts.base_url {
        let url = url.trim().trim_end_matches('/').to_string();
        // Another URL than the configured one is a deploy preview; without a
        // configured one the override is the site's only URL (GitHub Pages).
        config.deploy_preview = !config.base_url.is_empty() && url != config.base_url;
        config.base_url = url;
    }

    let selection = crate::select::Selection::new(&config);
    let incident_files = reuse.incident_files(&snapshot, &selection);
    if incident_files.is_empty() && snapshot.under("content/").next().is_none() {
        diags.warning("content", Pos::UNKNOWN, "no content/ folder: the site has no incidents yet (write one with `rca-site new \"Title\"`, or run `rca-site init` to publish postmortems kept elsewhere)");
    }
    let parsed: Vec<Result<Incident, Vec<_>>> =
        reuse.parse_incidents(&snapshot, &incident_files, &config, opts.include);
    let incidents: Vec<Incident> = parsed.into_iter().filter_map(|r| parse::collect(r, &mut diags)).collect();
    for i in &incidents {
        diags.extend(i.warnings.iter().cloned());
    }

    let causes: Vec<CauseDoc> = snapshot
        .under("content/causes/")
        .filter(|(p, _)| p.ends_with(".md"))
        .filter_map(|(p, b)| parse::collect(parse::parse_cause(p, b), &mut diags))
        .collect();
    let pages: Vec<Page> = snapshot
        .under("content/pages/")
        .filter(|(p, _)| p.ends_with(".md"))
        .filter_map(|(p, b)| {
            let id = crate::slugs::id_from_file_name(p);
            parse::collect(parse::parse_page(p, b, &id), &mut diags)
        })
        .collect();
    let mut home = snapshot
        .get("content/_index.md")
        .and_then(|b| parse::collect(parse::parse_page("content/_index.md", b, ""), &mut diags));
    // The last use of the snapshot: an owned one (build, check) is freed
    // here, before the history, the bodies and the pages are made.
    let theme = Theme::load(&snapshot);
    drop(snapshot);
    timings.parse = t0.elapsed();

    let th = Instant::now();
    let (mut incidents, mut causes, mut pages) = (incidents, causes, pages);
    let history = crate::git::history_stage(opts.history.as_ref(), &mut diags);
    crate::git::attach(history.as_deref(), opts.include, &mut incidents, &mut causes, &mut pages);
    timings.history = th.elapsed();
    // After attach, which matches commit subjects against the titles as typed.
    let tm = Instant::now();
    crate::mask::documents(&config, &mut incidents, &mut causes, &mut pages, home.as_mut());
    timings.parse += tm.elapsed();

    let t1 = Instant::now();
    let archive = reuse.archive(config, opts.include, incidents, causes, pages, home, &mut diags);
    if archive.config.base_url.is_empty() && !diags.has_errors() {
        diags.warning("", Pos::UNKNOWN, "base_url is not set: the feed and sitemap will use root-relative links (set base_url = \"https://…\" in rca-site.toml, or pass --base-url)");
    }
    timings.archive = t1.elapsed();

    let t2 = Instant::now();
    let fingerprints = reuse.fingerprints();
    let bodies = render_bodies(&archive, reuse.bodies(&archive), fingerprints);
    for r in bodies.incidents.iter().chain(bodies.causes.values()).chain(&bodies.pages).chain(&bodies.home) {
        diags.extend(r.diagnostics.iter().cloned());
    }
    timings.markdown = t2.elapsed();

    let mut built = Built {
        incidents: archive.incidents.len(),
        left_out: archive.left_out,
        base_path: archive.base(),
        ..Built::default()
    };
    let Some(tera) = reuse.templates(&theme, &mut diags) else {
        reuse.failed(archive);
        built.diagnostics = diags;
        built.timings = timings;
        return built;
    };
    if diags.has_errors() {
        reuse.failed(archive);
        built.diagnostics = diags;
        built.timings = timings;
        return built;
    }

    let t3 = Instant::now();
    let build_date = opts.build_date.unwrap_or_else(dates::today);
    let digests = fingerprints.then(|| {
        let incidents = reuse.incident_digests(&archive);
        Digests::new(&archive, incidents, &bodies.digests, &theme, build_date, archive.include)
    });
    let mut no_cards = CardCache::default();
    // Whether the renderer is kept for the next build (serve).
    let keeps_cards = reuse.cards().is_some();
    let cards = match reuse.cards() {
        Some(kept) => kept,
        None => &mut no_cards,
    };
    let mut renderer = match Renderer::reusing(&archive, &tera, &bodies, build_date, cards, digests.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            report_tera_error(&theme, &e, &mut diags);
            reuse.failed(archive);
            built.diagnostics = diags;
            built.timings = timings;
            return built;
        }
    };
    // The plan: every page of the site, then the outputs made from the
    // whole archive; those the reuse still has are not made again.
    let mut pages = renderer.pages();
    let html_pages = pages.len();
    pages.extend(crate::pages::outputs::pages());
    let kept = match &digests {
        Some(d) => reuse.still_have(&pages, &renderer.fingerprints(&pages, d)),
        None => Vec::new(),
    };
    let kept_at = |n: usize| kept.get(n) == Some(&true);
    let mut paths = crate::render::render_all(&renderer, &pages[..html_pages], &kept, &theme, sink, &mut diags);
    built.pages = paths.len();
    if !keeps_cards {
        renderer.release_pages();
    }
    let now = jiff::Timestamp::now();
    let mut kept_paths = Vec::new();
    let mut to_make = Vec::new();
    for (n, page) in pages.iter().enumerate().skip(html_pages) {
        if kept_at(n) {
            kept_paths.push(page.path.clone());
        } else {
            to_make.push(page);
        }
    }
    // The feed, the sitemap and the JSON at once.
    let mut elements = reuse.json_elements();
    if let (Some(cache), Some(d)) = (elements.as_deref_mut(), &digests) {
        cache.digests = d.incidents.clone();
    }
    let json = std::sync::Mutex::new(elements);
    let mut extra: Vec<OutputFile> = to_make
        .into_par_iter()
        .map(|page| {
            if !crate::pages::outputs::is_json(page) {
                return crate::pages::outputs::make(&archive, page, &paths, now, None);
            }
            let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
            crate::pages::outputs::make(&archive, page, &paths, now, json.as_deref_mut())
        })
        .collect();
    // A theme's own static/robots.txt replaces the generated one.
    if !theme.assets.contains_key("robots.txt") {
        extra.push(OutputFile::new("robots.txt", crate::share::robots_txt(&archive)));
    }
    // Every later output is checked against what is written before it, so a
    // clash is an error at its source in `check` as in `build`, never a
    // write error from the file system.
    let mut written = feeds::OutputPaths::new(
        paths
            .iter()
            .cloned()
            .chain(kept_paths.iter().cloned())
            .chain(extra.iter().map(|f| f.path.clone()))
            .chain(["_redirects".into(), crate::pages::search::page().path]),
    );
    for (path, bytes) in &theme.assets {
        if let Some(other) = written.conflict(path) {
            let what = feeds::clash(path, other);
            diags.error(
                format!("theme/static/{path}"),
                Pos::UNKNOWN,
                format!("/{path} cannot be copied: {what}; expected static files to have paths of their own"),
            );
            continue;
        }
        written.insert(path.clone());
        extra.push(OutputFile::new(path.clone(), bytes.clone()));
    }
    extra.extend(feeds::redirects(&archive, &mut written, &mut diags));
    paths.extend(kept_paths);
    for f in extra {
        paths.push(f.path.clone());
        let path = f.path.clone();
        if let Err(e) = sink.put(f) {
            diags.error("", Pos::UNKNOWN, format!("writing {path}: {e}"));
        }
    }
    reuse.pages_ready(&paths, &diags);
    let t_search = Instant::now();
    let (mut search_paths, index_dir) = crate::search::write(&archive, &bodies, reuse.search_index(), sink, &mut diags);
    match crate::pages::search::render(&renderer, &archive, &index_dir) {
        Ok(f) => search_paths.extend(crate::output::put_all(vec![f], sink, &mut diags)),
        Err(e) => diags.error("theme/templates/search.html", Pos::UNKNOWN, format!("template: {e}")),
    }
    paths.extend(crate::listing::write(&archive, &renderer, &search_paths, sink, &mut diags));
    paths.extend(search_paths);
    timings.search = t_search.elapsed();
    check_collisions(&archive, &paths, &mut diags);
    timings.render = t3.elapsed();

    reuse.keep_cards(renderer);
    reuse.keep(archive, bodies, &diags);
    built.timings = timings;
    built.diagnostics = diags;
    built
}

/// Renders every Markdown body in parallel, with cross-links resolved
/// against the archive. `kept[n]`, when set, is kept as the body of
/// incident `n`. `fingerprints`: also hash each body and write down the
/// cross-links it looked up ([`Bodies::digests`], [`Bodies::lookups`]).
fn render_bodies(archive: &Archive, kept: Vec<Option<KeptBody>>, fingerprints: bool) -> Bodies {
    let unsafe_html = archive.config.unsafe_html;
    let md = |body: &str, path: &str, line: usize| -> Rendered {
        markdown::render(body, &Source { path, body_line: line }, archive, unsafe_html)
    };
    let incidents: Vec<(Rendered, u64, Vec<fingerprint::Lookup>)> = archive
        .incidents
        .par_iter()
        .zip(kept)
        .map(|(i, kept)| match kept {
            Some(k) => (k.rendered, k.digest, k.lookups),
            None if fingerprints => {
                let links = Recorder::new(archive);
                let src = Source { path: &i.source_path, body_line: i.body_line };
                let r = markdown::render(&i.body, &src, &links, unsafe_html);
                let digest = fingerprint::body(&i.body, &r);
                (r, digest, links.into_lookups())
            }
            None => (md(&i.body, &i.source_path, i.body_line), 0, Vec::new()),
        })
        .collect();
    let (mut digests, mut lookups) = (Vec::new(), Vec::new());
    if fingerprints {
        digests.reserve(incidents.len());
        lookups.reserve(incidents.len());
    }
    let incidents = incidents
        .into_iter()
        .map(|(r, d, l)| {
            if fingerprints {
                digests.push(d);
                lookups.push(l);
            }
            r
        })
        .collect();
    Bodies {
        incidents,
        causes: archive
            .cause_docs
            .par_iter()
            .map(|(slug, c)| (slug.clone(), md(&c.body, &c.source_path, c.body_line)))
            .collect(),
        pages: archive.pages.iter().map(|p| md(&p.body, &p.source_path, p.body_line)).collect(),
        home: archive.home.as_ref().map(|p| md(&p.body, &p.source_path, p.body_line)),
        digests,
        lookups,
    }
}

/// Two outputs at one path (an incident whose id is a year, a page id equal
/// to a generated page) would silently lose one: report it instead.
fn check_collisions(archive: &Archive, paths: &[String], diags: &mut Diagnostics) {
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for path in paths {
        if !seen.insert(path.as_str()) {
            let culprit = archive
                .incidents
                .iter()
                .find(|i| format!("{}index.html", i.url_path().trim_start_matches('/')) == *path)
                .map(|i| i.source_path.clone())
                .or_else(|| {
                    archive
                        .pages
                        .iter()
                        .find(|p| *path == format!("{}/index.html", p.id))
                        .map(|p| p.source_path.clone())
                })
                .unwrap_or_default();
            diags.error(culprit, Pos::START, format!("two outputs would be written to /{path}; expected every page, alias and asset to have its own path"));
        }
    }
}
