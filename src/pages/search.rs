//! The search family: the /search/ page, which runs
//! `theme/static/search.js` over the index src/search/ builds. The page
//! names the index's folder (`search/<hash>/`, the hash of its contents,
//! so a browser cache never mixes two builds), so it is made after the
//! index, on every build: it is one small page, and serve rebuilds the
//! index on every save.

use serde::Serialize;
use tera::Context;

use super::{OutputFile, Page, PageKey, Renderer};
use crate::archive::Archive;

/// The page of this family.
pub fn page() -> Page {
    Page::new(PageKey::Search, "search/index.html", 0)
}

#[derive(Serialize)]
struct SearchView {
    manifest: String,
    script: String,
    documents: usize,
}

/// Renders /search/ for the index written to `index_dir` (`search/<hash>`).
pub fn render(renderer: &Renderer, archive: &Archive, index_dir: &str) -> Result<OutputFile, tera::Error> {
    let base = archive.base();
    let mut ctx = Context::new();
    ctx.insert(
        "search",
        &SearchView {
            manifest: format!("{base}/{index_dir}/manifest.json"),
            script: format!("{base}/search.js"),
            documents: archive.incidents.len(),
        },
    );
    let page = page();
    renderer.page(
        "search.html",
        &page.path,
        "Search",
        "Search every published incident and cause, with facets.",
        "search",
        ctx,
    )
}
