//! Search: a static, sharded full-text index with facets, built from the
//! archive's visible incidents and its cause pages, read by
//! `theme/static/search.js` on `/search/`.
//!
//! Design (after Pagefind): postings are chunked by word range into small
//! shard files that the browser fetches only for the words of a query;
//! every result has its own small fragment file, fetched when shown; each
//! facet has one filter file; a small manifest ties them together. All of
//! it lives in `search/<hash>/`, the hash taken over the contents, so a
//! cache never mixes two builds. Ranking is BM25F with title and causes
//! weighted above the body, computed at build time (one impact per
//! posting), so the browser only adds numbers.
//!
//! Only what the archive shows is indexed: `Archive::incidents` holds no
//! left-out incident, bodies are the rendered ones (links to left-out
//! incidents already neutralised), and causes are those of visible
//! incidents.

pub mod index;
/// The tokeniser lives in src/text/ (the related-incidents score reads text the same way).
pub use crate::text::tokenize;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::archive::{Archive, Taxonomy};
use crate::dates;
use crate::diagnostics::Diagnostics;
use crate::output::OutputFile;
use crate::output::Sink;
use crate::pages::Bodies;
use index::{Facet, FacetValue, Field, ManifestFacet, TextCache};

/// Characters of body text kept in a fragment for excerpts (cut at the last
/// space before the limit). The results page shows a window of about 30
/// words around the query's words; a match past this limit still counts
/// (the postings cover the whole body) and its card shows the summary.
/// Ten fragments are downloaded per page of results, so this is most of
/// a query's bytes, and the fragments are a tenth of a large site.
pub const FRAGMENT_TEXT: usize = 1000;

/// One searchable document.
pub struct Doc {
    pub url: String,
    pub title: String,
    pub kind: &'static str,
    pub date: Option<jiff::civil::Date>,
    pub severity: Option<(String, usize)>,
    /// `(name, url)` of each service.
    pub services: Vec<(String, String)>,
    pub summary: String,
    /// Weighted search fields other than title and summary.
    pub causes: String,
    /// Display names of the causes and tags (shown as "in causes: …").
    pub cause_names: Vec<String>,
    pub tag_names: Vec<String>,
    pub terms: String,
    /// The body's plain text ([`plain_text`]).
    pub text: Arc<str>,
}

/// The index files, before they get their hashed folder.
pub struct IndexFiles {
    /// Paths relative to the index folder → contents.
    pub files: Vec<(String, Vec<u8>)>,
    pub hash: String,
}

/// Collects the documents: visible incidents (archive order, newest
/// first), then the cause pages.
/// `texts`: plain texts of bodies made before, by body digest
/// ([`Bodies::digests`]; serve), taken instead of made again.
pub fn documents(archive: &Archive, bodies: &Bodies, texts: &TextCache) -> Vec<Doc> {
    let base = archive.base();
    let mut docs: Vec<Doc> = archive
        .incidents
        .par_iter()
        .enumerate()
        .map(|(n, i)| {
            let name = |tax, t: &crate::model::Term| archive.term_name(tax, &t.slug).unwrap_or(&t.name).to_string();
            let causes: Vec<String> = i.causes.iter().map(|t| name(Taxonomy::Causes, t)).collect();
            let services: Vec<(String, String)> = i
                .services
                .iter()
                .map(|t| (name(Taxonomy::Services, t), format!("{base}/services/{}/", t.slug)))
                .collect();
            let tags: Vec<String> = i.tags.iter().map(|t| name(Taxonomy::Tags, t)).collect();
            let mut terms = services.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(" ");
            terms.push(' ');
            terms.push_str(&tags.join(" "));
            terms.push(' ');
            terms.push_str(&i.id);
            Doc {
                url: format!("{base}{}", i.url_path()),
                title: i.title.clone(),
                kind: "incident",
                date: i.has_date().then_some(i.date),
                severity: i.severity.clone(),
                services,
                summary: crate::markdown::plain_inline(&i.summary),
                causes: causes.join(" "),
                cause_names: causes,
                tag_names: tags,
                terms,
                text: match bodies.digests.get(n).and_then(|d| texts.get(d)) {
                    Some(t) => t.clone(),
                    None => bodies.incidents.get(n).map(|r| plain_text(&r.html)).unwrap_or_default().into(),
                },
            }
        })
        .collect();
    for c in &archive.causes {
        let doc = archive.cause_docs.get(&c.slug);
        let aliases =
            doc.map(|d| d.aliases.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(" ")).unwrap_or_default();
        docs.push(Doc {
            url: format!("{base}/causes/{}/", c.slug),
            title: c.name.clone(),
            kind: "cause",
            date: None,
            severity: None,
            services: Vec::new(),
            summary: format!(
                "Contributing cause of {} incident{}.",
                c.incidents.len(),
                if c.incidents.len() == 1 { "" } else { "s" }
            ),
            cause_names: doc.map(|d| d.aliases.iter().map(|a| a.name.clone()).collect()).unwrap_or_default(),
            tag_names: Vec::new(),
            causes: aliases,
            terms: c.slug.replace('-', " "),
            text: bodies.causes.get(&c.slug).map(|r| plain_text(&r.html)).unwrap_or_default().into(),
        });
    }
    docs
}

/// The facets over the visible incidents (cause pages have none).
pub fn facets(archive: &Archive) -> Vec<Facet> {
    let mut out = Vec::new();
    let sev: Vec<FacetValue> = archive
        .config
        .severities
        .iter()
        .map(|s| FacetValue {
            slug: s.clone(),
            name: s.clone(),
            docs: archive
                .incidents
                .iter()
                .enumerate()
                .filter(|(_, i)| i.severity.as_ref().is_some_and(|(x, _)| x == s))
                .map(|(n, _)| n as u32)
                .collect(),
        })
        .filter(|v| !v.docs.is_empty())
        .collect();
    // `severities = []`: the site shows no severity, not even an empty facet.
    if !archive.config.severities.is_empty() {
        out.push(Facet { key: "severity", label: "Severity", values: sev });
    }
    for (key, label, tax) in [
        ("service", "Service", Taxonomy::Services),
        ("cause", "Cause", Taxonomy::Causes),
        ("tag", "Tag", Taxonomy::Tags),
    ] {
        let values = archive
            .taxonomy(tax)
            .iter()
            .map(|t| FacetValue {
                slug: t.slug.clone(),
                name: t.name.clone(),
                docs: sorted(t.incidents.iter().map(|&n| n as u32).collect()),
            })
            .collect();
        out.push(Facet { key, label, values });
    }
    let mut years: Vec<FacetValue> = Vec::new();
    for (n, i) in archive.incidents.iter().enumerate().filter(|(_, i)| i.has_date()) {
        let y = i.date.year().to_string();
        match years.iter_mut().find(|v| v.slug == y) {
            Some(v) => v.docs.push(n as u32),
            None => years.push(FacetValue { slug: y.clone(), name: y, docs: vec![n as u32] }),
        }
    }
    years.sort_by(|a, b| b.slug.cmp(&a.slug));
    out.push(Facet { key: "year", label: "Year", values: years });
    out
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

#[derive(Serialize)]
struct Fragment<'a> {
    url: &'a str,
    title: &'a str,
    kind: &'a str,
    date: Option<String>,
    date_human: Option<String>,
    severity: Option<&'a str>,
    severity_rank: Option<usize>,
    severity_url: Option<String>,
    services: &'a [(String, String)],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    causes: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    summary: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct Manifest<'a> {
    version: u32,
    docs: usize,
    incidents: usize,
    /// First word of each shard; shard `n` is `s/<n>.json`.
    shards: Vec<&'a str>,
    facets: Vec<ManifestFacet<'a>>,
    max_token: usize,
}

/// Builds every index file in memory.
/// `cache`: what the last build kept (serve), kept up to date for the next.
pub fn build_index(archive: &Archive, bodies: &Bodies, mut cache: Option<&mut index::IndexCache>) -> IndexFiles {
    let no_texts = TextCache::default();
    let docs = documents(archive, bodies, cache.as_ref().map_or(&no_texts, |c| &c.texts));
    if let Some(c) = cache.as_deref_mut() {
        // This build's bodies only.
        c.texts = bodies.digests.iter().zip(&docs).map(|(&d, doc)| (d, doc.text.clone())).collect();
    }
    let facets = facets(archive);
    let fields: Vec<Vec<Field>> = docs
        .iter()
        .map(|d| {
            vec![
                Field { text: &d.title, weight: index::W_TITLE },
                Field { text: &d.causes, weight: index::W_CAUSES },
                Field { text: &d.terms, weight: index::W_TERMS },
                Field { text: &d.summary, weight: index::W_SUMMARY },
                Field { text: &d.text, weight: index::W_BODY },
            ]
        })
        .collect();
    let base = archive.base();
    // serve: a digest per document that changes whenever its fields do;
    // a body stands for its plain text by the body's digest.
    let digests: Vec<u64> = if cache.is_some() {
        fields
            .par_iter()
            .enumerate()
            .map(|(n, f)| match bodies.digests.get(n).filter(|_| n < archive.incidents.len()) {
                Some(&body) => {
                    let mut h = index::Fnv::default();
                    h.write_u64(index::fields_digest(&f[..f.len() - 1]));
                    h.write_u64(body);
                    h.finish()
                }
                None => index::fields_digest(f),
            })
            .collect()
    } else {
        Vec::new()
    };
    let shards = match cache.as_deref_mut() {
        Some(c) => index::shards_cached(&fields, &digests, c),
        None => index::shards(&index::build_postings(&fields)),
    };
    drop(fields);

    let fragment = |d: &Doc| -> Vec<u8> {
        let text = match d.text.char_indices().nth(FRAGMENT_TEXT) {
            Some((cut, _)) => {
                let head = &d.text[..cut];
                head.rfind(char::is_whitespace).map_or(head, |s| head[..s].trim_end())
            }
            None => &d.text,
        };
        let f = Fragment {
            url: &d.url,
            title: &d.title,
            kind: d.kind,
            date: d.date.map(dates::iso_date),
            date_human: d.date.map(dates::human_date),
            severity: d.severity.as_ref().map(|s| s.0.as_str()),
            severity_rank: d.severity.as_ref().map(|s| s.1),
            severity_url: d.severity.as_ref().map(|s| format!("{base}/severity/{}/", crate::slugs::slugify(&s.0))),
            services: &d.services,
            causes: &d.cause_names,
            tags: &d.tag_names,
            summary: &d.summary,
            text,
        };
        serde_json::to_vec(&f).unwrap_or_default()
    };
    let mut files: Vec<(String, Vec<u8>)> = match cache {
        // serve: the fragments of documents whose fields and facts are
        // those of the last build are that build's bytes.
        Some(c) => {
            let made: Vec<Arc<[u8]>> = c.fragments.take_or_make(
                &docs,
                |n, d| {
                    let mut h = crate::hash::FxHasher::default();
                    h.write_u64(digests[n]);
                    (&d.url, d.kind, d.date, &d.severity, &d.services, &d.cause_names, &d.tag_names).hash(&mut h);
                    h.finish()
                },
                |d| fragment(d).into(),
            );
            made.iter().enumerate().map(|(n, b)| (format!("f/{n}.json"), b.to_vec())).collect()
        }
        None => docs.par_iter().enumerate().map(|(n, d)| (format!("f/{n}.json"), fragment(d))).collect(),
    };
    for f in &facets {
        files.push((format!("facet-{}.json", f.key), index::facet_file(f).into_bytes()));
    }
    let manifest = Manifest {
        version: 1,
        docs: docs.len(),
        incidents: archive.incidents.len(),
        shards: shards.iter().map(|s| s.first.as_str()).collect(),
        facets: facets
            .iter()
            .map(|f| ManifestFacet {
                key: f.key,
                label: f.label,
                file: format!("facet-{}.json", f.key),
                values: f.values.iter().map(|v| (v.slug.as_str(), v.name.as_str(), v.docs.len())).collect(),
            })
            .collect(),
        max_token: tokenize::MAX_TOKEN,
    };
    files.push(("manifest.json".to_string(), serde_json::to_vec(&manifest).unwrap_or_default()));
    drop(manifest);
    drop(docs);
    files.extend(shards.into_iter().enumerate().map(|(n, s)| (format!("s/{n}.json"), s.json.into_bytes())));

    let hash = files
        .par_iter()
        .map(|(p, b)| fnv(fnv(0xcbf29ce484222325, p.as_bytes()), b))
        .collect::<Vec<u64>>()
        .iter()
        .fold(0xcbf29ce484222325u64, |h, x| fnv(h, &x.to_le_bytes()));
    IndexFiles { files, hash: format!("{:012x}", hash >> 16) }
}

/// FNV-1a over 8-byte words (then the tail byte by byte): a content hash
/// for cache-busting names, not for security.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(x)).wrapping_mul(0x100000001b3);
    }
    for &b in words.remainder() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h
}

/// Builds the index and writes it into `sink`, in its folder
/// `search/<hash>/`: returns the paths written and that folder (the
/// /search/ page, src/pages/search.rs, loads the index from it).
pub fn write(
    archive: &Archive,
    bodies: &Bodies,
    cache: Option<&mut index::IndexCache>,
    sink: &dyn Sink,
    diags: &mut Diagnostics,
) -> (Vec<String>, String) {
    let index = build_index(archive, bodies, cache);
    let dir = format!("search/{}", index.hash);
    let out: Vec<OutputFile> = index.files.into_iter().map(|(p, b)| OutputFile::new(format!("{dir}/{p}"), b)).collect();
    (crate::output::put_all(out, sink, diags), dir)
}

/// The text of sanitised body HTML: tags dropped (block ends become
/// spaces), `<script>`/`<style>` content skipped, entities decoded,
/// whitespace squeezed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        let Some(len) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let raw = &rest[lt + 1..lt + len];
        rest = &rest[lt + len + 1..];
        let closing = raw.starts_with('/');
        let name_start = raw.trim_start_matches('/');
        let name =
            &name_start[..name_start.bytes().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(name_start.len())];
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if !closing && (is("script") || is("style")) {
            // Skip to the matching end tag.
            let bytes = rest.as_bytes();
            let mut at = None;
            let mut i = 0;
            while let Some(p) = rest[i..].find("</") {
                let tag = &bytes[i + p + 2..];
                if tag.len() >= name.len() && tag[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
                    at = Some(i + p);
                    break;
                }
                i += p + 2;
            }
            rest = at.map_or("", |a| &rest[a..]);
            continue;
        }
        if !closing && is("a") && raw.contains("class=\"anchor\"") {
            // A heading's "¶" permalink (markdown.rs) is not text.
            rest = rest.find("</a>").map_or("", |p| &rest[p + 4..]);
            continue;
        }
        let inline = ["a", "em", "strong", "code", "del", "s", "b", "i", "span", "sup", "sub", "mark", "abbr", "small"]
            .iter()
            .any(|n| is(n));
        if !inline {
            push_space(&mut out);
        }
    }
    push_decoded(&mut out, rest);
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Appends text; line breaks stay (the tokenizer and the excerpt code
/// split on any white space).
fn push_text(out: &mut String, s: &str) {
    out.push_str(s);
}

fn push_decoded(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        push_text(out, &rest[..amp]);
        rest = &rest[amp..];
        // An entity is short: look for its `;` in the next 12 bytes only
        // (bytes, not a slice, so a multi-byte character there is fine).
        let semi = rest.as_bytes().iter().take(12).position(|&b| b == b';');
        let decoded = semi.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                if c == '\u{a0}' {
                    push_space(out);
                } else {
                    out.push(c);
                }
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    push_text(out, rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        let html = "<h2 id=\"x\">Root <em>cause</em> <a class=\"anchor\" href=\"#x\" aria-label=\"Link\">¶</a></h2><p>A &amp; B &lt;3 caf&#233; &#x41;</p><script>evil()</script><pre><code>x=1</code></pre>";
        assert_eq!(plain_text(html), "Root cause A & B <3 café A x=1");
        assert_eq!(plain_text("<p>unterminated <b"), "unterminated");
    }

    #[test]
    fn entities_next_to_multi_byte_text_do_not_panic() {
        // The `;` search once sliced 12 bytes in, inside the 'é'.
        assert_eq!(plain_text("<p>Our Q&amp;A: réécriture failed.</p>"), "Our Q&A: réécriture failed.");
        assert_eq!(plain_text("&日本語の文字&amp;"), "&日本語の文字&");
        assert_eq!(plain_text("a&#x1F600;b &😀; &bogus; &#99999999; &"), "a😀b &😀; &bogus; &#99999999; &");
    }
}
