//! The feeds family: the sitemap, the Atom feed and incidents.json, made
//! from the front matter of the whole archive by src/feeds.rs. (The
//! redirects and robots.txt are made on every build: they cost nothing.)

use jiff::Timestamp;

use super::fingerprint::{Digests, FxHasher};
use super::{OutputFile, Page, PageKey};
use crate::archive::Archive;

/// The outputs, after the pages: the sitemap lists every page.
pub fn pages() -> [Page; 3] {
    [
        Page::new(PageKey::Sitemap, "sitemap.xml", 0),
        Page::new(PageKey::Feed, "feed.xml", 0),
        Page::new(PageKey::Json, "incidents.json", 0),
    ]
}

/// What the outputs are made from: the archive (the pages the sitemap
/// lists are the archive's too).
pub(super) fn fingerprint(d: &Digests, h: &mut FxHasher) {
    use std::hash::Hash;
    d.archive.hash(h);
}

/// Makes one of [`pages`]; `paths`: every page of the site, for the sitemap.
/// Whether `page` is incidents.json (the one output that reads
/// [`crate::feeds::JsonCache`]).
pub fn is_json(page: &Page) -> bool {
    matches!(page.key, PageKey::Json)
}

/// `json`: serve's elements of incidents.json from the last build.
pub fn make(
    archive: &Archive,
    page: &Page,
    paths: &[String],
    now: Timestamp,
    json: Option<&mut crate::feeds::JsonCache>,
) -> OutputFile {
    match page.key {
        PageKey::Sitemap => crate::feeds::sitemap(archive, paths),
        PageKey::Feed => crate::feeds::atom(archive, now),
        _ => crate::feeds::json(archive, now, json),
    }
}
