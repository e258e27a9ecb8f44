//! The index files: postings chunked by word range into shards, one
//! fragment per document, one filter file per facet and a manifest.
//!
//! Encoding (read by `theme/static/search.js`): numbers are written as
//! little-endian groups of 5 bits, one character of [`ALPHABET`] each;
//! characters 32–63 mean "more groups follow", 0–31 end the number. A
//! posting list is, per document in increasing id order, the gap to the
//! previous id (minus one; the first is the id itself) followed by one
//! character holding the impact (1–63, the document's precomputed BM25
//! score for the word, scaled). A facet value's document list is the same
//! without impacts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use serde::Serialize;

use super::tokenize::{js_order, tokens, Tok};

/// 64 characters that need no escaping in JSON or URLs.
pub const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// A shard is closed once it holds this many bytes of postings.
pub const SHARD_BYTES: usize = 8 * 1024;

/// A word whose postings take at least this many bytes gets a shard of
/// its own, so a query for a common word fetches its postings and no
/// neighbours', and the shards of rare words stay small.
pub const SOLO_BYTES: usize = SHARD_BYTES / 2;

/// BM25 parameters.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A weighted piece of a document's text.
pub struct Field<'a> {
    pub text: &'a str,
    pub weight: f32,
}

/// Field weights: title and causes count above the body.
pub const W_TITLE: f32 = 4.0;
pub const W_CAUSES: f32 = 3.0;
pub const W_TERMS: f32 = 2.0;
pub const W_SUMMARY: f32 = 2.0;
pub const W_BODY: f32 = 1.0;

pub fn push_number(out: &mut Vec<u8>, mut n: u32) {
    while n >= 32 {
        out.push(ALPHABET[32 + (n & 31) as usize]);
        n >>= 5;
    }
    out.push(ALPHABET[n as usize]);
}

/// Appends postings (document, impact), in increasing document order:
/// each document's gap, then its impact.
fn push_postings(out: &mut Vec<u8>, postings: impl Iterator<Item = (u32, u8)>) {
    let mut prev = -1i64;
    for (d, impact) in postings {
        push_number(out, (d as i64 - prev - 1) as u32);
        out.push(ALPHABET[impact as usize]);
        prev = d as i64;
    }
}

/// Encoded bytes as text: they are all of [`ALPHABET`] (or text written
/// in them), so this never replaces anything.
fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes a posting list (used by tests; the browser has its own).
pub fn decode_postings(s: &str) -> Vec<(u32, u8)> {
    decode(s, true)
}

/// Decodes a facet value's document list (tests).
pub fn decode_docs(s: &str) -> Vec<u32> {
    decode(s, false).into_iter().map(|p| p.0).collect()
}

fn decode(s: &str, impacts: bool) -> Vec<(u32, u8)> {
    let digits: Vec<u32> = s.bytes().map(|b| ALPHABET.iter().position(|&a| a == b).unwrap_or(0) as u32).collect();
    let mut out = Vec::new();
    let (mut i, mut prev) = (0usize, -1i64);
    while i < digits.len() {
        let (n, next) = read_number(&digits, i);
        let doc = (prev + 1 + n as i64) as u32;
        i = next;
        let impact = if impacts {
            i += 1;
            digits.get(next).copied().unwrap_or(0) as u8
        } else {
            0
        };
        out.push((doc, impact));
        prev = doc as i64;
    }
    out
}

fn read_number(digits: &[u32], mut i: usize) -> (u32, usize) {
    let (mut n, mut shift) = (0u32, 0u32);
    while let Some(&d) = digits.get(i) {
        i += 1;
        if d >= 32 {
            n |= (d - 32) << shift;
            shift += 5;
        } else {
            n |= d << shift;
            break;
        }
    }
    (n, i)
}

/// Encodes increasing document ids as gaps.
pub fn encode_docs(docs: &[u32]) -> String {
    let mut out = Vec::with_capacity(docs.len() * 2);
    let mut prev = -1i64;
    for &d in docs {
        push_number(&mut out, (d as i64 - prev - 1) as u32);
        prev = d as i64;
    }
    ascii(out)
}

/// Word → postings (document id, impact), words in JavaScript order.
pub struct Postings {
    pub words: Vec<(String, Vec<(u32, u8)>)>,
}

const PARTS: usize = 64;

/// FNV-1a on 8-byte words: much faster than the default SipHash for
/// millions of short words; nothing here hashes keys chosen against it
/// (an archive's author could only slow their own build).
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf29ce484222325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        // Eight bytes at a time: words are short, so this is one or two steps.
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0 ^ u64::from_le_bytes(w)).wrapping_mul(0x100000001b3).rotate_left(29);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0 ^ u64::from_le_bytes(w)).wrapping_mul(0x100000001b3).rotate_left(29);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0 ^ b as u64).wrapping_mul(0x100000001b3);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

fn part_of(word: &str) -> usize {
    // FNV-1a: cheap and stable.
    let mut h: u32 = 0x811c9dc5;
    for b in word.bytes() {
        h = (h ^ b as u32).wrapping_mul(0x01000193);
    }
    h as usize % PARTS
}

/// One document's distinct words with their weighted term frequency,
/// grouped by hash partition (`starts[p]..starts[p + 1]`). A word is a
/// slice of the document's own text, or of `arena` when it was folded.
struct DocTerms<'a> {
    arena: String,
    terms: Vec<(Word<'a>, f32)>,
    starts: Vec<u32>,
    len: f32,
}

#[derive(Clone, Copy)]
enum Word<'a> {
    Text(&'a str),
    Arena(u32, u32),
}

impl<'a> DocTerms<'a> {
    fn word(&self, w: Word<'a>) -> &str {
        match w {
            Word::Text(s) => s,
            Word::Arena(o, l) => &self.arena[o as usize..(o + l) as usize],
        }
    }
}

fn doc_terms<'a>(fields: &[Field<'a>]) -> DocTerms<'a> {
    let bytes: usize = fields.iter().map(|f| f.text.len()).sum();
    let mut text_tf: FnvMap<&'a str, f32> = FnvMap::default();
    // About one distinct word per 16 bytes of text: no rehashing for most.
    text_tf.reserve((bytes / 16).min(8192));
    let mut folded_tf: FnvMap<String, f32> = FnvMap::default();
    let mut len = 0f32;
    for f in fields {
        let w = f.weight;
        tokens(f.text, |t| {
            len += w;
            match t {
                Tok::Text(s) => *text_tf.entry(s).or_insert(0.0) += w,
                Tok::Folded(s) => match folded_tf.get_mut(s) {
                    Some(v) => *v += w,
                    None => {
                        folded_tf.insert(s.to_string(), w);
                    }
                },
            }
        });
    }
    let mut arena = String::new();
    let mut keyed: Vec<(u8, Word<'a>, f32)> = Vec::with_capacity(text_tf.len() + folded_tf.len());
    for (s, f) in folded_tf {
        // The same word may be both (e.g. "Outage" and "outage").
        if let Some(v) = text_tf.get_mut(s.as_str()) {
            *v += f;
            continue;
        }
        keyed.push((part_of(&s) as u8, Word::Arena(arena.len() as u32, s.len() as u32), f));
        arena.push_str(&s);
    }
    keyed.extend(text_tf.into_iter().map(|(s, f)| (part_of(s) as u8, Word::Text(s), f)));
    keyed.sort_unstable_by_key(|k| k.0);
    let mut starts = vec![0u32; PARTS + 1];
    for k in &keyed {
        starts[k.0 as usize + 1] += 1;
    }
    for p in 0..PARTS {
        starts[p + 1] += starts[p];
    }
    DocTerms { arena, terms: keyed.into_iter().map(|k| (k.1, k.2)).collect(), starts, len }
}

/// Tokenises every document (in parallel) and computes each posting's
/// BM25F impact: field-weighted term frequency, length-normalised.
pub fn build_postings<'a>(docs: &[Vec<Field<'a>>]) -> Postings {
    build_postings_chunked(docs, POSTINGS_CHUNK)
}

fn build_postings_chunked<'a>(docs: &[Vec<Field<'a>>], chunk_docs: usize) -> Postings {
    // Documents are tokenised a chunk at a time and their words added to
    // the postings of their partition, so that only one chunk's words are
    // held per document (24 bytes a word) besides the postings (8 bytes).
    let mut parts: Vec<PartPostings<'a>> = (0..PARTS).map(|_| FnvMap::default()).collect();
    let mut lens: Vec<f32> = Vec::with_capacity(docs.len());
    for (c, chunk) in docs.chunks(chunk_docs.max(1)).enumerate() {
        let first = (c * chunk_docs.max(1)) as u32;
        let per_doc: Vec<DocTerms<'a>> = chunk.par_iter().map(|f| doc_terms(f)).collect();
        lens.extend(per_doc.iter().map(|d| d.len));
        parts.par_iter_mut().enumerate().for_each(|(p, map)| {
            for (d, doc) in per_doc.iter().enumerate() {
                for &(w, f) in &doc.terms[doc.starts[p] as usize..doc.starts[p + 1] as usize] {
                    let posting = (first + d as u32, f);
                    match w {
                        Word::Text(s) => map.entry(Cow::Borrowed(s)).or_default().push(posting),
                        Word::Arena(..) => {
                            let s = doc.word(w);
                            match map.get_mut(s) {
                                Some(list) => list.push(posting),
                                None => {
                                    map.insert(Cow::Owned(s.to_string()), vec![posting]);
                                }
                            }
                        }
                    }
                }
            }
        });
    }
    let scale = Scale::new(lens.iter().copied(), docs.len());
    let norms = &scale.norms(&lens);
    let mut words: Vec<(String, Vec<(u32, u8)>)> = parts
        .into_par_iter()
        .flat_map_iter(|map| map.into_iter().map(|(w, list)| (w.into_owned(), scale.impacts(&list, norms).collect())))
        .collect();
    words.par_sort_unstable_by(|a, b| js_order(&a.0, &b.0));
    Postings { words }
}

/// The postings of one hash partition's words: (document, weighted term
/// frequency), in document order.
type PartPostings<'a> = FnvMap<Cow<'a, str>, Vec<(u32, f32)>>;

/// Documents tokenised at once by [`build_postings`].
const POSTINGS_CHUNK: usize = 4096;

/// Steps per octave of the average document length ([`Scale::new`]).
const AVG_STEPS: f32 = 64.0;

/// The numbers every impact of one index is scaled with.
#[derive(Clone, Copy, PartialEq)]
struct Scale {
    n: f32,
    avg_len: f32,
    /// The highest score BM25 can give (a word in one document only,
    /// saturated term frequency): impacts are scaled against it, so
    /// quantising needs no second pass.
    bound: f32,
}

impl Scale {
    /// `lens`: each document's length, in document order (the sum is
    /// taken in that order, so every way of building an index rounds alike).
    ///
    /// The average length is rounded to a step of 1/[`AVG_STEPS`] of an
    /// octave (about 1 %), the way Lucene keeps lengths in one byte: an
    /// edit to one document then leaves the scale, and so every other
    /// document's impacts, as they were, and serve re-encodes only the
    /// words that document holds. The rounding moves a score by under
    /// 0.5 %, less than the quantising of impacts to 63 levels does.
    fn new(lens: impl Iterator<Item = f32>, docs: usize) -> Scale {
        let n = docs.max(1) as f32;
        let avg_len = (lens.sum::<f32>() / n).max(1.0);
        let avg_len = ((avg_len.log2() * AVG_STEPS).round() / AVG_STEPS).exp2();
        let bound = (1.0 + (n - 1.0 + 0.5) / 1.5f32).ln().max(f32::MIN_POSITIVE) * (K1 + 1.0);
        Scale { n, avg_len, bound }
    }

    /// Each document's length normalisation, from its length.
    fn norms(&self, lens: &[f32]) -> Vec<f32> {
        lens.iter().map(|&len| K1 * (1.0 - B + B * len / self.avg_len)).collect()
    }

    /// One word's postings (document, weighted term frequency), in
    /// document order, with their impacts. `norms`: [`Scale::norms`].
    fn impacts<'l>(&self, list: &'l [(u32, f32)], norms: &'l [f32]) -> impl Iterator<Item = (u32, u8)> + 'l {
        let df = list.len() as f32;
        let idf = (1.0 + (self.n - df + 0.5) / (df + 0.5)).ln();
        let bound = self.bound;
        list.iter().map(move |&(d, tf)| {
            let score = idf * tf * (K1 + 1.0) / (tf + norms[d as usize]);
            (d, quantise(score / bound * 63.0))
        })
    }

    /// One word's postings with their impacts, encoded ([`encode_postings`]) onto `out`.
    fn encode(&self, list: &[(u32, f32)], norms: &[f32], out: &mut Vec<u8>) {
        out.reserve(list.len() * 2);
        push_postings(out, self.impacts(list, norms));
    }
}

/// An impact from its scaled score: `(x.round() as u8).clamp(1, 63)`,
/// without the call to `roundf` that x86-64's baseline makes of `round`
/// (a third of the index's encoding time). For `x` under 2^24 the
/// truncation and the fraction are exact, so halves round away from
/// zero as `round` does; larger, negative and NaN scores clamp alike.
fn quantise(x: f32) -> u8 {
    let t = x as u32;
    let up = (x - t as f32 >= 0.5) as u32;
    (t.saturating_add(up).min(255) as u8).clamp(1, 63)
}

/// What serve keeps of one build's index for the next, so that a save
/// tokenises only the documents whose fields changed and encodes again
/// only the words whose postings did:
/// - each document's words as ids into one vocabulary, by the digest of
///   its fields;
/// - the last build's postings per word id, patched for the documents
///   that changed when the others kept their places;
/// - each word's encoded postings, made again only when its list or the
///   index's [`Scale`] changed.
///
/// The shards are those [`shards`] cuts from [`build_postings`] (a
/// property test checks it). `build` keeps nothing.
#[derive(Default)]
pub struct IndexCache {
    /// Word → id, and id → word. Words are never forgotten: a serve
    /// session only ever sees so many.
    ids: FnvMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    /// Digest of a document's fields → its words (id, weighted term
    /// frequency) and its length.
    docs: HashMap<u64, IdTerms, BuildHasherDefault<Fnv>>,
    /// The last build's postings.
    last: Option<LastPostings>,
    /// The plain text of each incident body, by body digest
    /// ([`crate::pages::Bodies::digests`]), this build's bodies only.
    pub(super) texts: TextCache,
    /// Fragment files by the digest of what they show.
    pub(super) fragments: crate::hash::Kept<std::sync::Arc<[u8]>>,
}

/// One build's postings, by word id.
struct LastPostings {
    /// Each document's fields digest, in document order.
    digests: Vec<u64>,
    /// Each document's length, in document order.
    lens: Vec<f32>,
    scale: Scale,
    /// Per word id: (document, weighted term frequency), in document order.
    lists: Vec<Vec<(u32, f32)>>,
    /// Per word id: its postings encoded ([`encode_postings`]).
    encoded: Vec<Vec<u8>>,
    /// Every word id, in JavaScript order of the words.
    order: Vec<u32>,
    /// How many words this build encoded again.
    encoded_again: usize,
}

/// Plain texts of bodies by body digest.
pub type TextCache = HashMap<u64, std::sync::Arc<str>, BuildHasherDefault<Fnv>>;

/// One document's words by id (id, weighted term frequency), and its length.
type IdTerms = (Vec<(u32, f32)>, f32);

/// A rebuild patches the last postings when at most this share of the
/// documents changed (and the others kept their places); past it, the
/// lists are made again.
const PATCH_SHARE: usize = 16;

impl IndexCache {
    /// How many words the last build encoded again (serve's progress line).
    pub fn words_encoded_again(&self) -> usize {
        self.last.as_ref().map_or(0, |l| l.encoded_again)
    }

    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(word.into());
        self.ids.insert(word.into(), id);
        id
    }
}

/// The digest of a document's fields: equal fields, equal words.
pub fn fields_digest(fields: &[Field]) -> u64 {
    let mut h = Fnv::default();
    for f in fields {
        h.write(&f.weight.to_le_bytes());
        h.write(&(f.text.len() as u64).to_le_bytes());
        h.write(f.text.as_bytes());
    }
    h.finish()
}

/// [`shards`] of [`build_postings`], tokenising only the documents
/// `cache` does not hold and encoding again only the words whose postings
/// changed; keeps this build's documents and postings for the next.
/// `digests`: per document, a digest of its fields ([`fields_digest`], or
/// one the caller knows changes whenever they do).
pub fn shards_cached(docs: &[Vec<Field>], digests: &[u64], cache: &mut IndexCache) -> Vec<Shard> {
    let mut kept = std::mem::take(&mut cache.docs);
    let mut fresh: Vec<usize> = Vec::new();
    let mut seen: std::collections::HashSet<u64, BuildHasherDefault<Fnv>> = Default::default();
    for (d, digest) in digests.iter().enumerate() {
        if !kept.contains_key(digest) && seen.insert(*digest) {
            fresh.push(d);
        }
    }
    let terms: Vec<DocTerms> = fresh.par_iter().map(|&d| doc_terms(&docs[d])).collect();
    for (&d, t) in fresh.iter().zip(&terms) {
        let ids = t.terms.iter().map(|&(w, f)| (cache.intern(t.word(w)), f)).collect();
        kept.insert(digests[d], (ids, t.len));
    }
    drop(terms);
    let words = cache.words.len();

    // The documents that changed, when the others kept their places.
    let last = cache.last.take();
    let changed: Option<Vec<usize>> = last.as_ref().filter(|l| l.digests.len() == digests.len()).and_then(|l| {
        let changed: Vec<usize> = (0..digests.len()).filter(|&d| l.digests[d] != digests[d]).collect();
        (changed.len() <= (digests.len() / PATCH_SHARE).max(64)).then_some(changed)
    });
    let (lists, mut encoded, lens, mut order, old_scale, touched) = match (last, changed) {
        (Some(mut l), Some(changed)) => {
            let mut touched = vec![false; words];
            l.lists.resize_with(words, Vec::new);
            for &d in &changed {
                let doc = d as u32;
                for &(id, _) in &kept[&l.digests[d]].0 {
                    let list = &mut l.lists[id as usize];
                    if let Ok(at) = list.binary_search_by_key(&doc, |p| p.0) {
                        list.remove(at);
                    }
                    touched[id as usize] = true;
                }
                let (new, len) = &kept[&digests[d]];
                for &(id, tf) in new {
                    let list = &mut l.lists[id as usize];
                    match list.binary_search_by_key(&doc, |p| p.0) {
                        Ok(at) => list[at].1 = tf,
                        Err(at) => list.insert(at, (doc, tf)),
                    }
                    touched[id as usize] = true;
                }
                l.lens[d] = *len;
            }
            (l.lists, l.encoded, l.lens, l.order, Some(l.scale), Some(touched))
        }
        (last, _) => {
            let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); words];
            let mut lens = Vec::with_capacity(digests.len());
            for (d, g) in digests.iter().enumerate() {
                let (terms, len) = &kept[g];
                for &(id, tf) in terms {
                    lists[id as usize].push((d as u32, tf));
                }
                lens.push(*len);
            }
            let (encoded, order) = last.map(|l| (l.encoded, l.order)).unwrap_or_default();
            (lists, encoded, lens, order, None, None)
        }
    };
    // This build's documents only: the others are gone or changed.
    cache.docs = digests.iter().filter_map(|g| kept.remove_entry(g)).collect();

    // Words first seen now join the order: the stable sort finds the
    // sorted run of the old words and merges the new ones into it.
    if order.len() < words {
        order.extend(order.len() as u32..words as u32);
        order.sort_by(|&a, &b| js_order(&cache.words[a as usize], &cache.words[b as usize]));
    }

    let scale = Scale::new(lens.iter().copied(), digests.len());
    let norms = scale.norms(&lens);
    // Every impact depends on the scale; when it stayed, only the words
    // of changed documents can encode otherwise.
    let again = |id: usize| match (&touched, old_scale == Some(scale)) {
        (Some(t), true) => t[id],
        _ => true,
    };
    encoded.resize_with(words, Vec::new);
    let encoded_again = encoded
        .par_iter_mut()
        .zip(&lists)
        .enumerate()
        .filter(|(id, _)| again(*id))
        .map(|(_, (e, list))| {
            e.clear();
            scale.encode(list, &norms, e);
        })
        .count();
    let items: Vec<(&str, &[u8])> = order
        .iter()
        .filter(|&&id| !lists[id as usize].is_empty())
        .map(|&id| (&*cache.words[id as usize], encoded[id as usize].as_slice()))
        .collect();
    let out = cut(&items);
    drop(items);
    cache.last = Some(LastPostings { digests: digests.to_vec(), lens, scale, lists, encoded, order, encoded_again });
    out
}

/// Encodes one posting list.
pub fn encode_postings(list: &[(u32, u8)]) -> String {
    let mut out = Vec::with_capacity(list.len() * 2);
    push_postings(&mut out, list.iter().copied());
    ascii(out)
}

/// One shard: its first word and its JSON (`{"word": "postings", …}`).
pub struct Shard {
    pub first: String,
    pub json: String,
}

/// Cuts the sorted words into shards of about [`SHARD_BYTES`], a word of
/// [`SOLO_BYTES`] or more alone in its own; a word never spans two shards.
pub fn shards(postings: &Postings) -> Vec<Shard> {
    let encoded: Vec<String> = postings.words.par_iter().map(|(_, l)| encode_postings(l)).collect();
    let items: Vec<(&str, &[u8])> =
        postings.words.iter().zip(&encoded).map(|(w, e)| (w.0.as_str(), e.as_bytes())).collect();
    cut(&items)
}

/// [`shards`] from each word (sorted) and its encoded postings.
fn cut(items: &[(&str, &[u8])]) -> Vec<Shard> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut size = 0usize;
    let close = |from: usize, to: usize, out: &mut Vec<Shard>| {
        let bytes: usize = items[from..to].iter().map(|(w, e)| w.len() + e.len() + 6).sum();
        let mut json = Vec::with_capacity(bytes + 2);
        json.push(b'{');
        for (i, (word, code)) in items[from..to].iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            push_json_string(&mut json, word);
            json.extend_from_slice(b":\"");
            json.extend_from_slice(code);
            json.push(b'"');
        }
        json.push(b'}');
        out.push(Shard { first: items[from].0.to_string(), json: ascii(json) });
    };
    for (i, (word, e)) in items.iter().enumerate() {
        if e.len() >= SOLO_BYTES {
            if start < i {
                close(start, i, &mut out);
            }
            close(i, i + 1, &mut out);
            start = i + 1;
            size = 0;
            continue;
        }
        size += e.len() + word.len() + 4;
        if size >= SHARD_BYTES {
            close(start, i + 1, &mut out);
            start = i + 1;
            size = 0;
        }
    }
    if start < items.len() {
        close(start, items.len(), &mut out);
    }
    out
}

/// Appends `s` as a JSON string, as serde_json writes it.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(serde_json::to_string(s).unwrap_or_default().as_bytes());
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// One facet value: the URL parameter value, its display name and the
/// documents that have it (increasing ids).
#[derive(Debug, Clone)]
pub struct FacetValue {
    pub slug: String,
    pub name: String,
    pub docs: Vec<u32>,
}

/// A facet (severity, service, …) and its values in display order.
#[derive(Debug, Clone)]
pub struct Facet {
    pub key: &'static str,
    pub label: &'static str,
    pub values: Vec<FacetValue>,
}

#[derive(Serialize)]
pub struct ManifestFacet<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub file: String,
    /// `[slug, name, count]` per value, over the whole archive.
    pub values: Vec<(&'a str, &'a str, usize)>,
}

/// The facet's filter file: one encoded document list per value, in the
/// manifest's value order.
pub fn facet_file(f: &Facet) -> String {
    let lists: Vec<String> = f.values.iter().map(|v| encode_docs(&v.docs)).collect();
    serde_json::to_string(&lists).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let list = vec![(0, 5), (1, 63), (2, 1), (40, 7), (100_000, 2)];
        assert_eq!(decode_postings(&encode_postings(&list)), list);
        let docs = vec![3, 4, 31, 32, 33, 1000, 1_000_000];
        assert_eq!(decode_docs(&encode_docs(&docs)), docs);
        assert_eq!(encode_docs(&[0, 1, 2]), "000");
    }

    #[test]
    fn ranks_title_above_body_and_rare_above_common() {
        let docs = vec![
            vec![Field { text: "Redis outage", weight: W_TITLE }, Field { text: "the cache was slow", weight: W_BODY }],
            vec![
                Field { text: "Slow deploys", weight: W_TITLE },
                Field { text: "redis was mentioned once among many other words here", weight: W_BODY },
            ],
            vec![Field { text: "Other", weight: W_TITLE }, Field { text: "the the the", weight: W_BODY }],
        ];
        let p = build_postings(&docs);
        let get = |w: &str| p.words.iter().find(|(x, _)| x == w).map(|(_, l)| l.clone()).unwrap();
        let redis = get("redis");
        assert_eq!(redis.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1]);
        assert!(redis[0].1 > redis[1].1, "title match must outrank body match: {redis:?}");
        let the = get("the");
        assert_eq!(the[0].0, 0);
        assert!(the[0].1 < redis[0].1, "a body word must rank below a title word of the same rarity");
        // Sorted in JavaScript order, every word once.
        assert!(p.words.windows(2).all(|w| js_order(&w[0].0, &w[1].0).is_lt()));
    }

    /// A build's shards, compared by their first words and JSON.
    fn fresh_shards(docs: &[Vec<Field>]) -> Vec<(String, String)> {
        shards(&build_postings(docs)).into_iter().map(|s| (s.first, s.json)).collect()
    }

    fn cached_shards(docs: &[Vec<Field>], cache: &mut IndexCache) -> Vec<(String, String)> {
        let digests: Vec<u64> = docs.iter().map(|f| fields_digest(f)).collect();
        shards_cached(docs, &digests, cache).into_iter().map(|s| (s.first, s.json)).collect()
    }

    /// serve's cached index is the one a build makes, edit after edit:
    /// documents changed, added, removed, duplicated, and words that go
    /// out of use and come back.
    #[test]
    fn the_cached_shards_are_those_of_a_fresh_build() {
        let texts = |v: &[&'static str]| -> Vec<Vec<Field<'static>>> {
            v.iter()
                .map(|t| {
                    let (title, body) = t.split_once('|').unwrap();
                    vec![Field { text: title, weight: W_TITLE }, Field { text: body, weight: W_BODY }]
                })
                .collect()
        };
        let builds: [&[&'static str]; 6] = [
            &["Redis outage|the cache was slow, Redis déjà vu", "Deploy froze|deploys were slow", "Other|the the the"],
            // One body edited (a new word, "slow" gone from it).
            &[
                "Redis outage|the cache was slow, Redis déjà vu",
                "Deploy froze|deploys stalled on a lock",
                "Other|the the the",
            ],
            // One word for another: every length and so the scale stay.
            &[
                "Redis outage|the cache was slow, Redis déjà vu",
                "Deploy froze|deploys stalled on a latch",
                "Other|the the the",
            ],
            // A document added in the middle, one removed, one duplicated.
            &[
                "Redis outage|the cache was slow, Redis déjà vu",
                "New one|queue backlog",
                "Other|the the the",
                "Other|the the the",
            ],
            // "lock" comes back; "déjà" is gone everywhere.
            &["Redis outage|the cache was slow", "Lock|lock lock", "Other|the the the"],
            &[],
        ];
        let mut cache = IndexCache::default();
        for (n, b) in builds.iter().enumerate() {
            let docs = texts(b);
            assert_eq!(cached_shards(&docs, &mut cache), fresh_shards(&docs), "build {n}");
            assert_eq!(cache.docs.len(), b.iter().collect::<std::collections::HashSet<_>>().len(), "build {n}");
        }
    }

    /// A body edit that changes its length by a word leaves the scale as
    /// it was, so a rebuild encodes again only the words of that document
    /// (before and after the edit), not every word of the archive.
    #[test]
    fn one_edit_encodes_again_only_the_words_of_its_document() {
        let vocab = ["redis", "outage", "lock", "latch", "the", "queue", "disk", "full", "cache", "slow"];
        let mut texts: Vec<String> = (0..400)
            .map(|k| (0..(k % 13 + 20)).map(|j| vocab[(k * 7 + j * 3) % vocab.len()]).collect::<Vec<_>>().join(" "))
            .collect();
        // Words of their own, so most words are not in the edited document.
        for (k, t) in texts.iter_mut().enumerate() {
            t.push_str(&format!(" word{k}"));
        }
        let docs = |t: &[String]| -> Vec<Vec<Field<'static>>> {
            t.iter().map(|b| vec![Field { text: b.clone().leak(), weight: W_BODY }]).collect()
        };
        let mut cache = IndexCache::default();
        cached_shards(&docs(&texts), &mut cache);
        let scale = cache.last.as_ref().map(|l| l.scale);
        assert_eq!(cache.last.as_ref().map(|l| l.encoded_again), Some(cache.words.len()));
        texts[17].push_str(" fresh");
        let edited = docs(&texts);
        assert_eq!(cached_shards(&edited, &mut cache), fresh_shards(&edited));
        let last = cache.last.as_ref().unwrap();
        assert!(Some(last.scale) == scale, "one word more must leave the scale");
        // Its old and new words: the vocabulary it uses, "word17", "fresh".
        let words: std::collections::HashSet<&str> = texts[17].split(' ').collect();
        assert_eq!(last.encoded_again, words.len());
        assert!(last.encoded_again < 20 && cache.words.len() > 400);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
        /// serve's index, fed one edit after another, is what a build
        /// makes after each: edits that keep every length (the scale
        /// stays, only the edited words are encoded again), that change
        /// one, that change most documents (past the patch share), and
        /// that add or remove documents.
        #[test]
        fn the_cached_index_equals_a_fresh_one_edit_after_edit(
            count in 1usize..150,
            seed in proptest::prelude::any::<u32>(),
            edits in proptest::collection::vec((proptest::prelude::any::<usize>(), 0u8..6, 0usize..12), 1..8),
        ) {
            let vocab = ["redis", "Redis", "déjà", "vu", "outage", "lock", "latch", "the", "été", "queue", "disk", "full"];
            let doc = |k: usize| -> String {
                let (k, seed) = (k % 100_000, seed as usize % 1000);
                let n = (k * 7 + seed) % 9 + 1;
                (0..n).map(|j| vocab[(k * 5 + j * 3 + seed) % vocab.len()]).collect::<Vec<_>>().join(" ")
            };
            let mut texts: Vec<(String, String)> = (0..count).map(|k| (doc(k + 1000), doc(k))).collect();
            let mut cache = IndexCache::default();
            let fields = |t: &[(String, String)]| -> Vec<Vec<Field<'static>>> {
                t.iter()
                    .map(|(a, b)| {
                        let (a, b): (&'static str, &'static str) = (a.clone().leak(), b.clone().leak());
                        vec![Field { text: a, weight: W_TITLE }, Field { text: b, weight: W_BODY }]
                    })
                    .collect()
            };
            let docs = fields(&texts);
            proptest::prop_assert_eq!(cached_shards(&docs, &mut cache), fresh_shards(&docs));
            for (at, what, w) in edits {
                let w = vocab[w];
                let n = texts.len().max(1);
                match what {
                    // A word swapped for another: lengths stay.
                    0 if !texts.is_empty() => {
                        let b = &mut texts[at % n].1;
                        *b = match b.split_once(' ') {
                            Some((_, rest)) => format!("{w} {rest}"),
                            None => w.to_string(),
                        };
                    }
                    1 if !texts.is_empty() => texts[at % n].0.push_str(&format!(" {w}")),
                    2 => texts.insert(at % (texts.len() + 1), (w.to_string(), doc(at))),
                    3 if !texts.is_empty() => {
                        texts.remove(at % n);
                    }
                    // Most documents at once.
                    4 => texts.iter_mut().step_by(1 + at % 2).for_each(|t| t.1.push_str(&format!(" {w}"))),
                    _ => {}
                }
                let docs = fields(&texts);
                proptest::prop_assert_eq!(cached_shards(&docs, &mut cache), fresh_shards(&docs));
            }
        }

        /// The impact's rounding without `roundf` is `round`'s.
        #[test]
        fn quantise_rounds_as_round_does(x in proptest::prelude::any::<f32>(), k in 0u32..130) {
            for x in [x, k as f32 * 0.5, k as f32 * 0.5 - f32::EPSILON * k as f32, k as f32 * 0.5 + 1e-6, -x] {
                proptest::prop_assert_eq!(quantise(x), (x.round() as u8).clamp(1, 63), "{}", x);
            }
        }
    }

    #[test]
    fn postings_are_the_same_whatever_the_chunk_of_documents() {
        let words = ["Redis", "redis", "déjà", "Déjà", "vu", "outage", "Outage", "lock", "the", "ÉTÉ", "été", "queue"];
        let texts: Vec<String> = (0..61)
            .map(|d| (0..(d % 9 + 1)).map(|k| words[(d * 7 + k * 5) % words.len()]).collect::<Vec<_>>().join(" "))
            .collect();
        let docs: Vec<Vec<Field>> = texts
            .iter()
            .map(|t| {
                vec![
                    Field { text: &t[..t.find(' ').unwrap_or(t.len())], weight: W_TITLE },
                    Field { text: t, weight: W_BODY },
                ]
            })
            .collect();
        let expected = build_postings_chunked(&docs, 1).words;
        assert!(expected.iter().any(|(_, l)| l.len() > 8), "some word is in many documents");
        for chunk in [2, 7, 60, 61, POSTINGS_CHUNK] {
            assert_eq!(build_postings_chunked(&docs, chunk).words, expected, "chunks of {chunk}");
        }
        // The cached build counts postings by word id: another algorithm.
        let all = build_postings_chunked(&docs, POSTINGS_CHUNK);
        let fresh: Vec<(String, String)> = shards(&all).into_iter().map(|s| (s.first, s.json)).collect();
        assert_eq!(cached_shards(&docs, &mut IndexCache::default()), fresh);
    }

    #[test]
    fn shards_cover_every_word_once_in_order() {
        let docs: Vec<Vec<Field>> = (0..2500)
            .map(|_| {
                vec![Field { text: "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda", weight: 1.0 }]
            })
            .collect();
        let mut p = build_postings(&docs);
        for i in 0..2000 {
            p.words.push((format!("w{i:05}"), vec![(0, 1)]));
        }
        p.words.sort_by(|a, b| js_order(&a.0, &b.0));
        let s = shards(&p);
        assert!(s.len() > 1);
        let mut seen = Vec::new();
        for shard in &s {
            let m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&shard.json).unwrap();
            assert_eq!(m.keys().min().unwrap(), &shard.first);
            seen.extend(m.keys().cloned());
        }
        assert_eq!(seen.len(), p.words.len());
        assert!(s.windows(2).all(|w| w[0].first < w[1].first));
        // The eleven common words (2,500 postings here, two bytes each) are alone.
        let solo = p.words.iter().filter(|w| encode_postings(&w.1).len() >= SOLO_BYTES).count();
        assert_eq!(solo, 11);
        let alone = s
            .iter()
            .filter(|sh| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&sh.json).unwrap().len() == 1
            })
            .count();
        assert!(alone >= solo);
        for shard in &s {
            let m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&shard.json).unwrap();
            if m.len() > 1 {
                assert!(m.values().all(|v| v.as_str().unwrap().len() < SOLO_BYTES), "a common word shares a shard");
                assert!(shard.json.len() < SHARD_BYTES + SOLO_BYTES + 256, "shard of {} bytes", shard.json.len());
            }
        }
    }
}
