//! Machine-readable outputs: the Atom feed, the sitemap, `incidents.json`
//! (version 1) and the redirects for incident aliases.
//!
//! These are generated in code rather than templates: their formats are a
//! contract with feed readers, crawlers and scripts, not a matter of taste.

use serde::Serialize;

use crate::archive::Archive;
use crate::dates;
use crate::model::*;
use crate::render::OutputFile;

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

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// `/feed.xml`: the newest incidents as an Atom feed.
pub fn atom(a: &Archive, build: jiff::Timestamp) -> OutputFile {
    let updated = a.incidents.iter().take(FEED_SIZE).map(revised).max().unwrap_or(build);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("  <title>{}</title>\n", xml_escape(&a.config.title)));
    x.push_str(&format!("  <subtitle>{}</subtitle>\n", xml_escape(&a.config.description)));
    x.push_str(&format!("  <link href=\"{}\"/>\n", xml_escape(&absolute(a, "/"))));
    x.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", xml_escape(&absolute(a, "/feed.xml"))));
    x.push_str(&format!("  <id>{}</id>\n", xml_escape(&absolute(a, "/"))));
    x.push_str(&format!("  <updated>{}</updated>\n", dates::rfc3339(updated)));
    x.push_str("  <generator>rca-site</generator>\n");
    for i in a.incidents.iter().take(FEED_SIZE) {
        let url = absolute(a, &i.url_path());
        let published = dates::rfc3339(published(i));
        let revised = dates::rfc3339(revised(i));
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
            x.push_str(&format!("    <summary>{}</summary>\n", xml_escape(&i.summary)));
        }
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    OutputFile::new("feed.xml", x)
}

/// When the incident was first committed; its front-matter date without git history.
fn published(i: &Incident) -> jiff::Timestamp {
    i.history.history().map_or_else(|| dates::day_start(i.date), |h| h.created)
}

/// When the incident was last changed; its front-matter date without git history.
fn revised(i: &Incident) -> jiff::Timestamp {
    i.history.history().map_or_else(|| dates::day_start(i.date), |h| h.updated)
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
        a.incidents.iter().map(|i| (format!("incidents/{}/index.html", i.id), utc_day(revised(i)))).collect();
    let page_dates = a.pages.iter().filter_map(|p| Some((format!("{}/index.html", p.id), p.history.history()?.updated)));
    let cause_dates = a.cause_docs.values().filter_map(|c| Some((format!("causes/{}/index.html", c.slug), c.history.history()?.updated)));
    lastmod.extend(page_dates.chain(cause_dates).map(|(path, ts)| (path, utc_day(ts))));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
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

#[derive(Serialize)]
struct JsonIncident<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    date: String,
    summary: &'a str,
    severity: Option<&'a str>,
    kind: Option<&'static str>,
    services: Vec<&'a str>,
    tags: Vec<&'a str>,
    causes: Vec<&'a str>,
    related: Vec<&'a str>,
    started: Option<String>,
    detected: Option<String>,
    mitigated: Option<String>,
    resolved: Option<String>,
    /// Seconds, computed from the timestamps.
    time_to_detect: Option<i64>,
    time_to_mitigate: Option<i64>,
    time_to_resolve: Option<i64>,
    /// The same durations in words ("16 h 26 min").
    time_to_detect_text: Option<String>,
    time_to_mitigate_text: Option<String>,
    time_to_resolve_text: Option<String>,
    impact: Option<&'a str>,
    trigger: Option<&'a str>,
    detection: Option<&'a str>,
    action_items: Vec<JsonAction<'a>>,
    /// RFC 3339: first commit of the file (front-matter date without git).
    published: String,
    /// RFC 3339: last commit that changed the file (front-matter date without git).
    updated: String,
}

#[derive(Serialize)]
struct JsonAction<'a> {
    title: &'a str,
    owner: Option<&'a str>,
    status: &'static str,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    due: Option<String>,
    link: Option<&'a str>,
}

/// `/incidents.json`: the archive for scripts. Field names are a contract:
/// add fields, never rename or remove them without bumping `version`.
pub fn json(a: &Archive, build: jiff::Timestamp) -> OutputFile {
    use rayon::prelude::*;
    let incidents: Vec<String> = a
        .incidents
        .par_iter()
        .enumerate()
        .map(|(n, i)| {
            let ts = i.timestamps;
            JsonIncident {
                id: &i.id,
                url: absolute(a, &i.url_path()),
                title: &i.title,
                date: dates::iso_date(i.date),
                summary: &i.summary,
                severity: i.severity.as_ref().map(|(s, _)| s.as_str()),
                kind: i.kind.map(Kind::as_str),
                services: slugs(&i.services),
                tags: slugs(&i.tags),
                causes: slugs(&i.causes),
                related: a.related(n).iter().map(|&m| a.incidents[m].id.as_str()).collect(),
                started: ts.started.map(dates::rfc3339),
                detected: ts.detected.map(dates::rfc3339),
                mitigated: ts.mitigated.map(dates::rfc3339),
                resolved: ts.resolved.map(dates::rfc3339),
                time_to_detect: ts.time_to_detect().map(|d| d.as_secs()),
                time_to_mitigate: ts.time_to_mitigate().map(|d| d.as_secs()),
                time_to_resolve: ts.time_to_resolve().map(|d| d.as_secs()),
                time_to_detect_text: ts.time_to_detect().map(dates::human_duration),
                time_to_mitigate_text: ts.time_to_mitigate().map(dates::human_duration),
                time_to_resolve_text: ts.time_to_resolve().map(dates::human_duration),
                impact: i.impact.as_deref(),
                trigger: i.trigger.as_deref(),
                detection: i.detection.as_deref(),
                action_items: i
                    .action_items
                    .iter()
                    .map(|it| JsonAction {
                        title: &it.title,
                        owner: it.owner.as_deref(),
                        status: it.status.as_str(),
                        kind: it.kind.map(ActionType::as_str),
                        due: it.due.map(dates::iso_date),
                        link: it.link.as_deref(),
                    })
                    .collect(),
                published: dates::rfc3339(published(i)),
                updated: dates::rfc3339(revised(i)),
            }
        })
        .map(|i| json_element(&i))
        .collect();
    let doc = JsonArchive {
        version: 1,
        generated: dates::rfc3339(build),
        site: JsonSite { title: &a.config.title, base_url: &a.config.base_url, severities: &a.config.severities },
        incidents: Vec::new(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    // The incidents, each serialized on its own (in parallel), go where
    // the empty list is: the same bytes as serializing the whole document.
    if !incidents.is_empty() {
        if let Some(head) = s.strip_suffix("[]\n}") {
            let mut out = String::with_capacity(head.len() + incidents.iter().map(|i| i.len() + 2).sum::<usize>() + 8);
            out.push_str(head);
            out.push_str("[\n");
            out.push_str(&incidents.join(",\n"));
            out.push_str("\n  ]\n}");
            s = out;
        }
    }
    s.push('\n');
    OutputFile::new("incidents.json", s)
}

/// One element of the `incidents` list of incidents.json, pretty-printed
/// and indented as `to_string_pretty` prints it inside the document (a
/// pretty-printed string never spans lines: line breaks are escaped).
fn json_element(i: &JsonIncident) -> String {
    let one = serde_json::to_string_pretty(i).unwrap_or_default();
    let mut out = String::with_capacity(one.len() + one.len() / 8);
    for (k, line) in one.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

/// `/_redirects` (Netlify format) plus an HTML page at each old path, so an
/// incident's old URLs keep working on any static host.
pub fn redirects(a: &Archive) -> Vec<OutputFile> {
    let base = a.base();
    let mut lines = String::new();
    let mut files = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for i in &a.incidents {
        for alias in &i.aliases {
            pairs.push((alias.clone(), i.url_path()));
        }
    }
    // Ids lost to renames redirect too, unless an alias already claims the path.
    let aliased: std::collections::HashSet<String> = pairs.iter().map(|(from, _)| from.clone()).collect();
    for i in &a.incidents {
        for old in &i.former_ids {
            let from = format!("/incidents/{old}/");
            if !aliased.contains(&from) {
                pairs.push((from, i.url_path()));
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    for (from, to) in pairs {
        let target = format!("{base}{to}");
        lines.push_str(&format!("{base}{from} {target} 301\n"));
        let page_path = if from.ends_with(".html") {
            from.trim_start_matches('/').to_string()
        } else {
            format!("{}index.html", from.trim_start_matches('/'))
        };
        files.push(OutputFile::new(page_path, redirect_page(&absolute(a, &to), &target)));
    }
    files.push(OutputFile::new("_redirects", lines));
    files
}

fn redirect_page(canonical: &str, target: &str) -> String {
    let c = xml_escape(canonical);
    let t = xml_escape(target);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title>\
<link rel=\"canonical\" href=\"{c}\"><meta name=\"robots\" content=\"noindex\">\
<meta http-equiv=\"refresh\" content=\"0; url={t}\"></head>\
<body><p>This incident has moved to <a href=\"{t}\">{t}</a>.</p></body></html>\n"
    )
}

fn slugs(terms: &[Term]) -> Vec<&str> {
    terms.iter().map(|t| t.slug.as_str()).collect()
}
