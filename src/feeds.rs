//! Machine-readable outputs: the Atom feed, the sitemap, `incidents.json`
//! (version 1) and the redirects for incident aliases.
//!
//! These are generated in code rather than templates: their formats are a
//! contract with feed readers, crawlers and scripts, not a matter of taste.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::Serialize;

use crate::archive::{Archive, RedirectOrigin};
use crate::dates;
use crate::diagnostics::{Diagnostics, Pos};
use crate::model::*;
use crate::output::OutputFile;
use crate::share::redirect_page;

/// How many incidents the Atom feed carries.
const FEED_SIZE: usize = 20;

/// Absolute URL of a site path ("/incidents/x/"), or root-relative with the
/// base path when no `base_url` is configured.
fn absolute(a: &Archive, path: &str) -> String {
    if a.config.base_url.is_empty() {
        path.to_string()
    } else {
        let origin_and_base = &a.config.base_url;
        format!("{origin_and_base}{path}")
    }
}

/// The one escaping helper ([`crate::escape::escape`]), by the name the
/// feeds, charts and serve's error page use.
pub(crate) use crate::escape::escape as xml_escape;

/// `/feed.xml`: the newest incidents as an Atom feed.
pub fn atom(a: &Archive, build: jiff::Timestamp) -> OutputFile {
    let updated = a.incidents.iter().take(FEED_SIZE).map(Incident::revised_at).max().unwrap_or(build);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("  <title>{}</title>\n", xml_escape(&a.config.title)));
    x.push_str(&format!("  <subtitle>{}</subtitle>\n", xml_escape(&a.config.description)));
    x.push_str(&format!("  <link href=\"{}\"/>\n", xml_escape(&absolute(a, "/"))));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_escape(&absolute(a, "/feed.xml"))
    ));
    x.push_str(&format!("  <id>{}</id>\n", xml_escape(&absolute(a, "/"))));
    x.push_str(&format!("  <updated>{}</updated>\n", dates::rfc3339(updated)));
    x.push_str("  <generator>rca-site</generator>\n");
    for i in a.incidents.iter().take(FEED_SIZE) {
        let url = absolute(a, &i.url_path());
        let published = dates::rfc3339(i.published_at());
        let revised = dates::rfc3339(i.revised_at());
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&entry_title(i))));
        x.push_str(&format!("    <link href=\"{}\"/>\n", xml_escape(&url)));
        x.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        x.push_str(&format!("    <published>{published}</published>\n    <updated>{revised}</updated>\n"));
        x.push_str(&format!("    <author><name>{}</name></author>\n", xml_escape(&a.config.title)));
        for t in i.services.iter().chain(&i.tags) {
            x.push_str(&format!("    <category term=\"{}\"/>\n", xml_escape(&t.slug)));
        }
        if !i.summary.is_empty() {
            x.push_str(&format!("    <summary>{}</summary>\n", xml_escape(&crate::markdown::plain_inline(&i.summary))));
        }
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    OutputFile::new("feed.xml", x)
}

fn utc_day(ts: jiff::Timestamp) -> String {
    dates::iso_date(ts.to_zoned(jiff::tz::TimeZone::UTC).date())
}

fn entry_title(i: &Incident) -> String {
    match &i.severity {
        Some((s, _)) => format!("[{s}] {}", i.title),
        None => i.title.clone(),
    }
}

/// `/sitemap.xml`: every page of the site.
pub fn sitemap(a: &Archive, pages: &[String]) -> OutputFile {
    let mut lastmod: std::collections::HashMap<String, String> =
        a.incidents.iter().map(|i| (format!("incidents/{}/index.html", i.id), utc_day(i.revised_at()))).collect();
    let page_dates =
        a.pages.iter().filter_map(|p| Some((format!("{}/index.html", p.id), p.history.history()?.updated)));
    let cause_dates = a
        .cause_docs
        .values()
        .filter_map(|c| Some((format!("causes/{}/index.html", c.slug), c.history.history()?.updated)));
    lastmod.extend(page_dates.chain(cause_dates).map(|(path, ts)| (path, utc_day(ts))));
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut paths: Vec<&str> = pages
        .iter()
        .map(String::as_str)
        // Not the redirect of a list's `/page/1/` to the list (src/paginate.rs).
        .filter(|p| p.ends_with("index.html") && !p.ends_with("/page/1/index.html"))
        .collect();
    paths.sort_unstable();
    for p in paths {
        let path = format!("/{}", p.trim_end_matches("index.html"));
        let loc = absolute(a, &path);
        x.push_str(&format!("  <url><loc>{}</loc>", xml_escape(&loc)));
        if let Some(d) = lastmod.get(p) {
            x.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    OutputFile::new("sitemap.xml", x)
}

#[derive(Serialize)]
struct JsonArchive<'a> {
    version: u32,
    generated: String,
    site: JsonSite<'a>,
    incidents: Vec<JsonIncident<'a>>,
}

#[derive(Serialize)]
struct JsonSite<'a> {
    title: &'a str,
    base_url: &'a str,
    severities: &'a [String],
}

#[derive(Serialize, Hash)]
struct JsonIncident<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    /// As written (`2021`, `2021-02`, `2021-02-10`, RFC 3339); null when unknown.
    date: Option<&'a str>,
    /// Sortable: `YYYY-MM-DD`, the first day of a year or month; null when unknown.
    #[serde(serialize_with = "ser::iso_date")]
    date_sort: Option<jiff::civil::Date>,
    date_precision: crate::model::DatePrecision,
    /// Short fields as plain text (their inline Markdown reduced to words).
    summary: Cow<'a, str>,
    severity: Option<&'a str>,
    kind: Option<&'static str>,
    services: Vec<&'a str>,
    tags: Vec<&'a str>,
    causes: Vec<&'a str>,
    related: Vec<&'a str>,
    #[serde(serialize_with = "ser::rfc3339")]
    started: Option<Timestamp>,
    #[serde(serialize_with = "ser::rfc3339")]
    detected: Option<Timestamp>,
    #[serde(serialize_with = "ser::rfc3339")]
    mitigated: Option<Timestamp>,
    #[serde(serialize_with = "ser::rfc3339")]
    resolved: Option<Timestamp>,
    /// Seconds, computed from the timestamps.
    time_to_detect: Option<i64>,
    time_to_mitigate: Option<i64>,
    time_to_resolve: Option<i64>,
    /// The same durations in words ("16 h 26 min").
    #[serde(serialize_with = "ser::human_duration")]
    time_to_detect_text: Option<jiff::SignedDuration>,
    #[serde(serialize_with = "ser::human_duration")]
    time_to_mitigate_text: Option<jiff::SignedDuration>,
    #[serde(serialize_with = "ser::human_duration")]
    time_to_resolve_text: Option<jiff::SignedDuration>,
    impact: Option<Cow<'a, str>>,
    trigger: Option<Cow<'a, str>>,
    detection: Option<&'a str>,
    action_items: Vec<JsonAction<'a>>,
    /// RFC 3339: first commit of the file (front-matter date without git).
    #[serde(serialize_with = "ser::rfc3339_one")]
    published: Timestamp,
    /// RFC 3339: last commit that changed the file (front-matter date without git).
    #[serde(serialize_with = "ser::rfc3339_one")]
    updated: Timestamp,
    /// The archive's own keys kept by rca-site.toml `[extra]`: key → values.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extra: std::collections::BTreeMap<&'a str, &'a [String]>,
}

#[derive(Serialize, Hash)]
struct JsonAction<'a> {
    title: Cow<'a, str>,
    owner: Option<&'a str>,
    status: &'static str,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    #[serde(serialize_with = "ser::iso_date")]
    due: Option<jiff::civil::Date>,
    link: Option<&'a str>,
}

/// incidents.json's elements hold dates, times and durations as values
/// (hashed by serve to find the elements it wrote before) and write
/// them as text only when serialised.
mod ser {
    use serde::Serializer;

    use crate::dates;

    pub fn iso_date<S: Serializer>(d: &Option<jiff::civil::Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&dates::iso_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn rfc3339<S: Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => rfc3339_one(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn rfc3339_one<S: Serializer>(t: &jiff::Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&dates::rfc3339(*t))
    }

    pub fn human_duration<S: Serializer>(d: &Option<jiff::SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&dates::human_duration(*d)),
            None => s.serialize_none(),
        }
    }
}

/// `/incidents.json`: the archive for scripts. Field names are a contract:
/// add fields, never rename or remove them without bumping `version`.
pub fn json(a: &Archive, build: jiff::Timestamp, cache: Option<&mut JsonCache>) -> OutputFile {
    use rayon::prelude::*;
    let incidents: Vec<std::sync::Arc<str>> = match cache {
        // serve: an element whose incident digests as in the last build
        // (with the same incidents related to it, under the same base URL)
        // is that build's text, and its fields are not gathered again.
        Some(c) if c.digests.len() == a.incidents.len() => {
            let digests = std::mem::take(&mut c.digests);
            let all: Vec<usize> = (0..a.incidents.len()).collect();
            c.elements.take_or_make(
                &all,
                |_, &n| {
                    let mut h = crate::hash::FxHasher::default();
                    let related = a.related(n).iter().map(|&m| a.incidents[m].id.as_str());
                    std::hash::Hash::hash(&(digests[n], &a.config.base_url), &mut h);
                    for id in related {
                        std::hash::Hash::hash(id, &mut h);
                    }
                    std::hash::Hasher::finish(&h)
                },
                |&n| json_element(&json_incident(a, n)).into(),
            )
        }
        // Without digests: an element whose fields hash as in the last build.
        Some(c) => {
            let views: Vec<JsonIncident> =
                (0..a.incidents.len()).into_par_iter().map(|n| json_incident(a, n)).collect();
            c.elements.take_or_make(
                &views,
                |_, i| {
                    let mut h = crate::hash::FxHasher::default();
                    std::hash::Hash::hash(i, &mut h);
                    std::hash::Hasher::finish(&h)
                },
                |i| json_element(i).into(),
            )
        }
        None => (0..a.incidents.len()).into_par_iter().map(|n| json_element(&json_incident(a, n)).into()).collect(),
    };
    let doc = JsonArchive {
        version: 1,
        generated: dates::rfc3339(build),
        site: JsonSite { title: &a.config.title, base_url: &a.config.base_url, severities: &a.config.severities },
        incidents: Vec::new(),
    };
    let mut s = serde_json::to_string(&doc).unwrap_or_default();
    // Compact, one incident a line. The incidents, each serialized on its
    // own (in parallel), go where the empty list is.
    if !incidents.is_empty() {
        if let Some(head) = s.strip_suffix("[]}") {
            let mut out = String::with_capacity(head.len() + incidents.iter().map(|i| i.len() + 2).sum::<usize>() + 8);
            out.push_str(head);
            out.push_str("[\n");
            for (n, i) in incidents.iter().enumerate() {
                if n > 0 {
                    out.push_str(",\n");
                }
                out.push_str(i);
            }
            out.push_str("\n]}");
            s = out;
        }
    }
    s.push('\n');
    OutputFile::new("incidents.json", s)
}

/// serve: the elements of incidents.json by the digest of what each was
/// made from.
#[derive(Default)]
pub struct JsonCache {
    elements: crate::hash::Kept<std::sync::Arc<str>>,
    /// This build's incident digests (`pages::fingerprint::incidents`), in
    /// archive order; taken by [`json`].
    pub digests: Vec<u64>,
}

/// The fields of incident `n`'s element of incidents.json.
fn json_incident(a: &Archive, n: usize) -> JsonIncident<'_> {
    let i = &a.incidents[n];
    let ts = i.timestamps;
    JsonIncident {
        id: &i.id,
        url: absolute(a, &i.url_path()),
        title: &i.title,
        date: i.has_date().then_some(i.date_text.as_str()),
        date_sort: i.has_date().then_some(i.date),
        date_precision: i.date_precision,
        extra: i.extra.iter().map(|e| (e.key.as_str(), e.values.as_slice())).collect(),
        summary: crate::markdown::plain_inline_cow(&i.summary),
        severity: i.severity.as_ref().map(|(s, _)| s.as_str()),
        kind: i.kind.map(Kind::as_str),
        services: slugs(&i.services),
        tags: slugs(&i.tags),
        causes: slugs(&i.causes),
        related: a.related(n).iter().map(|&m| a.incidents[m].id.as_str()).collect(),
        started: ts.started,
        detected: ts.detected,
        mitigated: ts.mitigated,
        resolved: ts.resolved,
        time_to_detect: ts.time_to_detect().map(|d| d.as_secs()),
        time_to_mitigate: ts.time_to_mitigate().map(|d| d.as_secs()),
        time_to_resolve: ts.time_to_resolve().map(|d| d.as_secs()),
        time_to_detect_text: ts.time_to_detect(),
        time_to_mitigate_text: ts.time_to_mitigate(),
        time_to_resolve_text: ts.time_to_resolve(),
        impact: i.impact.as_deref().map(crate::markdown::plain_inline_cow),
        trigger: i.trigger.as_deref().map(crate::markdown::plain_inline_cow),
        detection: i.detection.as_deref(),
        action_items: i
            .action_items
            .iter()
            .map(|it| JsonAction {
                title: crate::markdown::plain_inline_cow(&it.title),
                owner: it.owner.as_deref(),
                status: it.status.as_str(),
                kind: it.kind.map(ActionType::as_str),
                due: it.due,
                link: it.link.as_deref(),
            })
            .collect(),
        published: i.published_at(),
        updated: i.revised_at(),
    }
}

/// One element of the `incidents` list of incidents.json, compact (a JSON
/// string never spans lines: line breaks are escaped).
fn json_element(i: &JsonIncident) -> String {
    serde_json::to_string(i).unwrap_or_default()
}

/// The file a redirect from `from` is written to.
fn redirect_file(from: &str) -> String {
    let rel = from.trim_start_matches('/');
    if rel.ends_with(".html") {
        rel.to_string()
    } else {
        format!("{rel}index.html")
    }
}

/// Why `path` cannot be written, given the written file `other` that
/// [`OutputPaths::conflict`] found.
pub fn clash(path: &str, other: &str) -> String {
    if path == other {
        format!("the site already has /{other}")
    } else if path.starts_with(&format!("{other}/")) {
        format!("the site has a file /{other} where its folder would be")
    } else {
        format!("the site has /{other} inside it")
    }
}

/// The paths a build writes, so that a later output which would land on an
/// earlier one, or need it to be a folder, or be a folder of it, is refused
/// before it is written (the file system would fail with an error that names
/// no source file, and only in `build`, not in `check`).
#[derive(Debug, Default)]
pub struct OutputPaths {
    files: std::collections::BTreeSet<String>,
}

impl OutputPaths {
    pub fn new(paths: impl IntoIterator<Item = String>) -> OutputPaths {
        OutputPaths { files: paths.into_iter().collect() }
    }

    /// The written file that `path` clashes with, if any.
    pub fn conflict(&self, path: &str) -> Option<&str> {
        if let Some(f) = self.files.get(path) {
            return Some(f);
        }
        for (i, _) in path.match_indices('/') {
            if let Some(f) = self.files.get(&path[..i]) {
                return Some(f);
            }
        }
        let dir = format!("{path}/");
        self.files.range(dir.clone()..).next().filter(|f| f.starts_with(&dir)).map(String::as_str)
    }

    pub fn insert(&mut self, path: String) {
        self.files.insert(path);
    }
}

/// `/_redirects` (Netlify format) plus an HTML page at each old path, so an
/// incident's old URLs keep working on any static host. A redirect whose
/// page would clash with a file already written is not written: an alias is
/// then an error at its position, a former id from git a warning.
/// `written` must already hold `_redirects` itself.
pub fn redirects(a: &Archive, written: &mut OutputPaths, diags: &mut Diagnostics) -> Vec<OutputFile> {
    let base = a.base();
    let mut lines = String::new();
    let mut files = Vec::new();
    for r in &a.redirects {
        let page_path = redirect_file(&r.from);
        if let Some(other) = written.conflict(&page_path) {
            let what = clash(&page_path, other);
            match &r.origin {
                RedirectOrigin::Alias { file, pos } => diags.error(
                    file,
                    *pos,
                    format!("alias {:?} cannot be redirected: {what}; expected an old URL that no page or file of the site uses", r.from),
                ),
                RedirectOrigin::FormerId { file } => diags.warning(
                    file,
                    Pos::UNKNOWN,
                    format!("no redirect from the former URL {} (from git history): {what}", r.from),
                ),
            }
            continue;
        }
        written.insert(page_path.clone());
        let to = a.incidents[r.to].url_path();
        let target = format!("{base}{to}");
        lines.push_str(&format!("{base}{} {target} 301\n", r.from));
        files.push(OutputFile::new(
            page_path,
            redirect_page("Moved", "This incident has moved to", &absolute(a, &to), &target),
        ));
    }
    files.push(OutputFile::new("_redirects", lines));
    files
}

fn slugs(terms: &[Term]) -> Vec<&str> {
    terms.iter().map(|t| t.slug.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashes_are_found_in_both_directions() {
        let w = OutputPaths::new(["tags/index.html".to_string(), "logo.png".to_string(), "a/b/index.html".to_string()]);
        assert_eq!(w.conflict("tags/index.html"), Some("tags/index.html"));
        assert_eq!(w.conflict("logo.png/index.html"), Some("logo.png"));
        assert_eq!(w.conflict("a"), Some("a/b/index.html"));
        assert_eq!(w.conflict("a/b"), Some("a/b/index.html"));
        assert_eq!(w.conflict("a/c/index.html"), None);
        assert_eq!(w.conflict("tags/x/index.html"), None);
        assert_eq!(w.conflict("ta"), None);
        assert_eq!(clash("logo.png/index.html", "logo.png"), "the site has a file /logo.png where its folder would be");
        assert_eq!(clash("a", "a/b/index.html"), "the site has /a/b/index.html inside it");
    }
}
