//! Views of the cross-links (src/graph.rs) for the templates: backlinks,
//! "has this happened before?", automatic related incidents with their
//! reasons; and the digest of what an incident page shows of others.

use super::*;
use crate::graph::Graph;

/// The link graph and, per incident, the few card fields a list of
/// cross-links shows (cheaper to copy into every page than whole cards).
#[derive(Default)]
pub(super) struct Crosslinks {
    pub(super) graph: Graph,
    minis: Vec<Value>,
    /// Per incident, the digest of its cross-links but the backlinks
    /// ([`digests`]), made once: kept with the graph while the archive is
    /// (serve), when only the backlinks are computed again.
    fixed: std::sync::OnceLock<Vec<u64>>,
}

#[derive(Serialize)]
struct Mini<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    date: &'a str,
    date_human: &'a str,
    severity: &'a Option<Value>,
    mini_html: &'a str,
}

impl Crosslinks {
    /// Fails when the theme's `incident_mini` component cannot render.
    /// `kept[n]`, when set, is the mini line of `cards[n]` from the last render.
    pub(super) fn new(
        archive: &Archive,
        tera: &Tera,
        bodies: &[Rendered],
        cards: &[Card],
        kept: Vec<Option<Value>>,
        memo: Option<&mut crate::related::Memo>,
    ) -> Result<Crosslinks, tera::Error> {
        let minis = cards
            .par_iter()
            .zip(kept)
            .map(|(c, kept)| {
                if let Some(v) = kept {
                    return Ok(v);
                }
                let mut mini = Mini {
                    id: &c.id,
                    url: &c.url,
                    title: &c.title,
                    date: &c.date,
                    date_human: &c.date_human,
                    severity: &c.severity,
                    mini_html: "",
                };
                let mut ctx = Context::new();
                ctx.insert("incident", &mini);
                // One line per incident, rendered once and printed in every list of cross-links.
                let html = tera.render_component("incident_mini", &ctx, None, true)?;
                mini.mini_html = &html;
                Ok(Value::from_serializable(&mini))
            })
            .collect::<Result<_, tera::Error>>()?;
        Ok(Crosslinks { graph: Graph::build(archive, bodies, memo), minis, fixed: std::sync::OnceLock::new() })
    }

    /// The mini line of incident `n`.
    pub(super) fn mini(&self, n: usize) -> Value {
        self.minis[n].clone()
    }

    /// The mini lines; the graph is freed on a thread of its own (at
    /// 10,000 incidents, ~5 ms a rebuild in serve is not spent on it).
    pub(super) fn into_minis(self) -> Vec<Value> {
        let Crosslinks { graph, minis, fixed } = self;
        std::thread::spawn(move || drop((graph, fixed)));
        minis
    }
}

pub(super) fn minis(r: &Renderer, idx: &[usize]) -> Vec<Value> {
    idx.iter().map(|&n| r.xlinks.minis[n].clone()).collect()
}

/// How many earlier and later incidents the "has this happened
/// before?" panel lists per cause (the nearest in time); the cause page
/// lists them all.
pub(super) const HISTORY_LIMIT: usize = 5;

/// The earlier incidents most alike in text, when none of the incident's
/// causes recurs (else nothing: the per-cause lists answer).
pub(super) fn earlier_by_text<'r>(r: &'r Renderer, n: usize) -> &'r [usize] {
    let history = r.xlinks.graph.cause_history(r.archive, n);
    if history.is_empty() || history.iter().any(|h| !h.earlier.is_empty() || !h.later.is_empty()) {
        return &[];
    }
    &r.xlinks.graph.earlier_by_text[n]
}

pub(super) fn slug_view(r: &Renderer, tax: Taxonomy, slug: &str) -> TermView {
    super::term_view(&r.base, tax, slug, r.archive.term_name(tax, slug).unwrap_or(slug))
}

/// Per incident, a digest of everything its page shows of other
/// incidents (listed as related, backlinks, "has this happened before?",
/// similar incidents, possible duplicates), each shown incident by its
/// digest (`incidents`, see [`super::fingerprint::incident`]).
pub(super) fn digests(r: &Renderer, incidents: &[u64]) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let g = &r.xlinks.graph;
    let each = |idx: &[usize], h: &mut super::fingerprint::FxHasher| {
        idx.len().hash(h);
        for &m in idx {
            incidents[m].hash(h);
        }
    };
    // All but the backlinks: the same while the graph and the incidents
    // are (the graph is kept only while every incident's digest is).
    let fixed = r.xlinks.fixed.get_or_init(|| {
        (0..r.archive.incidents.len())
            .into_par_iter()
            .map(|n| {
                let mut h = super::fingerprint::hasher();
                each(r.archive.related(n), &mut h);
                for c in g.cause_history(r.archive, n) {
                    (&c.term.slug, &c.term.name, c.earlier.len(), c.later.len()).hash(&mut h);
                    each(&c.earlier[..c.earlier.len().min(HISTORY_LIMIT)], &mut h);
                    each(&c.later[c.later.len().saturating_sub(HISTORY_LIMIT)..], &mut h);
                }
                for s in &g.related[n] {
                    (incidents[s.incident], s.score, s.similar.map(|x| x.words())).hash(&mut h);
                    for (tax, slugs) in &s.shared {
                        for slug in slugs {
                            (tax.key(), slug, r.archive.term_name(*tax, slug)).hash(&mut h);
                        }
                    }
                }
                each(earlier_by_text(r, n), &mut h);
                each(&g.duplicates[n], &mut h);
                h.finish()
            })
            .collect()
    });
    (0..r.archive.incidents.len())
        .into_par_iter()
        .map(|n| {
            let mut h = super::fingerprint::hasher();
            fixed[n].hash(&mut h);
            each(&g.backlinks[n], &mut h);
            h.finish()
        })
        .collect()
}
