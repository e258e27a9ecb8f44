//! The index that sorts and filters /incidents/ in the browser
//! (`theme/static/incidents.js`) across every page of the list, without
//! putting the archive into one HTML page.
//!
//! What it reads, all fetched only when a reader sorts or filters:
//! - `listing/index.json` (small, not hashed, so it is fetched fresh): the
//!   folder of this build's files below and the search index's manifest.
//! - the search index's manifest and facet files (`search/<hash>/`): the
//!   year, severity, service and cause of every incident, as document
//!   lists whose document numbers are the archive's order (newest first);
//!   the filters and the severity sort use them, so nothing is written twice.
//! - `listing/<hash>/title.json` and `duration.json`: one fixed-width rank
//!   per incident (archive order), in the search index's 64-character
//!   alphabet; the title and duration sorts compare them.
//! - `listing/<hash>/r/<n>.txt`: the table row (HTML) of incident `n`, as the
//!   theme's `incident_row` renders it for the static pages, fetched only
//!   for the rows a page of results shows.
//!
//! Only visible incidents are in `Archive::incidents`, so a left-out
//! incident is in none of these files.

use rayon::prelude::*;
use serde::Serialize;

use crate::archive::Archive;
use crate::diagnostics::Diagnostics;
use crate::output::OutputFile;
use crate::output::Sink;
use crate::pages::Renderer;
use crate::search::index::ALPHABET;

/// The folder of the listing files, at the site root.
pub const DIR: &str = "listing";

/// This build's listing files, before the pointer that names them.
pub struct Listing {
    /// `listing/<hash>`, relative to the output root.
    pub dir: String,
    pub files: Vec<OutputFile>,
}

/// Characters a rank takes so that `count` ranks and the "none" value fit.
fn rank_width(count: usize) -> usize {
    let mut width = 1;
    let mut room = 64usize;
    while room <= count + 1 {
        width += 1;
        room = room.saturating_mul(64);
    }
    width
}

/// `ranks[n]` of each incident as fixed-width digits; `None` is written
/// as the largest value (all `_`), which the script sorts last.
fn encode_ranks(ranks: &[Option<usize>]) -> String {
    let width = rank_width(ranks.len());
    let mut out = String::with_capacity(ranks.len() * width);
    for r in ranks {
        let mut digits = vec![b'_'; width];
        if let Some(mut v) = *r {
            for d in digits.iter_mut().rev() {
                *d = ALPHABET[v % 64];
                v /= 64;
            }
        }
        out.extend(digits.into_iter().map(char::from));
    }
    out
}

/// The rank of each item when sorted by `key` (ties in archive order);
/// items without a key get `None`.
fn ranks<K: Ord>(keys: Vec<Option<K>>) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..keys.len()).filter(|&n| keys[n].is_some()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut out = vec![None; keys.len()];
    for (rank, n) in order.into_iter().enumerate() {
        out[n] = Some(rank);
    }
    out
}

/// A title as it sorts: case folded, leading marks (quotes, emoji) skipped.
fn title_key(title: &str) -> String {
    let t = title.trim_start_matches(|c: char| !c.is_alphanumeric());
    let t = if t.is_empty() { title } else { t };
    t.to_lowercase()
}

/// Builds the ranks and rows of the visible incidents. `renderer` has
/// rendered each incident's table row already.
pub fn build(archive: &Archive, renderer: &Renderer) -> Listing {
    let incidents = &archive.incidents;
    let titles = ranks(incidents.iter().map(|i| Some(title_key(&i.title))).collect());
    let durations = ranks(incidents.iter().map(|i| i.timestamps.time_to_resolve()).collect());
    let title = serde_json::to_vec(&encode_ranks(&titles)).unwrap_or_default();
    let duration = serde_json::to_vec(&encode_ranks(&durations)).unwrap_or_default();
    let rows: Vec<(String, Vec<u8>)> = (0..incidents.len())
        .into_par_iter()
        .map(|n| (format!("r/{n}.txt"), renderer.row_html(n).trim().as_bytes().to_vec()))
        .collect();
    let mut h = Fnv::default();
    for (path, bytes) in [("title.json", &title), ("duration.json", &duration)]
        .into_iter()
        .chain(rows.iter().map(|(p, b)| (p.as_str(), b)))
    {
        h.write(path.as_bytes());
        h.write(bytes);
    }
    let dir = format!("{DIR}/{:012x}", h.0 >> 16);
    let mut files = vec![
        OutputFile::new(format!("{dir}/title.json"), title),
        OutputFile::new(format!("{dir}/duration.json"), duration),
    ];
    files.extend(rows.into_iter().map(|(p, b)| OutputFile::new(format!("{dir}/{p}"), b)));
    Listing { dir, files }
}

/// Builds the listing, writes it and its pointer into `sink`, and returns
/// the paths written. `search_paths`: what the search stage wrote (the
/// pointer names its manifest; without one, no pointer is written and the
/// list stays static).
pub fn write(
    archive: &Archive,
    renderer: &Renderer,
    search_paths: &[String],
    sink: &dyn Sink,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let listing = build(archive, renderer);
    let pointer = pointer(archive, &listing, search_paths);
    let mut files = listing.files;
    files.extend(pointer);
    crate::output::put_all(files, sink, diags)
}

#[derive(Serialize)]
struct Pointer {
    version: u32,
    incidents: usize,
    per_page: usize,
    /// The folder of `title.json`, `duration.json` and `r/`, ending in `/`.
    listing: String,
    /// The search index's manifest (facets: year, severity, service, cause).
    search: String,
}

/// `listing/index.json`: where this build's listing and search files are.
/// `search_paths`: what the search stage wrote.
pub fn pointer(archive: &Archive, listing: &Listing, search_paths: &[String]) -> Option<OutputFile> {
    let base = archive.base();
    let manifest = search_paths.iter().find(|p| p.starts_with("search/") && p.ends_with("/manifest.json"))?;
    let p = Pointer {
        version: 1,
        incidents: archive.incidents.len(),
        per_page: archive.config.pagination.per_page,
        listing: format!("{base}/{}/", listing.dir),
        search: format!("{base}/{manifest}"),
    };
    Some(OutputFile::new(format!("{DIR}/index.json"), serde_json::to_vec(&p).unwrap_or_default()))
}

/// FNV-1a, for the folder name (cache busting, not security).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf29ce484222325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100000001b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str, width: usize) -> Vec<Option<usize>> {
        s.as_bytes()
            .chunks(width)
            .map(|c| {
                (!c.iter().all(|&b| b == b'_'))
                    .then(|| c.iter().fold(0, |v, &b| v * 64 + ALPHABET.iter().position(|&a| a == b).unwrap()))
            })
            .collect()
    }

    #[test]
    fn ranks_sort_by_key_then_archive_order_and_round_trip() {
        let r = ranks(vec![Some("b"), None, Some("a"), Some("b")]);
        assert_eq!(r, [Some(1), None, Some(0), Some(2)]);
        assert_eq!(decode(&encode_ranks(&r), 1), r);
        assert_eq!(
            (rank_width(0), rank_width(62), rank_width(63), rank_width(4094), rank_width(4095)),
            (1, 1, 2, 2, 3)
        );
        let many: Vec<Option<usize>> = (0..5000).rev().map(Some).chain([None]).collect();
        let s = encode_ranks(&many);
        assert_eq!(s.len(), 5001 * 3);
        assert_eq!(decode(&s, 3), many);
    }

    #[test]
    fn titles_sort_without_case_or_leading_marks() {
        assert_eq!(title_key("🚨 Replication lag"), "replication lag");
        assert_eq!(title_key("\"Quoted\" title"), "quoted\" title");
        assert_eq!(title_key("🚨"), "🚨");
        assert!(title_key("apple") < title_key("Banana"));
    }
}
