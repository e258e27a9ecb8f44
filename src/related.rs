//! Automatic related incidents, scored the way Hugo scores related content:
//! two incidents are related by the weighted count of the causes, services
//! and tags they share (weights, `max` and `threshold` from `[related]` in
//! rca-site.toml).
//!
//! A term carried by a large share of the archive says little about how two
//! incidents relate ("database" on every other incident), and it is also what
//! would make the computation quadratic. Like Hugo's `cardinalityThreshold`,
//! such a term carries no weight: see [`is_common`] (more than 10 % of the
//! incidents or more than 1,000 of them, once more than 20 carry it).
//!
//! The scores come from an inverted index (term → incidents that carry it):
//! for each incident, the posting lists of its own terms add their weight to
//! a per-thread accumulator. The work is the sum of the posting lists'
//! squared lengths, never a loop over all pairs of incidents.
//!
//! Terms alone miss what real archives share: free-text causes ("Replacement
//! of essential network component.") that no two incidents spell alike, and
//! the same incident filed twice. So what the incidents *say* counts too:
//! a TF-IDF cosine over title (×3), summary (×2) and body, with the search
//! tokeniser, adds up to [`TEXT_POINTS`] to the term score (see
//! [`TextIndex`]). It is computed the same way, through an inverted index:
//! each incident keeps its [`TOP_TERMS`] most distinctive words, each
//! word's posting list keeps the [`POSTING_CAP`] incidents it weighs most
//! in, and an incident is scored against the incidents its words lead to.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::RelatedConfig;
use crate::model::Incident;
use crate::model::Taxonomy;

/// A term carried by more than this share (in percent) of the incidents …
pub const COMMON_PERCENT: usize = 10;
/// … or by more than this many of them carries no weight: a term on
/// thousands of incidents cannot single out the five that relate to one, and
/// the work of scoring grows with the square of a term's incidents, so the
/// cap is what keeps a very large archive fast.
pub const COMMON_CAP: usize = 1000;
/// A term carried by this many incidents or fewer always counts, so that
/// small archives, where every shared cause matters, are fully scored.
pub const COMMON_MIN: usize = 20;

/// Whether a term carried by `count` of `total` incidents is too common to
/// relate two incidents.
pub fn is_common(count: usize, total: usize) -> bool {
    count > COMMON_MIN && (count * 100 > total * COMMON_PERCENT || count > COMMON_CAP)
}

/// One automatically related incident and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Index into the incidents the suggestions were computed for.
    pub incident: usize,
    pub score: u32,
    /// The shared, weighted terms (slugs), per taxonomy in the order
    /// causes, services, tags; taxonomies with nothing shared are left out.
    pub shared: Vec<(Taxonomy, Vec<String>)>,
    /// What the text similarity saw, when it added to the score.
    pub similar: Option<Similar>,
}

/// Which fields of two incidents read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Similar {
    TitleAndSummary,
    Title,
    Summary,
    Text,
}

impl Similar {
    pub fn words(self) -> &'static str {
        match self {
            Similar::TitleAndSummary => "similar title and summary",
            Similar::Title => "similar title",
            Similar::Summary => "similar summary",
            Similar::Text => "similar text",
        }
    }
}

impl Suggestion {
    /// "shares causes: no-monitoring, manual-deploy-steps; services: billing"
    pub fn why(&self) -> String {
        self.why_named(|_, slug| slug)
    }

    /// [`Suggestion::why`] with each term as `name` gives it (pages use the
    /// terms' names: a cause file's title, else the spelling used).
    pub fn why_named<'s>(&'s self, name: impl Fn(Taxonomy, &'s str) -> &'s str) -> String {
        let parts: Vec<String> = self
            .shared
            .iter()
            .map(|(tax, slugs)| {
                format!("{}: {}", tax.key(), slugs.iter().map(|slug| name(*tax, slug)).collect::<Vec<_>>().join(", "))
            })
            .collect();
        let similar = self.similar.map(Similar::words);
        match (parts.is_empty(), similar) {
            (true, Some(s)) => s.to_string(),
            (false, Some(s)) => format!("shares {}; {s}", parts.join("; ")),
            _ => format!("shares {}", parts.join("; ")),
        }
    }
}

/// The order reasons are given in: the strongest signal first.
const ORDER: [Taxonomy; 3] = [Taxonomy::Causes, Taxonomy::Services, Taxonomy::Tags];

fn weight(cfg: &RelatedConfig, tax: Taxonomy) -> u32 {
    match tax {
        Taxonomy::Causes => cfg.causes,
        Taxonomy::Services => cfg.services,
        Taxonomy::Tags => cfg.tags,
    }
}

/// The inverted index over the weighted, not-too-common terms.
#[derive(PartialEq)]
struct Index {
    /// Term id → its taxonomy, slug and weight.
    terms: Vec<(Taxonomy, String, u32)>,
    /// Term id → incidents carrying it, ascending.
    postings: Vec<Vec<u32>>,
    /// Incident → its scoring term ids, in `ORDER` then front-matter order.
    of_incident: Vec<Vec<u32>>,
}

impl Index {
    fn build(incidents: &[Incident], cfg: &RelatedConfig) -> Index {
        let mut ids: HashMap<(Taxonomy, &str), u32> = HashMap::new();
        let mut terms = Vec::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut of_incident: Vec<Vec<u32>> = vec![Vec::new(); incidents.len()];
        for (n, i) in incidents.iter().enumerate() {
            for tax in ORDER {
                let w = weight(cfg, tax);
                if w == 0 {
                    continue;
                }
                for t in tax.terms(i) {
                    let id = *ids.entry((tax, t.slug.as_str())).or_insert_with(|| {
                        terms.push((tax, t.slug.clone(), w));
                        postings.push(Vec::new());
                        (terms.len() - 1) as u32
                    });
                    let list = &mut postings[id as usize];
                    // A term written twice in one incident counts once.
                    if list.last() != Some(&(n as u32)) {
                        list.push(n as u32);
                        of_incident[n].push(id);
                    }
                }
            }
        }
        let total = incidents.len();
        let common: Vec<bool> = postings.iter().map(|p| is_common(p.len(), total)).collect();
        for list in &mut of_incident {
            list.retain(|&id| !common[id as usize]);
        }
        Index { terms, postings, of_incident }
    }
}

/// Points the text similarity adds at most (a cosine of 1): more than two
/// shared causes, so that incidents with the same title and summary rank
/// first.
pub const TEXT_POINTS: f32 = 10.0;
/// Below this cosine two texts are not taken to say the same thing.
pub const MIN_COSINE: f32 = 0.3;
/// Words kept per incident: its most distinctive ones.
pub const TOP_TERMS: usize = 32;
/// Incidents kept per word: those it weighs most in. Bounds the work per
/// incident however common a word is.
pub const POSTING_CAP: usize = 200;
/// Words of the body read per incident: its start says what it is about,
/// and reading more costs more than the rest of the stage.
const BODY_TOKENS: usize = 300;
/// Bytes of the body tokenised at most (about as many words).
const BODY_BYTES: usize = 2000;
/// Incidents counted at once by [`TextIndex::build_kept`].
const COUNT_CHUNK: usize = 1024;

/// Words that say nothing about what an incident is (sorted: binary search).
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before",
    "between", "but", "by", "can", "could", "did", "during", "for", "from", "had", "has", "have", "in", "into", "is",
    "it", "its", "more", "most", "no", "not", "of", "on", "one", "or", "other", "our", "out", "over", "so", "some",
    "than", "that", "the", "their", "them", "then", "there", "these", "this", "those", "to", "until", "up", "was",
    "we", "were", "what", "when", "which", "while", "who", "will", "with", "would",
];

/// TF-IDF vectors of the incidents' texts, cut to their top words, and the
/// inverted index over those words.
pub struct TextIndex {
    /// Incident → (word id, weight), the weights of the whole text
    /// normalised to length 1, cut to the [`TOP_TERMS`] heaviest words that
    /// another incident also uses.
    vectors: Vec<Vec<(u32, f32)>>,
    /// Word id → (incident, weight), heaviest first, at most [`POSTING_CAP`].
    postings: Vec<Vec<(u32, f32)>>,
    /// Incident → word ids of its title and of its summary, sorted.
    title: Vec<Vec<u32>>,
    summary: Vec<Vec<u32>>,
    /// Word id → its id in the [`Words`] table it was built from.
    global: Vec<u32>,
    /// Incident → whether its words were counted for this index (else
    /// they are those counted for the last one: [`Memo`]).
    recounted: Vec<bool>,
}

/// A word of at most 8 bytes as a number that sorts as the word does: its
/// bytes from the most significant end, zeros after (no word holds a NUL).
const fn packed(w: &[u8]) -> u64 {
    let mut v = 0u64;
    let mut k = 0;
    while k < 8 {
        v = (v << 8) | if k < w.len() { w[k] as u64 } else { 0 };
        k += 1;
    }
    v
}

/// [`STOP_WORDS`], [`packed`] (so in the same order: sorted).
const STOP_PACKED: [u64; STOP_WORDS.len()] = {
    let mut out = [0u64; STOP_WORDS.len()];
    let mut k = 0;
    while k < STOP_WORDS.len() {
        out[k] = packed(STOP_WORDS[k].as_bytes());
        k += 1;
    }
    out
};

fn is_stop_word(t: &str) -> bool {
    // Most words are longer than every stop word, or start with x, y or z, as none does.
    t.len() <= 7 && matches!(t.as_bytes()[0], b'a'..=b'w') && STOP_PACKED.binary_search(&packed(t.as_bytes())).is_ok()
}

/// The words of `text` worth comparing (no stop words, no single letters),
/// borrowed from the text where they need no folding.
fn words<'a>(text: &'a str, limit: usize, mut f: impl FnMut(Cow<'a, str>)) {
    let mut n = 0;
    crate::text::tokenize::tokens(text, |t| {
        let t = t.into_cow();
        if n >= limit || t.len() < 2 || is_stop_word(&t) {
            return;
        }
        n += 1;
        f(t);
    });
}

/// A fast hash for the word table (FxHash's mixing step): the words are
/// the archive's own text, not attacker-chosen keys worth SipHash's cost.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// One incident's words with their weighted counts (title ×3, summary ×2,
/// body ×1), sorted, and the words of its title and its summary.
struct Counted<'a> {
    tf: Vec<(Cow<'a, str>, f32)>,
    title: Vec<Cow<'a, str>>,
    summary: Vec<Cow<'a, str>>,
}

fn count(i: &Incident) -> Counted<'_> {
    let mut tf: HashMap<Cow<str>, f32, std::hash::BuildHasherDefault<WordHasher>> = HashMap::default();
    let mut title = Vec::new();
    let mut summary = Vec::new();
    words(&i.title, usize::MAX, |t| {
        title.push(t.clone());
        *tf.entry(t).or_default() += 3.0;
    });
    words(&i.summary, usize::MAX, |t| {
        summary.push(t.clone());
        *tf.entry(t).or_default() += 2.0;
    });
    // The start of the body: tokenising a long body to its end would cost
    // more than everything else here.
    words(body_start(&i.body), BODY_TOKENS, |t| *tf.entry(t).or_default() += 1.0);
    let mut tf: Vec<(Cow<str>, f32)> = tf.into_iter().collect();
    // First-seen word ids must not depend on hash order.
    tf.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Counted { tf, title, summary }
}

/// One incident's [`Counted`] words as ids of a [`Words`] table, in the
/// same (word) order.
#[derive(Debug, Clone, PartialEq)]
struct CountedIds {
    tf: Vec<(u32, f32)>,
    title: Vec<u32>,
    summary: Vec<u32>,
}

/// Ids for words, kept across builds by serve (ids are never reused).
type Words = HashMap<String, u32, std::hash::BuildHasherDefault<WordHasher>>;

fn intern(words: &mut Words, w: &str) -> u32 {
    if let Some(&id) = words.get(w) {
        return id;
    }
    let id = words.len() as u32;
    words.insert(w.to_string(), id);
    id
}

impl Counted<'_> {
    fn ids(&self, words: &mut Words) -> CountedIds {
        CountedIds {
            tf: self.tf.iter().map(|(w, n)| (intern(words, w), *n)).collect(),
            title: self.title.iter().map(|w| intern(words, w)).collect(),
            summary: self.summary.iter().map(|w| intern(words, w)).collect(),
        }
    }
}

/// The start of a body that [`count`] reads, cut at a character boundary.
fn body_start(body: &str) -> &str {
    let mut end = body.len().min(BODY_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

/// What serve keeps of one incident's counted words: the texts they were
/// counted from, compared in full before they are reused.
struct KeptCount {
    title: String,
    summary: String,
    body: String,
    ids: CountedIds,
}

impl KeptCount {
    fn is_of(&self, i: &Incident) -> bool {
        self.title == i.title && self.summary == i.summary && self.body == body_start(&i.body)
    }
}

impl TextIndex {
    pub fn build(incidents: &[Incident]) -> TextIndex {
        TextIndex::build_kept(incidents, &mut Memo::default(), false)
    }

    /// [`TextIndex::build`], counting again only the incidents whose texts
    /// are not those `memo` counted (`keep`: remember this build's counts).
    fn build_kept(incidents: &[Incident], memo: &mut Memo, keep: bool) -> TextIndex {
        // Counted in chunks, each chunk's words numbered (one thread: the
        // ids follow the incidents' order) while the next is counted: the
        // numbering overlaps the counting, and only two chunks of counted
        // words (which borrow the texts, ~5 KB an incident) exist at once.
        fn counted_of<'a>(chunk: &'a [Incident], kept: &HashMap<String, KeptCount>) -> Vec<Option<Counted<'a>>> {
            chunk
                .par_iter()
                .map(|i| match kept.get(&i.id) {
                    Some(k) if k.is_of(i) => None,
                    _ => Some(count(i)),
                })
                .collect()
        }
        let counted = &memo.counted;
        let count_chunk = |chunk| counted_of(chunk, counted);
        let words = &mut memo.words;
        let mut fresh: Vec<Option<CountedIds>> = Vec::with_capacity(incidents.len());
        let mut chunks = incidents.chunks(COUNT_CHUNK);
        let mut pending = chunks.next().map(count_chunk);
        while let Some(done) = pending.take() {
            let next = chunks.next();
            let (ids, next) = rayon::join(
                || done.into_iter().map(|c| c.map(|c| c.ids(words))).collect::<Vec<_>>(),
                || next.map(count_chunk),
            );
            fresh.extend(ids);
            pending = next;
        }
        let docs: Vec<&CountedIds> = incidents
            .iter()
            .zip(&fresh)
            .map(|(i, f)| match f {
                Some(ids) => ids,
                None => &memo.counted[&i.id].ids,
            })
            .collect();
        let mut text = TextIndex::of_counted(&docs, memo.words.len(), incidents.len());
        text.recounted = fresh.iter().map(Option::is_some).collect();
        if keep {
            for (i, f) in incidents.iter().zip(fresh) {
                if let Some(ids) = f {
                    let kept = KeptCount {
                        title: i.title.clone(),
                        summary: i.summary.clone(),
                        body: body_start(&i.body).to_string(),
                        ids,
                    };
                    memo.counted.insert(i.id.clone(), kept);
                }
            }
            if memo.counted.len() > incidents.len() {
                let present: std::collections::HashSet<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
                memo.counted.retain(|id, _| present.contains(id.as_str()));
            }
        }
        text
    }

    /// The index over counted incidents (`words`: ids below this).
    fn of_counted(docs: &[&CountedIds], words: usize, incidents: usize) -> TextIndex {
        // One id per word, in first-seen order; document frequencies.
        let mut local: Vec<u32> = vec![u32::MAX; words];
        let mut global: Vec<u32> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let with_ids: Vec<Vec<(u32, f32)>> = docs
            .iter()
            .map(|c| {
                c.tf.iter()
                    .map(|&(g, n)| {
                        let id = &mut local[g as usize];
                        if *id == u32::MAX {
                            *id = global.len() as u32;
                            global.push(g);
                            df.push(0);
                        }
                        df[*id as usize] += 1;
                        (*id, n)
                    })
                    .collect()
            })
            .collect();
        let n = incidents.max(1) as f32;
        let id_list = |words: &[u32]| -> Vec<u32> {
            let mut v: Vec<u32> = words.iter().map(|&g| local[g as usize]).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let title: Vec<Vec<u32>> = docs.iter().map(|c| id_list(&c.title)).collect();
        let summary: Vec<Vec<u32>> = docs.iter().map(|c| id_list(&c.summary)).collect();
        let vectors: Vec<Vec<(u32, f32)>> = with_ids
            .into_par_iter()
            .map(|tf| {
                let mut v: Vec<(u32, f32)> = tf
                    .into_iter()
                    .map(|(id, c)| (id, (1.0 + c.ln()) * (n / df[id as usize] as f32).ln().max(0.0)))
                    .collect();
                let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm == 0.0 {
                    return Vec::new();
                }
                // Only words another incident uses can relate two incidents.
                v.retain(|&(id, w)| df[id as usize] > 1 && w > 0.0);
                if v.len() > TOP_TERMS {
                    v.select_nth_unstable_by(TOP_TERMS - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    v.truncate(TOP_TERMS);
                }
                for x in &mut v {
                    x.1 /= norm;
                }
                v
            })
            .collect();
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); df.len()];
        for (m, v) in vectors.iter().enumerate() {
            for &(id, w) in v {
                postings[id as usize].push((m as u32, w));
            }
        }
        postings.par_iter_mut().for_each(|p| {
            if p.len() > POSTING_CAP {
                p.select_nth_unstable_by(POSTING_CAP - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                p.truncate(POSTING_CAP);
            }
        });
        TextIndex { vectors, postings, title, summary, global, recounted: Vec::new() }
    }

    /// Which fields of `n` and `m` read alike (shared words over all words).
    fn similar(&self, n: usize, m: usize) -> Similar {
        fn overlap(a: &[u32], b: &[u32]) -> f32 {
            if a.is_empty() || b.is_empty() {
                return 0.0;
            }
            let shared = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            shared as f32 / (a.len() + b.len() - shared) as f32
        }
        let title = overlap(&self.title[n], &self.title[m]) >= 0.5;
        let summary = overlap(&self.summary[n], &self.summary[m]) >= 0.4;
        match (title, summary) {
            (true, true) => Similar::TitleAndSummary,
            (true, false) => Similar::Title,
            (false, true) => Similar::Summary,
            (false, false) => Similar::Text,
        }
    }
}

/// Per-thread scratch space: per incident, the points of the shared terms
/// and the text cosine (side by side: one cache line for both), and the
/// incidents touched.
struct Scratch {
    slots: Vec<(u32, f32)>,
    touched: Vec<u32>,
}

/// Everything the similarity stage finds, parallel to the incidents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Automatic related incidents, best first (see [`compute`]).
    pub suggestions: Vec<Vec<Suggestion>>,
    /// Earlier incidents (later in the newest-first list) whose text reads
    /// most like this one's, best first, at most five: what "has this
    /// happened before?" shows when no other incident shares a cause.
    pub earlier_by_text: Vec<Vec<usize>>,
}

/// How many incidents [`Found::earlier_by_text`] keeps.
pub const EARLIER_BY_TEXT: usize = 5;

/// The automatic related incidents of every incident, best first: at most
/// `cfg.max`, each scoring at least `cfg.threshold` (and above zero). An
/// incident never suggests itself nor one in `explicit(n)` (those are listed
/// on their own). Ties go to the incident earlier in `incidents` (the archive
/// keeps them newest first), so the result never depends on thread timing.
pub fn compute<'e>(
    incidents: &[Incident],
    explicit: impl Fn(usize) -> &'e [usize] + Sync,
    cfg: &RelatedConfig,
) -> Vec<Vec<Suggestion>> {
    compute_all(incidents, explicit, cfg).suggestions
}

/// [`compute`], and the earlier incidents most alike in text.
pub fn compute_all<'e>(
    incidents: &[Incident],
    explicit: impl Fn(usize) -> &'e [usize] + Sync,
    cfg: &RelatedConfig,
) -> Found {
    compute_kept(incidents, explicit, cfg, None)
}

/// What the similarity stage keeps from one build for the next (serve):
/// the words it counted, and what it found. A build that reads the same
/// incidents scores again only those whose result can differ; the result
/// is the one [`compute_all`] finds.
#[derive(Default)]
pub struct Memo {
    words: Words,
    /// Counted words by incident id.
    counted: HashMap<String, KeptCount>,
    last: Option<Last>,
    /// How many incidents the last build scored (the others were kept).
    pub scored: usize,
    /// The near duplicates among the shown incidents, with their input's
    /// digest ([`near_duplicates_kept`]).
    pub duplicates: Option<(u64, Vec<Vec<usize>>)>,
}

/// The inputs and the result of the last build.
struct Last {
    ids: Vec<String>,
    cfg: RelatedConfig,
    index: Index,
    explicit: Vec<Vec<usize>>,
    text: TextIndex,
    found: Found,
    /// The cosine of each of `found.earlier_by_text`.
    earlier_cos: Vec<Vec<f32>>,
}

/// [`compute_all`], with what `memo` kept from the last build (serve).
pub fn compute_kept<'e>(
    incidents: &[Incident],
    explicit: impl Fn(usize) -> &'e [usize] + Sync,
    cfg: &RelatedConfig,
    memo: Option<&mut Memo>,
) -> Found {
    let n_total = incidents.len();
    if cfg.max == 0 {
        if let Some(m) = memo {
            m.last = None;
            m.scored = 0;
        }
        return Found { suggestions: vec![Vec::new(); n_total], earlier_by_text: vec![Vec::new(); n_total] };
    }
    let mut fresh = Memo::default();
    let keep = memo.is_some();
    let memo = memo.unwrap_or(&mut fresh);
    let (index, text) = rayon::join(|| Index::build(incidents, cfg), || TextIndex::build_kept(incidents, memo, keep));
    let last = memo.last.take();
    let explicit_now: Vec<Vec<usize>> =
        if keep { (0..n_total).map(|n| explicit(n).to_vec()).collect() } else { Vec::new() };
    let plan: Option<Plan> = last.as_ref().and_then(|last| {
        let same = last.cfg == *cfg
            && last.index == index
            && last.explicit == explicit_now
            && last.ids.len() == n_total
            && incidents.iter().zip(&last.ids).all(|(i, id)| i.id == *id);
        same.then(|| plan(&last.text, &text, &last.found, memo.words.len()))
    });
    let scratch = || Scratch { slots: vec![(0, 0.0); n_total], touched: Vec::new() };
    let score = |n: usize, s: &mut Scratch| score_one(n, &index, &text, &explicit, cfg, s);
    let (found, cos): (Found, Vec<Vec<f32>>) = match (plan, last) {
        (Some(plan), Some(last)) => {
            let Last { found: Found { suggestions, earlier_by_text }, earlier_cos, .. } = last;
            let scored = std::sync::atomic::AtomicUsize::new(0);
            let lists: Vec<Scored> = suggestions
                .into_par_iter()
                .zip(earlier_by_text)
                .zip(earlier_cos)
                .zip(plan.again)
                .enumerate()
                .map_init(scratch, |s, (n, (((sug, earlier), cos), again))| {
                    let kept = (sug, earlier, cos);
                    let result = match again {
                        Again::No => return kept,
                        Again::Changed => None,
                        Again::Pairs => delta(n, &index, &text, &explicit, cfg, &plan.changed, kept),
                    };
                    result.unwrap_or_else(|| {
                        scored.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        score(n, s)
                    })
                })
                .collect();
            memo.scored = scored.into_inner();
            split(lists)
        }
        _ => {
            memo.scored = n_total;
            split((0..n_total).into_par_iter().map_init(scratch, |s, n| score(n, s)).collect())
        }
    };
    if keep {
        memo.last = Some(Last {
            ids: incidents.iter().map(|i| i.id.clone()).collect(),
            cfg: cfg.clone(),
            index,
            explicit: explicit_now,
            text,
            found: found.clone(),
            earlier_cos: cos,
        });
    }
    found
}

/// One incident's scored lists: its suggestions, the earlier incidents most
/// alike in text, and the cosine of each of those.
type Scored = (Vec<Suggestion>, Vec<usize>, Vec<f32>);

/// Splits the incidents' scored lists into what the stage found and the
/// cosines kept for the next build.
fn split(scored: Vec<Scored>) -> (Found, Vec<Vec<f32>>) {
    let mut found = Found::default();
    let mut cos = Vec::with_capacity(scored.len());
    for (sug, earlier, c) in scored {
        found.suggestions.push(sug);
        found.earlier_by_text.push(earlier);
        cos.push(c);
    }
    (found, cos)
}

/// The points a text cosine adds to a pair's score.
fn text_points(cos: f32) -> u32 {
    if cos >= MIN_COSINE {
        (cos.min(1.0) * TEXT_POINTS).round() as u32
    } else {
        0
    }
}

/// The order of suggestions, by (score, incident): highest score first,
/// ties to the incident earlier in the archive.
fn by_rank(a: (u32, u32), b: (u32, u32)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The order of "earlier by text", by (cosine, incident).
fn by_cos(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The suggestion of `m` for `n`, with its reasons (`tp`: the points
/// its text added).
fn suggested(index: &Index, text: &TextIndex, n: usize, m: usize, score: u32, tp: u32) -> Suggestion {
    let mut s = suggestion(index, n, m, score);
    s.similar = (tp > 0).then(|| text.similar(n, m));
    s
}

/// What one incident's result needs in a build that kept the last one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Again {
    /// Nothing it reads changed: the last result.
    No,
    /// Its own words changed: scored again.
    Changed,
    /// Only its scores with the incidents in [`Plan::changed`] can differ.
    Pairs,
}

/// Which incidents to score again, and how (see [`plan`]).
struct Plan {
    again: Vec<Again>,
    /// The incidents whose places in posting lists changed, ascending, each
    /// with its weight in every posting list (by word id) that holds it.
    changed: Vec<(usize, HashMap<u32, f32>)>,
}

/// Which incidents' results can differ between the text index `old` (that
/// found `found`) and `new`, built over the same incidents in the same
/// order with the same terms; `words`: the size of their word table.
/// An incident's text scores are the sum, over the words of its vector in
/// order, of its weight times the weights in their posting lists: they are
/// the same while its vector is and those lists hold the same incidents
/// with the same weights; when only some incidents' places in those lists
/// changed, only its scores with those incidents did. The reason given for
/// a pair also reads the words of both titles and summaries.
fn plan(old: &TextIndex, new: &TextIndex, found: &Found, words: usize) -> Plan {
    let n_total = new.vectors.len();
    // The same words with the same weights in the same order (no copies).
    let same_vector = |n: usize| {
        let (a, b) = (&old.vectors[n], &new.vectors[n]);
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| old.global[x.0 as usize] == new.global[y.0 as usize] && x.1.to_bits() == y.1.to_bits())
    };
    let sorted = |t: &TextIndex, ids: &[u32]| -> Vec<u32> {
        let mut v: Vec<u32> = ids.iter().map(|&id| t.global[id as usize]).collect();
        v.sort_unstable();
        v
    };
    let changed_vector: Vec<bool> = (0..n_total).into_par_iter().map(|n| !same_vector(n)).collect();
    // Words whose posting list may have changed: those of changed vectors.
    let local = |t: &TextIndex| {
        let mut l = vec![u32::MAX; words];
        for (id, &g) in t.global.iter().enumerate() {
            l[g as usize] = id as u32;
        }
        l
    };
    let (old_local, new_local) = (local(old), local(new));
    let mut candidates: Vec<u32> = Vec::new();
    for n in (0..n_total).filter(|&n| changed_vector[n]) {
        candidates.extend(old.vectors[n].iter().map(|&(id, _)| old.global[id as usize]));
        candidates.extend(new.vectors[n].iter().map(|&(id, _)| new.global[id as usize]));
    }
    candidates.sort_unstable();
    candidates.dedup();
    let posting = |t: &TextIndex, local: &[u32], g: u32| -> Vec<(u32, u32)> {
        let id = local[g as usize];
        let mut p: Vec<(u32, u32)> = match t.postings.get(id as usize) {
            Some(p) => p.iter().map(|&(m, w)| (m, w.to_bits())).collect(),
            None => Vec::new(),
        };
        p.sort_unstable();
        p
    };
    // Words (new ids) whose posting lists changed, and the incidents whose entries did.
    let mut moved = vec![false; new.global.len()];
    let mut changed: Vec<usize> = Vec::new();
    for g in candidates {
        let (a, b) = (posting(old, &old_local, g), posting(new, &new_local, g));
        if a == b {
            continue;
        }
        if let Some(&id) = new_local.get(g as usize).filter(|&&id| id != u32::MAX) {
            moved[id as usize] = true;
        }
        changed.extend(
            a.iter().filter(|x| !b.contains(x)).chain(b.iter().filter(|x| !a.contains(x))).map(|x| x.0 as usize),
        );
    }
    changed.sort_unstable();
    changed.dedup();
    let changed: Vec<(usize, HashMap<u32, f32>)> = changed
        .into_iter()
        .map(|m| {
            let weights = new.vectors[m]
                .iter()
                .filter(|&&(t, _)| new.postings[t as usize].iter().any(|&(x, _)| x as usize == m))
                .copied()
                .collect();
            (m, weights)
        })
        .collect();
    // Incidents whose titles or summaries read otherwise: only those whose
    // words were counted again can.
    let retitled: Vec<bool> = (0..n_total)
        .map(|n| {
            new.recounted[n]
                && (sorted(old, &old.title[n]) != sorted(new, &new.title[n])
                    || sorted(old, &old.summary[n]) != sorted(new, &new.summary[n]))
        })
        .collect();
    let again = (0..n_total)
        .map(|n| {
            if changed_vector[n]
                || retitled[n]
                || found.suggestions[n].iter().any(|s| s.similar.is_some() && retitled[s.incident])
            {
                Again::Changed
            } else if new.vectors[n].iter().any(|&(id, _)| moved[id as usize]) {
                Again::Pairs
            } else {
                Again::No
            }
        })
        .collect();
    Plan { again, changed }
}

/// Incident `n`'s result when only its scores with the `changed` incidents
/// can differ from its last result `kept`: those scores computed again and
/// merged in. `None` when the merged lists cannot be known to be the ones a
/// full scoring finds: a list was full and one of its places now goes to
/// an incident that ranks below the last it held, where one never seen
/// (not kept) might rank higher.
fn delta<'e>(
    n: usize,
    index: &Index,
    text: &TextIndex,
    explicit: &(impl Fn(usize) -> &'e [usize] + Sync),
    cfg: &RelatedConfig,
    changed: &[(usize, HashMap<u32, f32>)],
    kept: Scored,
) -> Option<Scored> {
    let (old_sug, old_earlier, old_cos) = kept;
    let threshold = cfg.threshold.max(1);
    let skip = explicit(n);
    let is_changed = |m: usize| changed.binary_search_by_key(&m, |c| c.0).is_ok();
    let sug_bound = (old_sug.len() >= cfg.max).then(|| old_sug.last().map(|s| (s.score, s.incident as u32))).flatten();
    let cos_bound = (old_earlier.len() >= EARLIER_BY_TEXT)
        .then(|| old_earlier.last().zip(old_cos.last()).map(|(&m, &c)| (c, m as u32)))
        .flatten();
    let mut best: Vec<((u32, u32), Option<Suggestion>, u32)> = old_sug
        .into_iter()
        .filter(|s| !is_changed(s.incident))
        .map(|s| ((s.score, s.incident as u32), Some(s), 0))
        .collect();
    let mut earlier: Vec<(f32, u32)> =
        old_earlier.into_iter().zip(old_cos).filter(|(m, _)| !is_changed(*m)).map(|(m, c)| (c, m as u32)).collect();
    for (m, weights) in changed {
        let m = *m;
        if m == n {
            continue;
        }
        // As score_one adds them up: in the order of n's words.
        let mut cos = 0.0f32;
        for &(t, w) in &text.vectors[n] {
            if let Some(&wm) = weights.get(&t) {
                cos += w * wm;
            }
        }
        let terms: u32 = index.of_incident[n]
            .iter()
            .filter(|t| index.of_incident[m].contains(t))
            .map(|&t| index.terms[t as usize].2)
            .sum();
        let tp = text_points(cos);
        if terms + tp >= threshold && !skip.contains(&m) {
            best.push(((terms + tp, m as u32), None, tp));
        }
        if cos >= MIN_COSINE && m > n {
            earlier.push((cos, m as u32));
        }
    }
    best.sort_unstable_by(|a, b| by_rank(a.0, b.0));
    earlier.sort_unstable_by(by_cos);
    if let Some(bound) = sug_bound {
        if best.len() < cfg.max || best[..cfg.max].iter().any(|b| by_rank(b.0, bound).is_gt()) {
            return None;
        }
    }
    if let Some(bound) = cos_bound {
        if earlier.len() < EARLIER_BY_TEXT || earlier[..EARLIER_BY_TEXT].iter().any(|e| by_cos(e, &bound).is_gt()) {
            return None;
        }
    }
    best.truncate(cfg.max);
    earlier.truncate(EARLIER_BY_TEXT);
    let suggestions = best
        .into_iter()
        .map(|((score, m), kept, tp)| kept.unwrap_or_else(|| suggested(index, text, n, m as usize, score, tp)))
        .collect();
    let (cos, earlier): (Vec<f32>, Vec<usize>) = earlier.into_iter().map(|(c, m)| (c, m as usize)).unzip();
    Some((suggestions, earlier, cos))
}

/// The automatic related incidents and the earlier incidents most alike in
/// text of incident `n`.
fn score_one<'e>(
    n: usize,
    index: &Index,
    text: &TextIndex,
    explicit: &(impl Fn(usize) -> &'e [usize] + Sync),
    cfg: &RelatedConfig,
    s: &mut Scratch,
) -> Scored {
    let threshold = cfg.threshold.max(1);
    for &t in &index.of_incident[n] {
        let w = index.terms[t as usize].2;
        for &m in &index.postings[t as usize] {
            let slot = &mut s.slots[m as usize];
            if *slot == (0, 0.0) {
                s.touched.push(m);
            }
            slot.0 += w;
        }
    }
    for &(t, w) in &text.vectors[n] {
        for &(m, wm) in &text.postings[t as usize] {
            let slot = &mut s.slots[m as usize];
            if *slot == (0, 0.0) {
                s.touched.push(m);
            }
            slot.1 += w * wm;
        }
    }
    let skip = explicit(n);
    let mut best: Vec<(u32, u32, u32)> = Vec::new();
    let mut earlier: Vec<(f32, u32)> = Vec::new();
    for &m in &s.touched {
        if m as usize == n {
            continue;
        }
        let (terms, cos) = s.slots[m as usize];
        let tp = text_points(cos);
        if terms + tp >= threshold && !skip.contains(&(m as usize)) {
            best.push((terms + tp, m, tp));
        }
        if cos >= MIN_COSINE && m as usize > n {
            earlier.push((cos, m));
        }
    }
    for &m in &s.touched {
        s.slots[m as usize] = (0, 0.0);
    }
    s.touched.clear();
    let rank = |a: &(u32, u32, u32), b: &(u32, u32, u32)| by_rank((a.0, a.1), (b.0, b.1));
    if best.len() > cfg.max {
        best.select_nth_unstable_by(cfg.max - 1, rank);
        best.truncate(cfg.max);
    }
    best.sort_unstable_by(rank);
    earlier.sort_unstable_by(by_cos);
    earlier.truncate(EARLIER_BY_TEXT);
    let suggestions: Vec<Suggestion> =
        best.into_iter().map(|(score, m, tp)| suggested(index, text, n, m as usize, score, tp)).collect();
    let (cos, earlier): (Vec<f32>, Vec<usize>) = earlier.into_iter().map(|(c, m)| (c, m as usize)).unzip();
    (suggestions, earlier, cos)
}

/// Names the shared terms of a chosen pair (both term lists are short).
fn suggestion(index: &Index, n: usize, m: usize, score: u32) -> Suggestion {
    let theirs = &index.of_incident[m];
    let mut shared: Vec<(Taxonomy, Vec<String>)> = Vec::new();
    for &t in &index.of_incident[n] {
        if !theirs.contains(&t) {
            continue;
        }
        let (tax, slug, _) = &index.terms[t as usize];
        match shared.last_mut() {
            Some((last, slugs)) if last == tax => slugs.push(slug.clone()),
            _ => shared.push((*tax, vec![slug.clone()])),
        }
    }
    Suggestion { incident: m, score, shared, similar: None }
}

/// Summaries (or, when both have none, titles) this alike, on the same
/// date, make two incidents possibly one filed twice.
pub const DUPLICATE_OVERLAP: f32 = 0.8;
/// Same-date incidents compared pairwise at most; a larger day (an archive
/// that dates many incidents alike) compares each with its neighbours in
/// summary order only.
const DAY_PAIRWISE: usize = 64;

/// The words of a summary for comparing: every token, stop words too.
/// The text two incidents are compared by for near duplicates: the
/// summary, or the title when there is none.
pub fn duplicate_text(i: &Incident) -> &str {
    if i.summary.trim().is_empty() {
        &i.title
    } else {
        &i.summary
    }
}

fn summary_words(i: &Incident) -> Vec<Cow<'_, str>> {
    let text = duplicate_text(i);
    let mut v = Vec::new();
    crate::text::tokenize::tokens(text, |t| v.push(t.into_cow()));
    v.sort_unstable();
    v.dedup();
    v
}

/// Shared words over all words of two sorted, deduplicated word lists.
fn overlap(a: &[Cow<str>], b: &[Cow<str>]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    // One walk through both lists.
    let (mut x, mut y, mut shared) = (0, 0, 0);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                x += 1;
                y += 1;
            }
        }
    }
    shared as f32 / (a.len() + b.len() - shared) as f32
}

/// Per incident, the others that may be the same incident filed twice: the
/// same date, and nearly the same summary (or title, when neither has a
/// summary). Grouping by date keeps it linear.
pub fn near_duplicates(incidents: &[Incident]) -> Vec<Vec<usize>> {
    let mut by_day: HashMap<jiff::civil::Date, Vec<usize>> = HashMap::new();
    for (n, i) in incidents.iter().enumerate() {
        by_day.entry(i.date).or_default().push(n);
    }
    // Days are compared independently, in parallel; pairs come back in any order.
    let days: Vec<&Vec<usize>> = by_day.values().filter(|d| d.len() >= 2).collect();
    let pairs: Vec<(usize, usize)> = days
        .par_iter()
        .flat_map_iter(|day| {
            let mut w: Vec<(Vec<Cow<str>>, usize)> = day.iter().map(|&n| (summary_words(&incidents[n]), n)).collect();
            let window = if w.len() <= DAY_PAIRWISE {
                w.len()
            } else {
                w.sort();
                8
            };
            let mut found = Vec::new();
            for a in 0..w.len() {
                for b in a + 1..w.len().min(a + window + 1) {
                    if overlap(&w[a].0, &w[b].0) >= DUPLICATE_OVERLAP {
                        found.push((w[a].1, w[b].1));
                    }
                }
            }
            found
        })
        .collect();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); incidents.len()];
    for (x, y) in pairs {
        out[x].push(y);
        out[y].push(x);
    }
    for v in &mut out {
        v.sort_unstable();
        v.dedup();
    }
    out
}

/// A digest of what [`near_duplicates`] compares: each incident's file,
/// date and summary (its title when it has none).
pub fn duplicates_input(all: &[Incident]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::FxHasher::default();
    for i in all {
        (&i.source_path, i.date, duplicate_text(i)).hash(&mut h);
    }
    h.finish()
}

/// [`near_duplicates`] of `all`, taken from `memo` when it was found for
/// the same input (serve), and kept there.
pub fn near_duplicates_kept(all: &[Incident], memo: &mut Option<(u64, Vec<Vec<usize>>)>) -> Vec<Vec<usize>> {
    let key = duplicates_input(all);
    match memo {
        Some((k, found)) if *k == key => found.clone(),
        _ => {
            let found = near_duplicates(all);
            *memo = Some((key, found.clone()));
            found
        }
    }
}

/// Warns, once per pair, about incidents that may be one filed twice.
pub fn check_near_duplicates(all: &[Incident], diags: &mut crate::diagnostics::Diagnostics) {
    warn_near_duplicates(all, &near_duplicates(all), diags);
}

/// Warns, once per pair, about the `pairs` ([`near_duplicates`] of `all`).
pub fn warn_near_duplicates(all: &[Incident], pairs: &[Vec<usize>], diags: &mut crate::diagnostics::Diagnostics) {
    for (n, others) in pairs.iter().enumerate() {
        for &m in others {
            let (a, b) = (&all[n], &all[m]);
            if a.source_path < b.source_path {
                diags.warning(
                    &a.source_path,
                    a.summary_pos,
                    format!(
                        "possibly the same incident as {} ({:?}): same date and nearly the same summary; merge the two files, or say in each summary how they differ",
                        b.source_path, b.title
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::diagnostics::Pos;
    use crate::model::Term;

    fn terms(names: &[&str]) -> Vec<Term> {
        names.iter().map(|n| Term { name: n.to_string(), slug: n.to_string(), pos: Pos::START }).collect()
    }

    pub(crate) fn incident(id: &str, causes: &[&str], services: &[&str], tags: &[&str]) -> Incident {
        Incident {
            id: id.into(),
            source_path: format!("content/incidents/{id}.md"),
            title: id.into(),
            date: jiff::civil::date(2024, 1, 1),
            services: terms(services),
            tags: terms(tags),
            causes: terms(causes),
            body_line: 1,
            ..Incident::default()
        }
    }

    fn none(_: usize) -> &'static [usize] {
        &[]
    }

    #[test]
    fn weighted_overlap_ranks_and_explains() {
        let cfg = RelatedConfig::default(); // causes 3, services 2, tags 1, threshold 3, max 5
        let all = vec![
            incident("a", &["no-monitoring", "manual-deploy-steps"], &["billing"], &["dns"]),
            incident("b", &["no-monitoring", "manual-deploy-steps"], &[], &[]), // 6
            incident("c", &[], &["billing"], &["dns"]),                         // 3
            incident("d", &[], &["billing"], &[]),                              // 2 < threshold
            incident("e", &[], &[], &[]),
        ];
        let r = compute(&all, none, &cfg);
        let a: Vec<(usize, u32)> = r[0].iter().map(|s| (s.incident, s.score)).collect();
        assert_eq!(a, [(1, 6), (2, 3)]);
        assert_eq!(r[0][0].why(), "shares causes: no-monitoring, manual-deploy-steps");
        assert_eq!(r[0][1].why(), "shares services: billing; tags: dns");
        assert!(r[4].is_empty(), "nothing shared, nothing suggested");
        assert!(r.iter().enumerate().all(|(n, s)| s.iter().all(|x| x.incident != n)), "never itself");
    }

    #[test]
    fn explicit_related_max_and_ties() {
        let cfg = RelatedConfig { max: 2, ..RelatedConfig::default() };
        let all: Vec<Incident> = (0..5).map(|k| incident(&format!("i{k}"), &["shared"], &[], &[])).collect();
        let explicit = |n: usize| -> &'static [usize] {
            if n == 0 {
                &[1]
            } else {
                &[]
            }
        };
        let r = compute(&all, explicit, &cfg);
        // Equal scores: the earlier incidents win, the explicit one is skipped.
        assert_eq!(r[0].iter().map(|s| s.incident).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(r[4].iter().map(|s| s.incident).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(compute(&all, explicit, &cfg), r, "deterministic");
    }

    #[test]
    fn common_terms_carry_no_weight() {
        assert!(!is_common(20, 50), "small archives: every shared term counts");
        assert!(!is_common(100, 1000));
        assert!(is_common(101, 1000));
        assert!(is_common(21, 100));
        assert!(!is_common(1000, 100_000));
        assert!(is_common(1001, 100_000), "capped in very large archives");
        // 200 incidents: "database" on 30 of them (15 %) is common, "dns"
        // on 2 is not.
        let mut all: Vec<Incident> = (0..200).map(|k| incident(&format!("i{k}"), &[], &[], &[])).collect();
        for i in all.iter_mut().take(30) {
            i.causes = terms(&["database"]);
        }
        all[0].tags = terms(&["dns"]);
        all[1].tags = terms(&["dns"]);
        all[1].services = terms(&["api"]);
        all[0].services = terms(&["api"]);
        let r = compute(&all, none, &RelatedConfig::default());
        assert_eq!(r[0].len(), 1, "{:?}", r[0]);
        assert_eq!(r[0][0].incident, 1);
        assert_eq!(r[0][0].score, 3, "services 2 + tags 1; the common cause adds nothing");
        assert_eq!(r[0][0].why(), "shares services: api; tags: dns");
        assert!(r[5].is_empty(), "sharing only a common cause relates nothing");
    }

    /// Scores every pair: the reference the indexed search must match.
    fn brute_force(all: &[Incident], explicit: &[Vec<usize>], cfg: &RelatedConfig) -> Vec<Vec<(usize, u32)>> {
        let total = all.len();
        let mut counts: HashMap<(Taxonomy, &str), usize> = HashMap::new();
        for i in all {
            for tax in ORDER {
                for t in tax.terms(i) {
                    *counts.entry((tax, t.slug.as_str())).or_default() += 1;
                }
            }
        }
        let count = |tax: Taxonomy, slug: &str| counts[&(tax, slug)];
        (0..total)
            .map(|n| {
                let mut v: Vec<(usize, u32)> = (0..total)
                    .filter(|&m| m != n && !explicit[n].contains(&m))
                    .map(|m| {
                        let score = ORDER
                            .iter()
                            .flat_map(|&tax| tax.terms(&all[n]).iter().map(move |t| (tax, t)))
                            .filter(|(tax, t)| {
                                tax.terms(&all[m]).iter().any(|u| u.slug == t.slug)
                                    && !is_common(count(*tax, &t.slug), total)
                            })
                            .map(|(tax, _)| weight(cfg, tax))
                            .sum();
                        (m, score)
                    })
                    .filter(|&(_, score)| score >= cfg.threshold.max(1))
                    .collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                v.truncate(cfg.max);
                v
            })
            .collect()
    }

    #[test]
    fn indexed_search_equals_scoring_every_pair() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for (size, cfg) in [
            (60, RelatedConfig::default()),
            (300, RelatedConfig::default()),
            (300, RelatedConfig { max: 3, causes: 4, services: 1, tags: 2, threshold: 2 }),
            (200, RelatedConfig { max: 10, threshold: 1, ..RelatedConfig::default() }),
        ] {
            let pick = |next: &mut dyn FnMut(usize) -> usize, prefix: &str, pool: usize, most: usize| -> Vec<String> {
                let mut v: Vec<String> =
                    (0..1 + next(most)).map(|_| format!("{prefix}{}", next(pool).min(next(pool)))).collect();
                v.sort();
                v.dedup();
                v
            };
            let all: Vec<Incident> = (0..size)
                .map(|k| {
                    let c = pick(&mut next, "c", 12, 3);
                    let s = pick(&mut next, "s", 8, 3);
                    let t = pick(&mut next, "t", 10, 4);
                    fn r(v: &[String]) -> Vec<&str> {
                        v.iter().map(String::as_str).collect()
                    }
                    incident(&format!("i{k}"), &r(&c), &r(&s), &r(&t))
                })
                .collect();
            let explicit: Vec<Vec<usize>> =
                (0..size).map(|_| if next(5) == 0 { vec![next(size)] } else { vec![] }).collect();
            let got: Vec<Vec<(usize, u32)>> = compute(&all, |n| explicit[n].as_slice(), &cfg)
                .iter()
                .map(|v| v.iter().map(|s| (s.incident, s.score)).collect())
                .collect();
            assert_eq!(got, brute_force(&all, &explicit, &cfg), "size {size}, {cfg:?}");
        }
    }

    #[test]
    fn zero_weight_and_zero_max() {
        let all = vec![incident("a", &["x"], &[], &[]), incident("b", &["x"], &[], &[])];
        let cfg = RelatedConfig { causes: 0, ..RelatedConfig::default() };
        assert!(compute(&all, none, &cfg).iter().all(Vec::is_empty));
        let cfg = RelatedConfig { max: 0, ..RelatedConfig::default() };
        assert!(compute(&all, none, &cfg).iter().all(Vec::is_empty));
        let cfg = RelatedConfig { threshold: 0, tags: 1, ..RelatedConfig::default() };
        let all = vec![incident("a", &[], &[], &["t"]), incident("b", &[], &[], &[])];
        assert!(compute(&all, none, &cfg).iter().all(Vec::is_empty), "score 0 is never related");
    }

    #[test]
    fn stop_words_are_sorted_and_short() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS.iter().all(|w| w.len() <= 7));
        assert!(is_stop_word("the") && !is_stop_word("kubernetes"));
        // Every stop word is found, and no word a letter off one.
        for w in STOP_WORDS {
            assert!(is_stop_word(w), "{w}");
            for extra in [format!("{w}s"), format!("{w}\u{e9}"), w[..w.len() - 1].to_string() + "z"] {
                assert_eq!(is_stop_word(&extra), STOP_WORDS.contains(&extra.as_str()), "{extra}");
            }
        }
        assert!(STOP_PACKED.windows(2).all(|w| w[0] < w[1]));
    }

    fn written(id: &str, date: (i16, i8, i8), title: &str, summary: &str, causes: &[&str]) -> Incident {
        Incident {
            title: title.into(),
            summary: summary.into(),
            summary_pos: crate::diagnostics::Pos::new(4, 10),
            date: jiff::civil::date(date.0, date.1, date.2),
            ..incident(id, causes, &[], &[])
        }
    }

    /// A small archive whose words, causes and days repeat, so that texts
    /// and terms relate many pairs and near ties are common.
    fn archive_of(seed: &[u8]) -> Vec<Incident> {
        const WORDS: &[&str] = &[
            "database",
            "failover",
            "replica",
            "lag",
            "ingress",
            "certificate",
            "expired",
            "queue",
            "backlog",
            "deploy",
            "rollback",
            "cache",
            "stampede",
            "dns",
            "timeout",
            "disk",
            "full",
            "billing",
            "exports",
            "late",
        ];
        let word = |k: usize| WORDS[k % WORDS.len()];
        seed.chunks(4)
            .enumerate()
            .map(|(n, c)| {
                let b = |k: usize| c.get(k).copied().unwrap_or(0) as usize;
                let title = format!("{} {} {}", word(b(0)), word(b(1) / 3), word(b(2) / 7));
                let summary = format!("The {} {} after the {}.", word(b(1)), word(b(3)), word(b(0) / 5));
                let causes: Vec<&str> = ["cause-a", "cause-b", "cause-c"]
                    .into_iter()
                    .filter(|_| b(3) % 3 == 0)
                    .take(1 + b(2) % 2)
                    .collect();
                let mut i = written(
                    &format!("i{n:03}"),
                    (2024, 1 + (b(0) % 3) as i8, 1 + (b(1) % 4) as i8),
                    &title,
                    &summary,
                    &causes,
                );
                i.body = format!("## Timeline\n\n{} {} {}\n", word(b(2)), word(b(3) / 2), word(n));
                i.services = terms(&[["api", "db", "web"][b(2) % 3]]);
                i
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
        /// serve's similarity stage, fed one edit after another, finds what a
        /// build from scratch finds after each.
        #[test]
        fn kept_similarity_equals_a_fresh_computation(
            seed in proptest::collection::vec(proptest::prelude::any::<u8>(), 40..240),
            edits in proptest::collection::vec((proptest::prelude::any::<usize>(), 0u8..6, proptest::prelude::any::<u8>()), 1..8),
        ) {
            let mut all = archive_of(&seed);
            let cfg = RelatedConfig::default();
            let mut memo = Memo::default();
            proptest::prop_assert_eq!(compute_kept(&all, none, &cfg, Some(&mut memo)), compute_all(&all, none, &cfg));
            for (at, what, w) in edits {
                let i = &mut all[at % seed.len().div_ceil(4)];
                let w = ["outage", "database", "replica", "e1", "lag", "full"][w as usize % 6];
                match what {
                    0 => i.title = format!("{w} {}", i.title),
                    1 => i.title = i.title.replacen(' ', &format!(" {w} "), 1),
                    2 => i.summary = format!("{} {w}", i.summary),
                    3 => i.body = format!("{w}\n{}", i.body),
                    4 => i.title = i.title.split(' ').skip(1).collect::<Vec<_>>().join(" "),
                    _ => i.causes = terms(&[w]),
                }
                let fresh = compute_all(&all, none, &cfg);
                proptest::prop_assert_eq!(compute_kept(&all, none, &cfg, Some(&mut memo)), fresh);
            }
        }
    }

    #[test]
    fn a_title_edit_scores_again_only_what_it_can_change() {
        let seed: Vec<u8> = (0..400u32).map(|k| (k * 7919 % 251) as u8).collect();
        let mut all = archive_of(&seed);
        let cfg = RelatedConfig::default();
        let mut memo = Memo::default();
        compute_kept(&all, none, &cfg, Some(&mut memo));
        assert_eq!(memo.scored, all.len(), "the first build scores every incident");
        compute_kept(&all, none, &cfg, Some(&mut memo));
        assert_eq!(memo.scored, 0, "nothing changed");
        all[40].title = format!("E1 {}", all[40].title);
        let kept = compute_kept(&all, none, &cfg, Some(&mut memo));
        assert_eq!(kept, compute_all(&all, none, &cfg));
        assert!(memo.scored < all.len() / 2, "scored {} of {}", memo.scored, all.len());
    }

    #[test]
    fn the_same_title_and_summary_rank_first_and_say_why() {
        let summary = "Every service behind the ingress answered 503 until the ingress pods were restarted.";
        let mut all = vec![
            written("c", (2022, 3, 21), "All services returning 503 in Kubernetes", summary, &["cert-expired"]),
            written("b", (2022, 3, 11), "All services returning 503 in Kubernetes", summary, &["ingress-timeout"]),
            written(
                "a",
                (2022, 3, 1),
                "All services returning 503 in Kubernetes",
                summary,
                &["node-pool-full", "shared"],
            ),
            written("x", (2022, 2, 1), "Billing exports late", "Exports ran a day late.", &["shared"]),
            written("y", (2022, 1, 1), "Slow search", "Search took seconds.", &["shared"]),
        ];
        // Filler so that words have an inverse document frequency.
        all.extend((0..20).map(|k| {
            written(&format!("f{k}"), (2020, 1, 1), &format!("Unrelated thing {k}"), "Something else entirely.", &[])
        }));
        let found = compute_all(&all, none, &RelatedConfig::default());
        let a: Vec<usize> = found.suggestions[2].iter().map(|s| s.incident).collect();
        assert_eq!(&a[..2], [0, 1], "same title and summary first: {:?}", found.suggestions[2]);
        assert!(found.suggestions[2][0].score > 3, "more than one shared cause");
        assert_eq!(found.suggestions[2][0].why(), "similar title and summary");
        assert_eq!(found.suggestions[2][2].why(), "shares causes: shared", "term reasons kept");
        // Earlier by text: only incidents after it in the newest-first list.
        assert_eq!(found.earlier_by_text[1], [2]);
        assert_eq!(found.earlier_by_text[0], [1, 2]);
        assert!(found.earlier_by_text[2].is_empty());
        assert!(
            found.suggestions[5].iter().all(|s| s.incident >= 5),
            "the filler reads like the filler only: {:?}",
            found.suggestions[5]
        );
    }

    #[test]
    fn near_duplicates_need_the_same_date_and_nearly_the_same_summary() {
        let s1 = "No build started for three hours because the CI runners could not pull their images.";
        let s2 = "No build started for three hours because CI runners could not pull their images.";
        let all = vec![
            written("a", (2023, 2, 14), "Builds stuck", s1, &[]),
            written("b", (2023, 2, 14), "CI outage", s2, &[]),
            written("c", (2023, 2, 15), "CI outage again", s1, &[]),
            written("d", (2023, 2, 14), "Other", "Billing exports ran late because the queue was full.", &[]),
        ];
        let d = near_duplicates(&all);
        assert_eq!(d, [vec![1], vec![0], vec![], vec![]]);
        let mut diags = crate::diagnostics::Diagnostics::new();
        check_near_duplicates(&all, &mut diags);
        let w: Vec<String> = diags.sorted().iter().map(|d| d.to_string()).collect();
        assert_eq!(w.len(), 1, "one warning per pair: {w:?}");
        assert!(
            w[0].starts_with(
                "content/incidents/a.md:4:10: warning: possibly the same incident as content/incidents/b.md"
            ),
            "{}",
            w[0]
        );
        // A crowded day is compared with its neighbours only, and still finds the pair.
        let mut crowded: Vec<Incident> = (0..200)
            .map(|k| {
                written(&format!("z{k}"), (2023, 2, 14), "x", &format!("Distinct summary number {k} of many"), &[])
            })
            .collect();
        crowded.push(written("p", (2023, 2, 14), "p", s1, &[]));
        crowded.push(written("q", (2023, 2, 14), "q", s2, &[]));
        let d = near_duplicates(&crowded);
        assert_eq!(d[200], [201]);
    }
}
