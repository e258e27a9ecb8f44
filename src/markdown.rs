//! Markdown body → HTML: CommonMark plus GFM tables, strikethrough, task
//! lists and footnotes; stable heading anchors and a table of contents;
//! cross-links to other incidents; and sanitising of raw HTML.
//!
//! Every body with raw HTML goes through one sanitising step (ammonia)
//! unless the archive sets `unsafe_html = true`. What Markdown itself makes
//! (heading ids, footnote labels, link titles, URLs) is escaped or checked
//! by the renderer, so a body without raw HTML skips the sanitiser's DOM:
//! a test runs both paths over the XSS corpus and generated text and finds
//! that the sanitiser would remove nothing ([`Sanitise::WhenRawHtml`]).
//! Explicit heading ids are held to a safe slug, with an error at their
//! position.
//!
//! Every step is linear in the body: anchors are added in one pass, ids
//! made unique with a counter per base, positions found from a cursor, and
//! HTML nested deeper than [`MAX_DEPTH`] is flattened before the sanitiser
//! (whose HTML parser slows down with the depth of open elements).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Pos};
use crate::escape::push_escaped;
use crate::slugs::slugify;

/// One entry of an incident's table of contents: a heading of level 2 or
/// 3, or (level 0, last, no id) a note that the list stops at
/// [`TOC_LIMIT`] headings.
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
    /// Headings of level 2 and 3, the first [`TOC_LIMIT`] of them (then a
    /// note of how many more); empty unless there are three or more sections.
    pub toc: Vec<TocEntry>,
    /// Ids of the visible incidents this body links to (for backlinks).
    pub links: Vec<String>,
    /// Every heading's anchor with the line it starts on: the one place
    /// anchors are made, for whatever links to a section (the timeline's
    /// "Timeline as written").
    pub anchors: Vec<Anchor>,
    /// Whether the body holds raw HTML (which the sanitiser then cleans).
    pub raw_html: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// A heading's id as the page writes it, and the line of the body (0 = its
/// first line) the heading starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub line: usize,
    pub id: String,
}

impl Rendered {
    /// The id of the heading that starts on body line `line`.
    pub fn anchor_at(&self, line: usize) -> Option<&str> {
        let k = self.anchors.partition_point(|a| a.line < line);
        self.anchors.get(k).filter(|a| a.line == line).map(|a| a.id.as_str())
    }
}

/// Shown in place of a `[[id]]` link to an incident left out of the build,
/// revealing neither its id nor its title.
pub const HIDDEN_INCIDENT_TEXT: &str = "a non-public incident";

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Elements nested deeper than this (raw HTML or Markdown lists and
/// quotes) lose their tags, keeping their text; the body gets a warning.
/// No real postmortem comes near it; without it, 100,000 nested `<div>`s
/// make the sanitiser's parser quadratic.
pub const MAX_DEPTH: usize = 256;

/// Renders a Markdown body to HTML.
pub fn render(markdown: &str, src: &Source, links: &dyn LinkResolver, unsafe_html: bool) -> Rendered {
    render_with(markdown, src, links, if unsafe_html { Sanitise::Never } else { Sanitise::WhenRawHtml })
}

/// [`render`], saying when to sanitise.
pub fn render_with(markdown: &str, src: &Source, links: &dyn LinkResolver, sanitise: Sanitise) -> Rendered {
    let mut out = Rendered::default();
    let mut events: Vec<Event> = Vec::with_capacity(markdown.len() / 8);
    // For each open link: (drop its Start/End tags, drop its inner content).
    let mut open_links: Vec<(bool, bool)> = Vec::new();
    let mut positions = Positions::new(markdown, src.body_line);
    let mut pos_of = |offset: usize| positions.of(offset);
    // Anchors: the open heading's index in `events`, the ids given so far.
    let mut heading: Option<(usize, usize)> = None;
    let mut ids = UniqueIds::default();
    let mut toc_omitted = 0usize;
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
            Event::End(TagEnd::Heading(level)) => {
                if let Some((start, line)) = heading.take() {
                    let id = finish_heading(&mut events, start, level, &mut ids, &mut out.toc, &mut toc_omitted);
                    out.anchors.push(Anchor { line, id });
                }
                events.push(event);
            }
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                let source = markdown.get(range.clone()).unwrap_or("");
                // The `{…}` block, for positions: on the heading's first line
                // (ATX) or its text line (setext).
                let block = source.rfind('{').map_or(range.start, |i| range.start + i);
                let id = match id {
                    Some(id) if !is_safe_id(&id) => {
                        let at = source.rfind("{#").map_or(range.start, |i| range.start + i);
                        out.diagnostics.push(Diagnostic::error(
                            src.path,
                            pos_of(at),
                            format!(
                                "heading id {:?} may contain only letters, digits, - and _; expected e.g. {{#{}}}",
                                id.as_ref(),
                                slugify(&id)
                            ),
                        ));
                        None
                    }
                    id => id,
                };
                if !classes.is_empty() || !attrs.is_empty() {
                    out.diagnostics.push(Diagnostic::warning(
                        src.path,
                        pos_of(block),
                        "heading classes and attributes are not written; only an id ({#id}) is kept",
                    ));
                }
                heading = Some((events.len(), pos_of(range.start).line - src.body_line));
                events.push(Event::Start(Tag::Heading { level, id, classes: Vec::new(), attrs: Vec::new() }));
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
            e => {
                if matches!(e, Event::Html(_) | Event::InlineHtml(_)) {
                    out.raw_html = true;
                }
                events.push(e)
            }
        }
    }

    if out.toc.iter().filter(|t| t.level == 2).count() < 3 {
        out.toc.clear();
    } else if toc_omitted > 0 {
        out.toc.push(TocEntry {
            level: 0,
            id: String::new(),
            title: format!("and {toc_omitted} more headings, not listed here"),
        });
    }

    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if sanitise == Sanitise::Never {
        out.html = html;
    } else {
        let (flat, flattened) = flatten_deep(&html, MAX_DEPTH);
        if flattened {
            out.diagnostics.push(Diagnostic::warning(
                src.path,
                Pos::new(src.body_line, 1),
                format!("the body nests elements (HTML, lists or quotes) more than {MAX_DEPTH} deep; the tags beyond that depth were dropped and their text kept"),
            ));
        }
        out.html = if out.raw_html || sanitise == Sanitise::Always { sanitize(&flat) } else { flat.into_owned() };
    }
    // Lighter but the same document (crate::markup): every `<` is a tag in
    // what the renderer or the sanitiser wrote; unsanitised raw HTML may
    // hold anything, and is left as written.
    if sanitise != Sanitise::Never || !out.raw_html {
        out.html = crate::markup::tighten(&out.html);
    }
    out
}

/// When [`render_with`] runs the HTML sanitiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanitise {
    /// On every body (to compare the paths; tests).
    Always,
    /// On bodies with raw HTML. A body without any is HTML that the
    /// renderer wrote from Markdown events alone, every text, attribute and
    /// URL of it escaped or checked on the way (`is_safe_url`, safe heading
    /// ids); `tests/it/safety_markdown.rs` proves over the XSS corpus and
    /// generated text that the sanitiser would remove nothing from it.
    /// Skipping it saves a DOM per body, most of the cost of large ones.
    WhenRawHtml,
    /// Never (`unsafe_html = true`).
    Never,
}

/// Whether an explicit `{#id}` is safe as written: letters, digits, `-`
/// and `_` only, so it can neither leave an attribute nor need escaping in
/// a URL fragment.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Line and column of byte offsets in a body, as file positions. Offsets
/// asked for in increasing order (as the parser yields them) cost only the
/// text between them, so a body with many errors stays linear.
struct Positions<'a> {
    text: &'a str,
    body_line: usize,
    /// The last offset asked for, its 0-based line and 0-based column.
    at: usize,
    line: usize,
    column: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str, body_line: usize) -> Self {
        Positions { text, body_line, at: 0, line: 0, column: 0 }
    }

    fn of(&mut self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.at {
            *self = Positions::new(self.text, self.body_line);
        }
        let between = &self.text[self.at..offset];
        match between.rfind('\n') {
            Some(nl) => {
                self.line += between.bytes().filter(|&b| b == b'\n').count();
                self.column = between[nl + 1..].chars().count();
            }
            None => self.column += between.chars().count(),
        }
        self.at = offset;
        Pos::new(self.line + self.body_line, self.column + 1)
    }
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
    let mut parts: Vec<&str> =
        if path.starts_with('/') { Vec::new() } else { dir.split('/').filter(|s| !s.is_empty()).collect() };
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

/// Ends the heading whose start tag is `events[start]`: gives it a stable
/// id (its text slugified, made unique; an explicit `{#id}` wins), appends
/// a "¶" anchor link, adds levels 2 and 3 to the table of contents, and
/// returns the id. Costs the heading's own events only, so all headings
/// cost one pass.
fn finish_heading(
    events: &mut Vec<Event>,
    start: usize,
    level: HeadingLevel,
    ids: &mut UniqueIds,
    toc: &mut Vec<TocEntry>,
    toc_omitted: &mut usize,
) -> String {
    let mut text = String::new();
    for e in events.get(start + 1..).unwrap_or_default() {
        if let Event::Text(t) | Event::Code(t) = e {
            text.push_str(t);
        }
    }
    let Some(Event::Start(Tag::Heading { id, .. })) = events.get_mut(start) else { return String::new() };
    let base = match id.as_ref() {
        Some(explicit) => explicit.to_string(),
        None => match slugify(&text) {
            s if s.is_empty() => "section".to_string(),
            s => s,
        },
    };
    let anchor = ids.claim(base);
    *id = Some(anchor.clone().into());
    let mut link = String::with_capacity(anchor.len() + 80);
    link.push_str(" <a class=\"anchor\" href=\"#");
    push_escaped(&mut link, &anchor);
    link.push_str("\" aria-label=\"Link to this section\">¶</a>");
    events.push(Event::InlineHtml(link.into()));
    if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
        if toc.len() < TOC_LIMIT {
            let title = match text.trim() {
                t if t.len() == text.len() => text,
                t => t.to_string(),
            };
            toc.push(TocEntry { level: level as u8, id: anchor.clone(), title });
        } else {
            *toc_omitted += 1;
        }
    }
    anchor
}

/// The table of contents lists at most this many headings (the first
/// ones); a body with more gets a note under it instead of a list that
/// would outweigh the body. No postmortem comes near it.
pub const TOC_LIMIT: usize = 200;

/// Makes ids unique the way readers expect (`summary`, `summary-1`,
/// `summary-2`), remembering per base where to go on counting so that a
/// thousand equal headings cost a thousand steps, not half a million.
#[derive(Default)]
struct UniqueIds {
    used: HashSet<String>,
    next: HashMap<String, usize>,
}

impl UniqueIds {
    fn claim(&mut self, base: String) -> String {
        if !self.used.contains(&base) {
            self.used.insert(base.clone());
            return base;
        }
        let n = match self.next.get_mut(&base) {
            Some(n) => n,
            None => self.next.entry(base.clone()).or_insert(1),
        };
        let mut candidate = String::with_capacity(base.len() + 4);
        loop {
            candidate.clear();
            candidate.push_str(&base);
            candidate.push('-');
            candidate.push_str(&n.to_string());
            *n += 1;
            if !self.used.contains(&candidate) {
                self.used.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

/// Sanitises a rendered body: the one step every body goes through.
pub fn sanitize(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// The HTML sanitiser: ammonia's safe defaults (no scripts, styles, event
/// handlers or `javascript:` URLs; script and style *contents* dropped
/// too), plus what our own Markdown output uses.
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
        b.add_tag_attributes("blockquote", ["class"]);
        // Table column alignment, and nothing else a style could say.
        b.add_tag_attributes("th", ["style"]);
        b.add_tag_attributes("td", ["style"]);
        b.attribute_filter(|_, attribute, value| match attribute {
            "style" => {
                matches!(value, "text-align: left" | "text-align: center" | "text-align: right").then_some(value.into())
            }
            _ => Some(value.into()),
        });
        b.add_tags(["input"]);
        // No `target` survives, so `rel="noopener"` would change nothing;
        // links keep the shape Markdown gives them.
        b.link_rel(None);
        let mut schemes: HashSet<&str> = HashSet::new();
        schemes.extend(["http", "https", "mailto", "ftp", "tel"]);
        b.url_schemes(schemes);
        b
    })
}

/// Drops the tags of elements nested more than `max` deep, keeping their
/// text; returns the HTML and whether anything was dropped. Void elements
/// and those whose end tag may be left out (`p`, `li`, `td`, …) do not
/// count, so hand-written HTML that leaves them open is not flattened.
/// Linear: one scan, and a copy only when something is dropped.
fn flatten_deep(html: &str, max: usize) -> (std::borrow::Cow<'_, str>, bool) {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `html` already in `out`
    let mut depth = 0usize;
    let mut dropped = 0usize;
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        let start = i + p;
        let (end, name, closing) = match scan_tag(bytes, start) {
            Scanned::Tag { end, name, closing } => (end, name, closing),
            Scanned::Text => {
                i = start + 1;
                continue;
            }
            // Nothing after an unterminated tag can be a tag.
            Scanned::Eof => break,
        };
        i = end;
        let counted = !name.is_empty() && !is_void_or_optional(name) && !bytes[..end].ends_with(b"/>");
        let drop = if !counted {
            dropped > 0 && !name.is_empty()
        } else if closing {
            if dropped > 0 {
                dropped -= 1;
                true
            } else {
                depth = depth.saturating_sub(1);
                false
            }
        } else if depth >= max {
            dropped += 1;
            true
        } else {
            depth += 1;
            false
        };
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..start]);
            copied = end;
        }
    }
    match out {
        None => (std::borrow::Cow::Borrowed(html), false),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            (std::borrow::Cow::Owned(o), true)
        }
    }
}

enum Scanned<'a> {
    /// A tag ending before `end`: its name (empty for comments, doctypes
    /// and processing instructions), and whether it is an end tag.
    Tag { end: usize, name: &'a str, closing: bool },
    /// The `<` starts no tag.
    Text,
    /// The tag runs to the end of the input.
    Eof,
}

/// The tag at `bytes[start] == b'<'`, read as an HTML parser would.
fn scan_tag(bytes: &[u8], start: usize) -> Scanned<'_> {
    let mut j = start + 1;
    match bytes.get(j) {
        None => return Scanned::Text,
        Some(b'!' | b'?') => {
            let close = if bytes[j..].starts_with(b"!--") {
                find(bytes, j + 3, b"-->").map(|c| c + 3)
            } else {
                find(bytes, j, b">").map(|c| c + 1)
            };
            return close.map_or(Scanned::Eof, |end| Scanned::Tag { end, name: "", closing: false });
        }
        _ => {}
    }
    let closing = bytes[j] == b'/';
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-' || bytes[j] == b':') {
        j += 1;
    }
    if j == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return Scanned::Text;
    }
    // The name is ASCII, so this cannot fail.
    let Ok(name) = std::str::from_utf8(&bytes[name_start..j]) else { return Scanned::Text };
    let mut quote: Option<u8> = None;
    let mut after_eq = false;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'>' => return Scanned::Tag { end: j + 1, name, closing },
            None if after_eq && (b == b'"' || b == b'\'') => quote = Some(b),
            None => {}
        }
        if quote.is_none() && !b.is_ascii_whitespace() {
            after_eq = b == b'=';
        }
        j += 1;
    }
    Scanned::Eof
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

fn is_void_or_optional(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
        "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rb", "rt",
        "rp", "rtc", "colgroup", "caption",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
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
                "koa2" => {
                    LinkTarget::Visible { id: "koa2".into(), url: "/incidents/koa2/".into(), title: "Koa & 2".into() }
                }
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
        assert_eq!(
            incident_link("a", "PM2019-009%20-%20Kubernetes%20outage.md"),
            Some(("a/PM2019-009 - Kubernetes outage.md".into(), String::new()))
        );
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

    #[test]
    fn unsafe_heading_ids_are_errors_and_never_reach_an_attribute() {
        let r = md("Intro\n\n## T {#o\"style=\"position:fixed;inset:0\"onmouseover=\"alert(1)\"y}\n");
        let e: Vec<String> = r.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("content/incidents/2022/x.md:12:6: heading id \"o\\\"style="), "{}", e[0]);
        assert!(e[0].contains("may contain only letters, digits, - and _"), "{}", e[0]);
        assert!(!r.html.contains("style"), "{}", r.html);
        assert!(!r.html.contains("onmouseover"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"t\">T <a class=\"anchor\" href=\"#t\""), "{}", r.html);
        // Good ids, Unicode letters included, stay as written.
        let ok = md("## A {#root_cause-2}\n\n## B {#résumé}\n");
        assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
        assert!(ok.html.contains("id=\"root_cause-2\"") && ok.html.contains("href=\"#résumé\""), "{}", ok.html);
        for bad in ["", "a b", "a\"b", "a'b", "a<b", "a&b", "a.b", "a/b", "a#b"] {
            assert!(!is_safe_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn heading_attributes_and_classes_are_dropped_with_a_warning() {
        let r = md("## T {#ok onmouseover=alert(1) .big style=\"x\"}\n");
        assert!(r.html.contains("<h2 id=\"ok\">T "), "{}", r.html);
        assert!(!r.html.contains("onmouseover") && !r.html.contains("big") && !r.html.contains("style"), "{}", r.html);
        assert_eq!(r.diagnostics.len(), 1);
        assert!(
            r.diagnostics[0]
                .to_string()
                .starts_with("content/incidents/2022/x.md:10:6: warning: heading classes and attributes"),
            "{}",
            r.diagnostics[0]
        );
    }

    #[test]
    fn anchors_escape_whatever_id_they_are_given() {
        let mut events = vec![
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                id: Some("a\"b<c>&'".into()),
                classes: vec![],
                attrs: vec![],
            }),
            Event::Text("T".into()),
        ];
        let mut toc = Vec::new();
        finish_heading(&mut events, 0, HeadingLevel::H2, &mut UniqueIds::default(), &mut toc, &mut 0);
        let Event::InlineHtml(link) = &events[2] else { panic!("{events:?}") };
        assert_eq!(
            link.as_ref(),
            " <a class=\"anchor\" href=\"#a&quot;b&lt;c&gt;&amp;&apos;\" aria-label=\"Link to this section\">¶</a>"
        );
    }

    #[test]
    fn bodies_without_raw_html_are_sanitised_too() {
        // Markdown alone: tables keep their alignment and nothing else of a
        // style; task lists, footnotes and code classes survive.
        let r = md("| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n- [x] done\n\nT[^n]\n\n[^n]: N\n\n```rust\nx\n```\n");
        assert!(r.html.contains("<th style=\"text-align: center\">a<th"), "{}", r.html);
        assert!(r.html.contains("<td style=\"text-align: right\">2</tbody>"), "{}", r.html);
        assert!(r.html.contains("type=\"checkbox\"") && r.html.contains("checked"), "{}", r.html);
        assert!(
            r.html.contains("class=\"footnote-definition\"") && r.html.contains("class=\"footnote-reference\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<code class=\"language-rust\">"), "{}", r.html);
        // Raw HTML styles go, even when they start like an alignment.
        let r = md("<table><tr><td style=\"text-align: left;background:url(x)\">x</td></tr></table>\n");
        assert!(!r.html.contains("style"), "{}", r.html);
    }

    #[test]
    fn equal_headings_get_counted_ids_in_linear_time() {
        let body = "## Summary\n\n".repeat(2000) + "## Summary {#summary-5}\n";
        let r = md(&body);
        assert!(r.html.contains("id=\"summary\""));
        assert!(r.html.contains("id=\"summary-1999\""), "counter per base");
        // The explicit id came last and still found summary-5 taken.
        assert!(r.html.contains("id=\"summary-5-1\""));
        let mut ids = UniqueIds::default();
        let got: Vec<String> = ["a", "a", "a-1", "a", "b"].iter().map(|b| ids.claim(b.to_string())).collect();
        assert_eq!(got, ["a", "a-1", "a-1-1", "a-2", "b"]);
    }

    #[test]
    fn the_toc_stops_at_its_limit_with_a_note_and_anchors_cover_every_heading() {
        let body: String = (0..TOC_LIMIT + 50).map(|n| format!("## S{n}\n\n### T\n\n")).collect();
        let r = md(&body);
        assert_eq!(r.toc.len(), TOC_LIMIT + 1);
        assert!(r.toc[..TOC_LIMIT].iter().all(|t| t.level >= 2 && !t.id.is_empty()));
        let last = &r.toc[TOC_LIMIT];
        assert_eq!((last.level, last.id.as_str()), (0, ""));
        assert_eq!(last.title, format!("and {} more headings, not listed here", 2 * (TOC_LIMIT + 50) - TOC_LIMIT));
        // Every heading has its anchor, with the line it starts on.
        assert_eq!(r.anchors.len(), 2 * (TOC_LIMIT + 50));
        assert_eq!(r.anchor_at(0), Some("s0"));
        assert_eq!(r.anchor_at(2), Some("t"));
        assert_eq!(r.anchor_at(6), Some("t-1"));
        assert_eq!(r.anchor_at(1), None);
        // Under the limit: no note.
        let r = md("## A\n\n## B\n\n## C\n");
        assert_eq!(r.toc.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(!r.raw_html);
    }

    #[test]
    fn positions_match_the_slow_count_in_any_order() {
        let text = "é日\nQ&A: réécriture 😀 x\n\n  [[a]] b\n";
        let mut p = Positions::new(text, 7);
        let offsets: Vec<usize> =
            (0..=text.len()).chain([3, 0, 40, 12, 12, 5]).filter(|&o| text.is_char_boundary(o)).collect();
        for o in offsets {
            let slow = Pos::of_offset(text, o);
            assert_eq!(p.of(o), Pos::new(slow.line + 6, slow.column), "offset {o}");
        }
        // Inside a character: the character's start, no panic.
        assert_eq!(p.of(1), Pos::new(7, 1));
        assert_eq!(p.of(usize::MAX), p.of(text.len()));
    }

    #[test]
    fn deep_nesting_is_flattened_beyond_the_limit() {
        let deep = format!("{}x{}", "<div>".repeat(MAX_DEPTH + 50), "</div>".repeat(MAX_DEPTH + 50));
        let r = md(&deep);
        assert_eq!(r.html.matches("<div>").count(), MAX_DEPTH, "{}", &r.html[..200]);
        assert_eq!(r.html.matches("</div>").count(), MAX_DEPTH);
        assert!(r.html.contains('x'));
        assert_eq!(r.diagnostics.len(), 1);
        assert!(r.diagnostics[0].to_string().contains("more than 256 deep"), "{}", r.diagnostics[0]);
        // Lists and quotes count too.
        let r = md(&format!("{}x\n", "> ".repeat(MAX_DEPTH + 10)));
        assert_eq!(r.html.matches("<blockquote>").count(), MAX_DEPTH);
        // Shallow HTML, void and optional-end elements, comments and quoted
        // `>` are left alone.
        let html = format!(
            "{}<!-- <div><div> --><a title=\"a>b\" href=\"#\">l</a>{}",
            "<p>x<br><img src=\"i\"/>".repeat(1000),
            "<div>".repeat(10)
        );
        assert_eq!(flatten_deep(&html, 8).0, html[..html.len() - 10], "only the two divs over 8 go");
        assert!(matches!(flatten_deep(&html, 10), (std::borrow::Cow::Borrowed(_), false)));
        // An unterminated tag ends the scan without a panic.
        assert!(!flatten_deep("<div title=\"x>", 0).1);
    }
}

/// Characters that may start inline Markdown or HTML: text without them
/// renders as itself, with no parse.
fn has_inline_markup(text: &str) -> bool {
    text.contains(['*', '_', '`', '[', '<', '>', '&', '\\', '~', '!'])
}

/// A short field with a leading `#`, `>`, `-`, `+`, `*` or `1.` escaped:
/// it is text as written, never a heading, quote or list.
fn protect_block_start(text: &str) -> std::borrow::Cow<'_, str> {
    let t = text.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let marker = t.starts_with(['#', '>', '='])
        || (t.starts_with(['-', '+', '*']) && t[1..].starts_with([' ', '\t']))
        || (digits > 0 && t[digits..].starts_with(['.', ')']));
    if digits > 0 && marker {
        std::borrow::Cow::Owned(format!("{}\\{}", &t[..digits], &t[digits..]))
    } else if marker {
        std::borrow::Cow::Owned(format!("\\{t}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The inline events of a short field, as one line of text: a paragraph
/// break or a line break is a space.
fn inline_events(text: &str) -> impl Iterator<Item = Event<'_>> {
    let mut first_block = true;
    Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH).filter_map(move |ev| match ev {
        Event::Start(
            Tag::Paragraph | Tag::Heading { .. } | Tag::List(_) | Tag::Item | Tag::BlockQuote(_) | Tag::CodeBlock(_),
        )
        | Event::End(
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock,
        ) => {
            if first_block {
                first_block = false;
                None
            } else {
                Some(Event::Text(CowStr::Borrowed(" ")))
            }
        }
        Event::SoftBreak | Event::HardBreak | Event::Rule => Some(Event::Text(CowStr::Borrowed(" "))),
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::InlineHtml(h)),
        other => Some(other),
    })
}

/// A short field (summary, impact, trigger, a cause's or an action item's
/// title, an `[extra]` value) as HTML: its inline Markdown (links, code,
/// emphasis, strikethrough) rendered, everything else escaped, and the
/// result sanitised (only inline tags; links only to http(s), mailto and
/// relative URLs). For templates: the `inline` filter.
pub fn render_inline(text: &str) -> String {
    render_inline_with(text, true)
}

/// [`render_inline`] for text shown inside a link (a cause name linking to
/// its page): links keep their words but are not links.
pub fn render_inline_unlinked(text: &str) -> String {
    render_inline_with(text, false)
}

fn render_inline_with(text: &str, links: bool) -> String {
    if !has_inline_markup(text) {
        return text.trim().to_string();
    }
    let text = protect_block_start(text);
    let mut html = String::with_capacity(text.len() + 16);
    let events = inline_events(&text)
        .filter(|e| links || !matches!(e, Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link)));
    pulldown_cmark::html::push_html(&mut html, events);
    let clean = inline_sanitizer().clean(html.trim()).to_string();
    if links {
        clean
    } else {
        // Raw `<a>` tags too.
        ammonia::Builder::empty()
            .add_tags(["code", "em", "strong", "del", "s", "sub", "sup", "kbd"])
            .clean(&clean)
            .to_string()
    }
}

/// A short field as plain text, for feeds, meta tags, search and JSON:
/// link and emphasis markers dropped, their words kept.
pub fn plain_inline(text: &str) -> String {
    plain_inline_cow(text).into_owned()
}

/// [`plain_inline`], borrowing text with no inline markup.
pub fn plain_inline_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if !has_inline_markup(text) {
        return text.trim().into();
    }
    let text = protect_block_start(text);
    let mut out = String::with_capacity(text.len());
    for ev in inline_events(&text) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ").into()
}

fn inline_sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags(["a", "code", "em", "strong", "del", "s", "sub", "sup", "kbd", "abbr"])
            .add_tag_attributes("a", ["href", "title"])
            .add_tag_attributes("abbr", ["title"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

#[cfg(test)]
mod inline_tests {
    use super::*;

    #[test]
    fn short_fields_render_inline_markdown_sanitised() {
        assert_eq!(render_inline("plain words"), "plain words");
        assert_eq!(render_inline("it didn't \"work\""), "it didn't \"work\"", "quotes need no parse");
        assert_eq!(
            render_inline("[Traefik v2 bug](https://example.com/x) in `kube-system`, *again*"),
            "<a href=\"https://example.com/x\" rel=\"noopener noreferrer\">Traefik v2 bug</a> in <code>kube-system</code>, <em>again</em>"
        );
        assert_eq!(render_inline("# not a *heading*"), "# not a <em>heading</em>");
        assert_eq!(render_inline("1. not a `list`"), "1. not a <code>list</code>");
        assert_eq!(plain_inline("- not a *list*"), "- not a list");
        assert_eq!(render_inline("a < b & c"), "a &lt; b &amp; c");
        assert_eq!(
            render_inline_unlinked("[Traefik](https://x) `bug` <a href=\"/y\">z</a>"),
            "Traefik <code>bug</code> z"
        );
        let bad = render_inline(
            "<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror=y> <b onclick=z>bold</b>",
        );
        assert!(!bad.contains("<script") && !bad.contains("<img") && !bad.contains("onclick"), "{bad}");
        let link = render_inline("see [x](javascript:alert(2)) and [y](/incidents/a/)");
        assert!(!link.contains("href=\"javascript") && link.contains("href=\"/incidents/a/\""), "{link}");
    }

    #[test]
    fn short_fields_as_plain_text() {
        assert_eq!(
            plain_inline("[Traefik v2 bug](https://example.com/x) in `kube-system`, **again**"),
            "Traefik v2 bug in kube-system, again"
        );
        assert_eq!(plain_inline("a < b"), "a < b");
        assert_eq!(plain_inline("no markup"), "no markup");
    }

    #[test]
    fn bodies_lose_optional_end_tags_but_unsanitised_raw_html_is_left_alone() {
        let src = Source { path: "p.md", body_line: 1 };
        let md = "- a\n- b\n\n| x | y |\n| - | - |\n| 1 | 2 |\n\n```\n</li>\n\n```\n";
        let r = render(md, &src, &NoLinks, false);
        assert!(
            r.html.starts_with(
                "<ul><li>a<li>b</ul><table><thead><tr><th>x<th>y</thead><tbody><tr><td>1<td>2</tbody></table>"
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("<pre><code>&lt;/li&gt;\n\n</code></pre>"), "code as written: {}", r.html);
        // Raw HTML, sanitised: the same; unsanitised: as written.
        let raw = "<div>\n<em>x</em>\n</div>\n\n- a\n- b\n";
        assert!(
            render(raw, &src, &NoLinks, false).html.contains("<ul><li>a<li>b</ul>"),
            "{}",
            render(raw, &src, &NoLinks, false).html
        );
        let unsafe_html = render(raw, &src, &NoLinks, true).html;
        assert!(unsafe_html.contains("<li>a</li>\n<li>b</li>"), "{unsafe_html}");
    }
}
