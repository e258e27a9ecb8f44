//! What a page tells the rest of the web about itself: its canonical URL,
//! Open Graph and Twitter card tags, schema.org JSON-LD for incidents,
//! `/robots.txt`, and the page that sends a reader on from an old URL (its
//! canonical link, noindex). A link pasted into a chat then shows the
//! site's name and, for an incident, its severity, date and time to
//! resolve.
//!
//! Everything is computed here, once per page, as a [`Meta`] that the
//! theme's `partials/head.html` prints; templates decide nothing about it.

use serde::Serialize;
use serde_json::json;

use crate::archive::{Archive, Taxonomy};
use crate::dates;
use crate::model::{Incident, Term};

/// The `meta` variable of every page (documented in docs/theme.md).
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// Absolute URL of the page (from `base_url`, or `--base-url`);
    /// root-relative when no base URL is set.
    pub canonical: String,
    /// `og:title`: the page's title, or the site's on the home page.
    pub title: String,
    /// `og:type`: "article" for an incident, "website" otherwise.
    pub og_type: &'static str,
    pub site_name: String,
    /// Keep the page out of search engines: a deploy preview (a
    /// `--base-url` other than the configured one) or a build with drafts
    /// or internal incidents.
    pub noindex: bool,
    /// The facts a printed incident carries on its first page.
    pub incident: Option<PrintFacts>,
    /// `article:published_time` and `article:modified_time` (RFC 3339), incidents only.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// schema.org JSON-LD, already safe to print inside `<script>` (`| safe`).
    pub json_ld: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrintFacts {
    pub id: String,
    pub date: String,
    pub date_human: String,
    pub severity: Option<String>,
}

/// Whether search engines are asked to stay away from this build.
pub fn noindex(a: &Archive) -> bool {
    a.config.deploy_preview || a.include.drafts || a.include.internal
}

/// The URL of a site path (`/incidents/x/`, without the base path).
pub fn absolute(a: &Archive, path: &str) -> String {
    format!("{}{path}", a.config.base_url)
}

/// The meta of a page that is not an incident. `path` is the page's URL
/// path below the site (`/`, `/tags/ci/`, `/404.html`).
pub fn page(a: &Archive, path: &str, title: &str) -> Meta {
    Meta {
        canonical: absolute(a, path),
        title: title.to_string(),
        og_type: "website",
        site_name: a.config.title.clone(),
        noindex: noindex(a),
        incident: None,
        published: None,
        modified: None,
        json_ld: None,
    }
}

/// The meta of an incident's page.
pub fn incident(a: &Archive, i: &Incident) -> Meta {
    let canonical = absolute(a, &i.url_path());
    let (published, modified) = (i.published_at(), i.revised_at());
    let ld = incident_json_ld(a, i, &canonical, published, modified);
    Meta {
        canonical,
        title: i.title.clone(),
        og_type: "article",
        site_name: a.config.title.clone(),
        noindex: noindex(a),
        incident: Some(PrintFacts {
            id: i.id.clone(),
            date: i.date_shown(),
            date_human: i.date_human(),
            severity: i.severity.as_ref().map(|(s, _)| s.clone()),
        }),
        published: Some(dates::rfc3339(published)),
        modified: Some(dates::rfc3339(modified)),
        json_ld: Some(script_json(&ld)),
    }
}

/// "SEV2 · 10 Feb 2021 · resolved in 9 h — <summary>": the facts a reader of
/// a shared link wants first, then the summary (the title when there is none).
pub fn incident_description(i: &Incident) -> String {
    let mut facts: Vec<String> = Vec::new();
    if let Some((s, _)) = &i.severity {
        facts.push(s.clone());
    }
    facts.push(i.date_human());
    if let Some(d) = i.timestamps.time_to_resolve() {
        facts.push(format!("resolved in {}", dates::human_duration(d)));
    }
    let text = if i.summary.trim().is_empty() { i.title.clone() } else { crate::markdown::plain_inline(&i.summary) };
    format!("{} — {}", facts.join(" · "), text.trim())
}

/// A description for a free page without one: its first paragraph as
/// plain text, cut at a word near 200 characters.
pub fn first_paragraph(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text = String::new();
    let mut inside = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside && !text.trim().is_empty() => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    // Whole sentences when they fill most of it, else whole words.
    if let Some(end) = cut.rfind(". ").filter(|&e| e >= MAX / 2) {
        return cut[..=end].to_string();
    }
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

fn term_names(a: &Archive, tax: Taxonomy, terms: &[Term]) -> Vec<String> {
    terms.iter().map(|t| a.term_name(tax, &t.slug).unwrap_or(&t.name).to_string()).collect()
}

/// A schema.org `Report`: the postmortem, `about` the incident itself (an
/// event with its start and end) and the services it hit.
fn incident_json_ld(
    a: &Archive,
    i: &Incident,
    url: &str,
    published: jiff::Timestamp,
    modified: jiff::Timestamp,
) -> serde_json::Value {
    let services = term_names(a, Taxonomy::Services, &i.services);
    let mut about = vec![{
        let mut event = json!({ "@type": "Event" });
        let ts = &i.timestamps;
        if let Some(t) = ts.started {
            event["startDate"] = json!(dates::rfc3339(t));
        }
        if let Some(t) = ts.resolved.or(ts.mitigated) {
            event["endDate"] = json!(dates::rfc3339(t));
        }
        // Its name would repeat the headline; an event without a date
        // says nothing else, so it keeps the name.
        if ts.started.is_none() && event.get("endDate").is_none() {
            event["name"] = json!(i.title);
        }
        event
    }];
    about.extend(services.iter().map(|s| json!({ "@type": "Service", "name": s })));
    let mut keywords: Vec<String> = Vec::new();
    for k in i
        .severity
        .iter()
        .map(|(s, _)| s.clone())
        .chain(services)
        .chain(term_names(a, Taxonomy::Causes, &i.causes))
        .chain(term_names(a, Taxonomy::Tags, &i.tags))
    {
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    // No isPartOf: the site's name is og:site_name, its address the canonical's.
    json!({
        "@context": "https://schema.org",
        "@type": "Report",
        "headline": i.title,
        "reportNumber": i.id,
        "url": url,
        "datePublished": dates::rfc3339(published),
        "dateModified": dates::rfc3339(modified),
        "about": about,
        "keywords": keywords,
    })
}

/// JSON that can sit inside `<script type="application/ld+json">`: `<`, `>`
/// and `&` (and the JavaScript line separators) only ever occur inside
/// strings, where `\u003c` and friends mean the same, so a title like
/// `</script>` can never end the script element.
pub fn script_json(v: &serde_json::Value) -> String {
    let raw = serde_json::to_string(v).unwrap_or_else(|_| "{}".to_string());
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `/robots.txt`: everything may be crawled and the sitemap is named (when
/// the base URL is known: robots.txt needs an absolute sitemap URL); a
/// deploy preview or a build with drafts disallows everything.
pub fn robots_txt(a: &Archive) -> String {
    if noindex(a) {
        return "# A preview build (a --base-url override, or drafts or internal incidents): not for search engines.\nUser-agent: *\nDisallow: /\n".to_string();
    }
    let mut s = String::from("User-agent: *\nAllow: /\n");
    if !a.config.base_url.is_empty() {
        s.push_str(&format!("\nSitemap: {}\n", absolute(a, "/sitemap.xml")));
    }
    s
}

/// A page that sends the reader on from an old URL (meta refresh, canonical,
/// noindex, a visible link): rename redirects, aliases, a list's `/page/1/`.
/// `lead` is the sentence before the link.
pub fn redirect_page(title: &str, lead: &str, canonical: &str, target: &str) -> String {
    let c = crate::escape::escape(canonical);
    let t = crate::escape::escape(target);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<link rel=\"canonical\" href=\"{c}\"><meta name=\"robots\" content=\"noindex\">\
<meta http-equiv=\"refresh\" content=\"0; url={t}\"></head>\
<body><p>{lead} <a href=\"{t}\">{t}</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_and_still_parses() {
        let v = json!({ "headline": "a </script><script>alert(1)</script> & <!-- b" });
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn first_paragraph_is_plain_text_cut_at_a_word() {
        assert_eq!(
            first_paragraph("# Title\n\nThis is *the* `archive`\nof us.\n\nSecond."),
            "This is the archive of us."
        );
        let long = "word ".repeat(100);
        let d = first_paragraph(&long);
        assert!(d.ends_with("word…") && d.chars().count() <= 201, "{d}");
        assert_eq!(first_paragraph("## Only a heading\n"), "");
        let sentences = format!("{}. {}", "a".repeat(150), "b ".repeat(60));
        assert_eq!(first_paragraph(&sentences), format!("{}.", "a".repeat(150)));
    }

    #[test]
    fn incident_description_leads_with_the_facts() {
        let mut i =
            Incident { title: "Upload outage".into(), summary: "Uploads failed.".into(), ..Incident::default() };
        i.date = jiff::civil::date(2021, 2, 10);
        i.severity = Some(("SEV2".into(), 2));
        i.timestamps.started = Some("2021-02-10T08:00:00Z".parse().unwrap());
        i.timestamps.resolved = Some("2021-02-10T17:00:00Z".parse().unwrap());
        assert_eq!(incident_description(&i), "SEV2 · 10 Feb 2021 · resolved in 9 h — Uploads failed.");
        i.severity = None;
        i.timestamps.resolved = None;
        i.summary.clear();
        assert_eq!(incident_description(&i), "10 Feb 2021 — Upload outage");
    }
}
