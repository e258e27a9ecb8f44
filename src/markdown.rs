//! Markdown body → HTML: CommonMark plus GFM tables, strikethrough, task
//! lists and footnotes; stable heading anchors and a table of contents;
//! cross-links to other incidents; and sanitising of raw HTML.
//!
//! Sanitising with ammonia re-parses the HTML, which costs several times the
//! Markdown rendering itself, so it runs only on bodies that contain raw
//! HTML. Bodies without raw HTML are made safe in the event stream: Markdown
//! cannot produce a tag or attribute of its own, so only link and image
//! URLs need checking.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Pos};
use crate::slugs::slugify;

/// One entry of an incident's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// What a link to another incident resolves to on this site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// Shown on the site: its URL (with the base path) and title.
    Visible { id: String, url: String, title: String },
    /// Exists, but is left out of this build (draft, review or internal):
    /// the link must not reveal it.
    Hidden,
    /// Nothing by that name: an error.
    Missing,
}

/// Looks up other incidents for cross-links.
pub trait LinkResolver: Sync {
    /// A link to a `.md` file, as a path relative to the archive root.
    fn by_path(&self, path: &str) -> LinkTarget;
    /// A `[[id]]` link.
    fn by_id(&self, id: &str) -> LinkTarget;
}

/// A resolver that knows no incidents (pages without cross-links, tests).
pub struct NoLinks;

impl LinkResolver for NoLinks {
    fn by_path(&self, _: &str) -> LinkTarget {
        LinkTarget::Missing
    }
    fn by_id(&self, _: &str) -> LinkTarget {
        LinkTarget::Missing
    }
}

/// Where a body comes from, for positions in diagnostics and relative links.
pub struct Source<'a> {
    /// Path of the Markdown file relative to the archive root.
    pub path: &'a str,
    /// File line on which the body starts.
    pub body_line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Headings of level 2 and 3; empty unless there are three or more sections.
    pub toc: Vec<TocEntry>,
    /// Ids of the visible incidents this body links to (for backlinks).
    pub links: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Shown in place of a `[[id]]` link to an incident left out of the build,
/// revealing neither its id nor its title.
pub const HIDDEN_INCIDENT_TEXT: &str = "a non-public incident";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Renders a Markdown body to HTML.
pub fn render(markdown: &str, src: &Source, links: &dyn LinkResolver, unsafe_html: bool) -> Rendered {
    let mut out = Rendered::default();
    let mut events: Vec<Event> = Vec::with_capacity(markdown.len() / 8);
    let mut has_raw_html = false;
    // For each open link: (drop its Start/End tags, drop its inner content).
    let mut open_links: Vec<(bool, bool)> = Vec::new();
    let pos_of = |offset: usize| {
        let p = Pos::of_offset(markdown, offset);
        Pos::new(p.line + src.body_line - 1, p.column)
    };
    let dir = src.path.rsplit_once('/').map_or("", |(d, _)| d);

    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let inside_replaced = open_links.last().is_some_and(|l| l.1);
        match event {
            Event::End(TagEnd::Link) => {
                if !open_links.pop().unwrap_or((false, false)).0 {
                    events.push(event);
                }
            }
            _ if inside_replaced => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                has_raw_html = true;
                events.push(event);
            }
            Event::Start(Tag::Link { link_type: LinkType::WikiLink { has_pothole }, dest_url, title, id }) => {
                let target = dest_url.trim();
                match links.by_id(target) {
                    LinkTarget::Visible { id: target, url, title: target_title } => {
                        out.links.push(target);
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::WikiLink { has_pothole },
                            dest_url: url.into(),
                            title,
                            id,
                        }));
                        if !has_pothole {
                            // `[[id]]` shows the target's title instead of the id.
                            events.push(Event::Text(target_title.into()));
                        }
                        open_links.push((false, !has_pothole));
                    }
                    LinkTarget::Hidden => {
                        events.push(Event::Text(HIDDEN_INCIDENT_TEXT.into()));
                        open_links.push((true, true));
                    }
                    LinkTarget::Missing => {
                        out.diagnostics.push(Diagnostic::error(
                            src.path,
                            pos_of(range.start),
                            format!("[[{target}]] links to no incident; expected the id of an incident in content/incidents/"),
                        ));
                        events.push(Event::Text(format!("[[{target}]]").into()));
                        open_links.push((true, true));
                    }
                }
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => match incident_link(dir, &dest_url) {
                Some((path, fragment)) => match links.by_path(&path) {
                    LinkTarget::Visible { id: target, url, .. } => {
                        out.links.push(target);
                        let url = format!("{url}{fragment}");
                        events.push(Event::Start(Tag::Link { link_type, dest_url: url.into(), title, id }));
                        open_links.push((false, false));
                    }
                    // The text stays, the link to a left-out incident goes.
                    LinkTarget::Hidden => open_links.push((true, false)),
                    LinkTarget::Missing => {
                        out.diagnostics.push(Diagnostic::error(
                            src.path,
                            pos_of(range.start),
                            format!("link to {:?} resolves to no incident ({path} does not exist); expected a path to an incident's .md file", dest_url.as_ref()),
                        ));
                        open_links.push((true, false));
                    }
                },
                // An autolink's text is its URL: a dangerous one goes entirely.
                None if link_type == LinkType::Autolink && !is_safe_url(&dest_url) => open_links.push((true, true)),
                None => {
                    let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::from("#") };
                    events.push(Event::Start(Tag::Link { link_type, dest_url, title, id }));
                    open_links.push((false, false));
                }
            },
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::from("") };
                events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            e => events.push(e),
        }
    }

    out.toc = add_heading_anchors(&mut events);

    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = if has_raw_html && !unsafe_html { sanitizer().clean(&html).to_string() } else { html };
    out
}

/// A relative link to a `.md` file: the file's path from the archive root,
/// and the `#fragment` to keep.
fn incident_link(dir: &str, dest: &str) -> Option<(String, String)> {
    if dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with('#') {
        return None;
    }
    let dest = dest.trim().trim_start_matches('<').trim_end_matches('>');
    let (path, fragment) = match dest.find('#') {
        Some(i) => (&dest[..i], dest[i..].to_string()),
        None => (dest, String::new()),
    };
    // `PM-1%20-%20DNS.md`, the way GitHub links a file name with spaces.
    let decoded = percent_decode(path);
    let path = decoded.as_str();
    if !path.ends_with(".md") {
        return None;
    }
    let mut parts: Vec<&str> = if path.starts_with('/') { Vec::new() } else { dir.split('/').filter(|s| !s.is_empty()).collect() };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some((parts.join("/"), fragment))
}

/// `%20` → ` `; the text unchanged when it does not decode to UTF-8.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Refuses `javascript:`, `vbscript:`, `data:` and any other scheme that is
/// not a plain web or mail link. Relative URLs are fine.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(i) => {
            let before = &lower[..i];
            if before.contains(['/', '?', '#']) {
                return true;
            }
            matches!(before, "http" | "https" | "mailto" | "ftp" | "tel")
        }
    }
}

/// Gives every heading a stable id (its text slugified, made unique; an
/// explicit `{#id}` wins), appends a "¶" anchor link, and returns the TOC.
fn add_heading_anchors(events: &mut Vec<Event>) -> Vec<TocEntry> {
    let mut used: HashSet<String> = HashSet::new();
    let mut toc = Vec::new();
    let mut i = 0;
    let mut inserts: Vec<(usize, String)> = Vec::new();
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = *level;
            let explicit = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = explicit.clone().unwrap_or_else(|| {
                let s = slugify(&text);
                if s.is_empty() { "section".to_string() } else { s }
            });
            let mut anchor = base.clone();
            let mut n = 1;
            while !used.insert(anchor.clone()) {
                anchor = format!("{base}-{n}");
                n += 1;
            }
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(anchor.clone().into());
            }
            if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                toc.push(TocEntry { level: level as u8, id: anchor.clone(), title: text.trim().to_string() });
            }
            inserts.push((j, anchor));
            i = j;
        }
        i += 1;
    }
    for (at, anchor) in inserts.into_iter().rev() {
        events.insert(
            at,
            Event::InlineHtml(
                format!(" <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\">¶</a>").into(),
            ),
        );
    }
    let sections = toc.iter().filter(|t| t.level == 2).count();
    if sections < 3 {
        toc.clear();
    }
    toc
}

/// The HTML sanitiser for bodies with raw HTML: ammonia's safe defaults
/// (no scripts, styles, event handlers or `javascript:` URLs; script and
/// style *contents* dropped too), plus what our own Markdown output uses.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["id"]);
        b.add_tag_attributes("a", ["class", "aria-label"]);
        b.add_tag_attributes("code", ["class"]);
        b.add_tag_attributes("input", ["type", "checked", "disabled"]);
        b.add_tag_attributes("sup", ["class"]);
        b.add_tag_attributes("div", ["class"]);
        b.add_tags(["input"]);
        b.link_rel(Some("noopener noreferrer"));
        let mut schemes: HashSet<&str> = HashSet::new();
        schemes.extend(["http", "https", "mailto", "ftp", "tel"]);
        b.url_schemes(schemes);
        b
    })
}

/// Counts words, for reading-time estimates.
pub fn word_count(markdown: &str) -> usize {
    markdown.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture;
    impl LinkResolver for Fixture {
        fn by_path(&self, path: &str) -> LinkTarget {
            match path {
                "content/incidents/2021/koa2.md" => self.by_id("koa2"),
                "content/incidents/secret.md" => LinkTarget::Hidden,
                _ => LinkTarget::Missing,
            }
        }
        fn by_id(&self, id: &str) -> LinkTarget {
            match id {
                "koa2" => LinkTarget::Visible { id: "koa2".into(), url: "/incidents/koa2/".into(), title: "Koa & 2".into() },
                "secret" => LinkTarget::Hidden,
                _ => LinkTarget::Missing,
            }
        }
    }

    fn md(s: &str) -> Rendered {
        render(s, &Source { path: "content/incidents/2022/x.md", body_line: 10 }, &Fixture, false)
    }

    #[test]
    fn gfm_extensions() {
        let r = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nText[^1]\n\n[^1]: Note\n");
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote"));
    }

    #[test]
    fn heading_anchors_and_toc() {
        let r = md("## Summary\n\n## Timeline\n\n### Detail\n\n## Summary\n\n## Custom {#mine}\n");
        assert!(r.html.contains("<h2 id=\"summary\">"));
        assert!(r.html.contains("<h2 id=\"summary-1\">"));
        assert!(r.html.contains("<h2 id=\"mine\">"));
        assert_eq!(r.toc.len(), 5);
        assert_eq!(r.toc[2], TocEntry { level: 3, id: "detail".into(), title: "Detail".into() });
        // Fewer than three sections: no TOC.
        assert!(md("## A\n\n## B\n").toc.is_empty());
    }

    #[test]
    fn raw_html_is_sanitised() {
        let r = md("Hi <script>alert('x')</script><img src=x onerror=\"steal()\"> <a href=\"javascript:evil()\">y</a>\n\n<div onclick=\"z()\">ok</div>\n");
        assert!(!r.html.contains("script"), "{}", r.html);
        assert!(!r.html.contains("alert"), "{}", r.html);
        assert!(!r.html.contains("onerror"));
        assert!(!r.html.contains("steal"));
        assert!(!r.html.contains("javascript"));
        assert!(!r.html.contains("onclick"));
        assert!(r.html.contains("ok"));
        // Opting out keeps it.
        let raw = render("<b onclick=\"x\">b</b>", &Source { path: "p.md", body_line: 1 }, &NoLinks, true);
        assert!(raw.html.contains("onclick"));
    }

    #[test]
    fn markdown_links_with_bad_schemes_are_neutralised() {
        let r = md("[a](javascript:alert(1)) <javascript:alert(2)> ![i](JaVaScRiPt:x) [ok](https://example.com/a:b) [rel](../x/y)");
        assert!(!r.html.to_lowercase().contains("javascript"), "{}", r.html);
        assert!(r.html.contains("https://example.com/a:b"));
        assert!(r.html.contains("href=\"../x/y\""));
    }

    #[test]
    fn incident_links() {
        let r = md("See [the release](../2021/koa2.md#timeline), [[koa2]], [[koa2|that one]], [[secret]] and [hidden](../secret.md).");
        assert!(r.html.contains("<a href=\"/incidents/koa2/#timeline\">the release</a>"), "{}", r.html);
        assert!(r.html.contains("<a href=\"/incidents/koa2/\">Koa &amp; 2</a>"), "{}", r.html);
        assert!(r.html.contains("<a href=\"/incidents/koa2/\">that one</a>"), "{}", r.html);
        assert!(r.html.contains("a non-public incident"));
        assert!(!r.html.contains("secret"), "{}", r.html);
        assert!(r.html.contains(" and hidden."), "{}", r.html);
        assert_eq!(r.links, ["koa2", "koa2", "koa2"]);
        assert!(r.diagnostics.is_empty());
    }

    #[test]
    fn percent_encoded_and_angle_bracket_links() {
        assert_eq!(incident_link("a", "PM2019-009%20-%20Kubernetes%20outage.md"), Some(("a/PM2019-009 - Kubernetes outage.md".into(), String::new())));
        assert_eq!(incident_link("", "<../b c.md>"), Some(("b c.md".into(), String::new())));
        assert_eq!(incident_link("", "x%2.md"), Some(("x%2.md".into(), String::new())));
        let r = md("See [it](../2021/koa2%2Emd) and [again](<../2021/koa2.md#timeline>).");
        assert_eq!(r.links, ["koa2", "koa2"], "{}", r.html);
    }

    #[test]
    fn broken_links_are_errors_with_file_position() {
        let r = md("Intro\n\nSee [[nope]] and [x](../2020/gone.md).\n");
        let e: Vec<String> = r.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("content/incidents/2022/x.md:12:5: [[nope]] links to no incident"), "{}", e[0]);
        assert!(e[1].starts_with("content/incidents/2022/x.md:12:18: link to \"../2020/gone.md\""), "{}", e[1]);
    }
}
