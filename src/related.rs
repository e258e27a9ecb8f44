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

use std::collections::HashMap;

use rayon::prelude::*;

use crate::archive::Taxonomy;
use crate::config::RelatedConfig;
use crate::model::Incident;

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
            .map(|(tax, slugs)| format!("{}: {}", tax.key(), slugs.iter().map(|slug| name(*tax, slug)).collect::<Vec<_>>().join(", ")))
            .collect();
        format!("shares {}", parts.join("; "))
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

/// Per-thread scratch space: a score per incident and the ones touched.
struct Scratch {
    score: Vec<u32>,
    touched: Vec<u32>,
}

/// The automatic related incidents of every incident, best first: at most
/// `cfg.max`, each scoring at least `cfg.threshold` (and above zero). An
/// incident never suggests itself nor one in `explicit(n)` (those are listed
/// on their own). Ties go to the incident earlier in `incidents` (the archive
/// keeps them newest first), so the result never depends on thread timing.
pub fn compute<'e>(incidents: &[Incident], explicit: impl Fn(usize) -> &'e [usize] + Sync, cfg: &RelatedConfig) -> Vec<Vec<Suggestion>> {
    if cfg.max == 0 {
        return vec![Vec::new(); incidents.len()];
    }
    let index = Index::build(incidents, cfg);
    let threshold = cfg.threshold.max(1);
    let n_total = incidents.len();
    (0..n_total)
        .into_par_iter()
        .map_init(
            || Scratch { score: vec![0; n_total], touched: Vec::new() },
            |s, n| {
                for &t in &index.of_incident[n] {
                    let w = index.terms[t as usize].2;
                    for &m in &index.postings[t as usize] {
                        let slot = &mut s.score[m as usize];
                        if *slot == 0 {
                            s.touched.push(m);
                        }
                        *slot += w;
                    }
                }
                let skip = explicit(n);
                let mut best: Vec<(u32, u32)> = s
                    .touched
                    .iter()
                    .map(|&m| (s.score[m as usize], m))
                    .filter(|&(score, m)| score >= threshold && m as usize != n && !skip.contains(&(m as usize)))
                    .collect();
                for &m in &s.touched {
                    s.score[m as usize] = 0;
                }
                s.touched.clear();
                let by_rank = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
                if best.len() > cfg.max {
                    best.select_nth_unstable_by(cfg.max - 1, by_rank);
                    best.truncate(cfg.max);
                }
                best.sort_unstable_by(by_rank);
                best.into_iter().map(|(score, m)| suggestion(&index, n, m as usize, score)).collect()
            },
        )
        .collect()
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
    Suggestion { incident: m, score, shared }
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
                                tax.terms(&all[m]).iter().any(|u| u.slug == t.slug) && !is_common(count(*tax, &t.slug), total)
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
                let mut v: Vec<String> = (0..1 + next(most)).map(|_| format!("{prefix}{}", next(pool).min(next(pool)))).collect();
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
            let explicit: Vec<Vec<usize>> = (0..size).map(|_| if next(5) == 0 { vec![next(size)] } else { vec![] }).collect();
            let got: Vec<Vec<(usize, u32)>> =
                compute(&all, |n| explicit[n].as_slice(), &cfg).iter().map(|v| v.iter().map(|s| (s.incident, s.score)).collect()).collect();
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
}
