//! Questions about a built page, asked of its parsed HTML rather than of
//! substrings: "the section *Similar incidents* links to `c`", "the count in
//! the heading is `3`". A needle like `"17 h"` also matches `"117 h"`; an
//! element's whole text does not.

use std::ops::Deref;

use scraper::{ElementRef, Html, Selector};

/// A built page: its URL, its HTML text (a `Page` reads as a `&str`, for
/// the checks that really are about the text) and its parsed tree.
pub struct Page {
    pub url: String,
    html: String,
    doc: Html,
}

impl Deref for Page {
    type Target = str;
    fn deref(&self) -> &str {
        &self.html
    }
}

/// The HTML, for assertion messages.
impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.html)
    }
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:\n{}", self.url, self.html)
    }
}

impl Page {
    pub fn parse(url: &str, html: String) -> Page {
        let doc = Html::parse_document(&html);
        Page { url: url.to_string(), html, doc }
    }

    /// The page's `<main>` (the whole document when it has none): what the
    /// page says, without the header and footer every page shares.
    pub fn main(&self) -> Scope<'_> {
        let el = select_in(self.doc.root_element(), "main").next().unwrap_or_else(|| self.doc.root_element());
        Scope { el, what: self.url.clone() }
    }

    /// The whole document, header, footer and `<head>` included.
    pub fn document(&self) -> Scope<'_> {
        Scope { el: self.doc.root_element(), what: self.url.clone() }
    }

    /// The `<section>` whose heading (the element its `aria-labelledby`
    /// names) reads `name`, not counting the heading's `.count` badge; or
    /// whose heading id is `name`. Panics, naming the sections there are,
    /// when there is none.
    pub fn section(&self, name: &str) -> Scope<'_> {
        self.find_section(name).unwrap_or_else(|| {
            let names: Vec<String> =
                self.sections().into_iter().map(|(id, title, _)| format!("{title:?} (#{id})")).collect();
            panic!("{}: no section {name:?}; there are {}", self.url, names.join(", "))
        })
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.find_section(name).is_some()
    }

    fn find_section(&self, name: &str) -> Option<Scope<'_>> {
        let (_, title, el) = self.sections().into_iter().find(|(id, title, _)| title == name || id == name)?;
        Some(Scope { el, what: format!("{} section {title:?}", self.url) })
    }

    /// Every labelled section: heading id, heading text, element.
    fn sections(&self) -> Vec<(String, String, ElementRef<'_>)> {
        select_in(self.doc.root_element(), "section[aria-labelledby]")
            .filter_map(|el| {
                let id = el.value().attr("aria-labelledby")?.to_string();
                let heading = select_in(self.doc.root_element(), &format!("[id=\"{id}\"]")).next()?;
                Some((id, text_without_counts(heading), el))
            })
            .collect()
    }

    // The questions of `Scope`, asked of `main()`.

    pub fn incidents(&self) -> Vec<String> {
        self.main().incidents()
    }

    pub fn lists_incident(&self, id: &str) -> &Page {
        self.main().lists_incident(id);
        self
    }

    pub fn does_not_list_incident(&self, id: &str) -> &Page {
        self.main().does_not_list_incident(id);
        self
    }

    pub fn links_to(&self, target: &str) -> &Page {
        self.main().links_to(target);
        self
    }

    pub fn texts(&self, css: &str) -> Vec<String> {
        self.document().texts(css)
    }

    pub fn text_of(&self, css: &str) -> String {
        self.document().text_of(css)
    }

    pub fn count(&self, css: &str) -> usize {
        self.document().count(css)
    }

    /// The text of `<main>`, whitespace collapsed.
    pub fn text(&self) -> String {
        self.main().text()
    }
}

/// A part of a page (its `<main>`, a section) to ask about.
#[derive(Clone)]
pub struct Scope<'a> {
    el: ElementRef<'a>,
    what: String,
}

impl<'a> Scope<'a> {
    /// Ids of the incident pages linked from here, in order, each once.
    /// `/incidents/<id>/` under any base path; year pages
    /// (`/incidents/2021/`) and list pages (`/incidents/page/2/`) are not
    /// incidents.
    pub fn incidents(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for href in self.hrefs() {
            if let Some(id) = incident_id(&href) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// The targets of every link here, in order (`href` as written).
    pub fn hrefs(&self) -> Vec<String> {
        select_in(self.el, "a[href]").filter_map(|a| a.value().attr("href").map(str::to_string)).collect()
    }

    pub fn lists_incident(&self, id: &str) -> &Self {
        let ids = self.incidents();
        assert!(ids.iter().any(|i| i == id), "{} does not list {id:?}; it lists {ids:?}", self.what);
        self
    }

    pub fn does_not_list_incident(&self, id: &str) -> &Self {
        let ids = self.incidents();
        assert!(!ids.iter().any(|i| i == id), "{} lists {id:?}: {ids:?}", self.what);
        self
    }

    /// Asserts a link to `target`: an incident id, or a path starting with
    /// `/` (compared with each link's path, origin and fragment dropped).
    pub fn links_to(&self, target: &str) -> &Self {
        assert!(self.has_link_to(target), "{} has no link to {target:?}; it links {:?}", self.what, self.hrefs());
        self
    }

    pub fn does_not_link_to(&self, target: &str) -> &Self {
        assert!(!self.has_link_to(target), "{} links to {target:?}", self.what);
        self
    }

    fn has_link_to(&self, target: &str) -> bool {
        if target.starts_with('/') {
            self.hrefs().iter().any(|h| link_path(h) == target)
        } else {
            self.incidents().iter().any(|i| i == target)
        }
    }

    /// The text of each element matching `css` here, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        select_in(self.el, css).map(text).collect()
    }

    /// The text of the one element matching `css`; panics unless exactly one does.
    pub fn text_of(&self, css: &str) -> String {
        let found = self.texts(css);
        assert!(found.len() == 1, "{}: {} elements match {css:?}: {found:?}", self.what, found.len());
        found.into_iter().next().unwrap_or_default()
    }

    pub fn count(&self, css: &str) -> usize {
        select_in(self.el, css).count()
    }

    /// The part of this scope that matches `css` (the first such element).
    pub fn find(&self, css: &str) -> Scope<'a> {
        let el = select_in(self.el, css).next().unwrap_or_else(|| panic!("{}: nothing matches {css:?}", self.what));
        Scope { el, what: format!("{} {css}", self.what) }
    }

    /// Each element matching `css`, as a scope of its own.
    pub fn each(&self, css: &str) -> Vec<Scope<'a>> {
        select_in(self.el, css).map(|el| Scope { el, what: format!("{} {css}", self.what) }).collect()
    }

    /// A ranked list with counts (`.bars-label` / `.bars-count`, as on the
    /// home page, a cause's panels and the taxonomy indexes): each row's
    /// name and count, in order.
    pub fn bars(&self) -> Vec<(String, usize)> {
        select_in(self.el, "li, tr")
            .filter_map(|row| {
                let count = select_in(row, ".bars-count").next()?;
                let name = select_in(row, "a").next()?;
                let n = text(count).parse().unwrap_or_else(|_| panic!("{}: count {:?}", self.what, text(count)));
                Some((text(name), n))
            })
            .collect()
    }

    /// The table row (or list item) that links to `path`.
    pub fn row_for(&self, path: &str) -> Scope<'a> {
        select_in(self.el, "tr, li")
            .find(|row| {
                select_in(*row, "a[href]").any(|a| a.value().attr("href").is_some_and(|h| link_path(h) == path))
            })
            .map(|el| Scope { el, what: format!("{} row {path}", self.what) })
            .unwrap_or_else(|| panic!("{}: no row links to {path}", self.what))
    }

    /// The text here, whitespace collapsed.
    pub fn text(&self) -> String {
        text(self.el)
    }

    /// The HTML here, the element's own tag included.
    pub fn html(&self) -> String {
        self.el.html()
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.el.value().attr(name).map(str::to_string)
    }
}

impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:\n{}", self.what, self.el.html())
    }
}

fn select_in<'a>(el: ElementRef<'a>, css: &str) -> impl Iterator<Item = ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e:?}"));
    // `select` borrows the selector; collect so it can be dropped here.
    el.select(&selector).collect::<Vec<_>>().into_iter()
}

/// Text of an element, whitespace runs collapsed to one space, trimmed.
fn text(el: ElementRef<'_>) -> String {
    collapse(&el.text().collect::<String>())
}

/// A heading's text without its `.count` badge ("Every occurrence 3" reads
/// "Every occurrence").
fn text_without_counts(el: ElementRef<'_>) -> String {
    let mut s = String::new();
    for node in el.descendants() {
        if let Some(t) = node.value().as_text() {
            let in_count = node
                .ancestors()
                .take_while(|a| a.id() != el.id())
                .any(|a| ElementRef::wrap(a).is_some_and(|e| e.value().classes().any(|c| c == "count")));
            if !in_count {
                s.push_str(t);
            }
        }
    }
    collapse(&s)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A link's path: scheme, host, query and fragment dropped.
fn link_path(href: &str) -> &str {
    let path = match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => href,
    };
    path.split(['#', '?']).next().unwrap_or(path)
}

/// `/incidents/<id>/` (after any base path) names incident `<id>`.
fn incident_id(href: &str) -> Option<String> {
    let path = link_path(href);
    let at = path.rfind("/incidents/")?;
    let id = path[at + "/incidents/".len()..].strip_suffix('/')?;
    let listing = id.is_empty() || id.contains('/') || id == "page" || id.bytes().all(|b| b.is_ascii_digit());
    (!listing).then(|| id.to_string())
}

#[test]
fn incident_ids_come_from_incident_links_only() {
    assert_eq!(incident_id("/incidents/a/"), Some("a".into()));
    assert_eq!(incident_id("https://x.example/archive/incidents/b/#timeline"), Some("b".into()));
    assert_eq!(incident_id("/incidents/2021/"), None);
    assert_eq!(incident_id("/incidents/"), None);
    assert_eq!(incident_id("/incidents/page/2/"), None);
    assert_eq!(incident_id("/causes/a/"), None);
    assert_eq!(link_path("https://x.example/causes/a/?q=1"), "/causes/a/");
}

#[test]
fn a_section_is_found_by_its_heading_without_the_count() {
    let page = Page::parse(
        "/t/",
        r#"<main><section aria-labelledby="h"><h2 id="h">Every occurrence <span class="count">3</span></h2>
        <a href="/incidents/a/">A</a> <a href="/incidents/b/">B</a> <a href="/incidents/a/#x">again</a></section>
        <section aria-labelledby="k"><h2 id="k">Other</h2><p> 117   h </p></section></main>"#
            .to_string(),
    );
    assert_eq!(page.section("Every occurrence").incidents(), ["a", "b"]);
    assert_eq!(page.section("h").text_of(".count"), "3");
    assert!(!page.has_section("Every occurrence 3"));
    assert_eq!(page.section("Other").text_of("p"), "117 h");
    assert_ne!(page.section("Other").text_of("p"), "17 h");
}
