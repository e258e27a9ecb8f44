//! Views of the cross-links (src/graph.rs) for the templates: backlinks,
//! "has this happened before?", automatic related incidents with their
//! reasons, cause pages and the causes index sparklines.

use super::*;
use crate::graph::{self, Graph, YearCounts};

/// The link graph and, per incident, the few card fields a list of
/// cross-links shows (cheaper to copy into every page than whole cards).
pub(super) struct Crosslinks {
    pub(super) graph: Graph,
    minis: Vec<Value>,
}

#[derive(Serialize)]
struct Mini<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    date: &'a str,
    date_human: &'a str,
    severity: &'a Option<SeverityView>,
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
        Ok(Crosslinks { graph: Graph::build(archive, bodies), minis })
    }

    /// The mini line of incident `n`.
    pub(super) fn mini(&self, n: usize) -> Value {
        self.minis[n].clone()
    }

    pub(super) fn into_minis(self) -> Vec<Value> {
        self.minis
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

fn slug_view(r: &Renderer, tax: Taxonomy, slug: &str) -> TermView {
    TermView {
        name: r.archive.term_name(tax, slug).unwrap_or(slug).to_string(),
        slug: slug.to_string(),
        url: format!("{}/{}/{}/", r.base, tax.key(), slug),
    }
}

#[derive(Serialize)]
struct SparkBar {
    year: i16,
    count: usize,
    x: usize,
    y: usize,
    h: usize,
}

/// A sparkline of incidents per year, drawn by the `sparkline` component.
#[derive(Serialize)]
pub(super) struct SparkView {
    label: String,
    width: usize,
    height: usize,
    /// Top of the one-pixel baseline.
    base_y: usize,
    bar: usize,
    first_year: i16,
    last_year: i16,
    bars: Vec<SparkBar>,
}

const SPARK_HEIGHT: usize = 18;
const SPARK_BAR: usize = 4;
const SPARK_STEP: usize = 6;

/// `scale` is the count drawn at full height; 0 scales to the term's own
/// busiest year.
pub(super) fn spark_view(a: &Archive, g: &Graph, t: &TermIndex, scale: usize) -> SparkView {
    let y: YearCounts = graph::per_year(a, t, &g.drawn);
    let own = y.counts.iter().copied().max().unwrap_or(0);
    let max = if scale == 0 { own } else { scale.max(own) }.max(1);
    let bars = y
        .counts
        .iter()
        .enumerate()
        .map(|(k, &count)| {
            // Never taller than the line, never invisible when non-zero.
            let h = if count == 0 { 0 } else { (count * (SPARK_HEIGHT - 2)).div_ceil(max).max(2) };
            SparkBar { year: y.first_year + k as i16, count, x: k * SPARK_STEP, y: SPARK_HEIGHT - 1 - h, h }
        })
        .collect::<Vec<_>>();
    let undated = t.incidents.iter().filter(|&&n| !a.incidents[n].has_date()).count();
    let label = match undated {
        0 => y.describe(),
        1 => format!("{}; 1 incident with no date is not drawn", y.describe()),
        n => format!("{}; {n} incidents with no date are not drawn", y.describe()),
    };
    SparkView {
        label,
        width: (y.counts.len() * SPARK_STEP).saturating_sub(SPARK_STEP - SPARK_BAR).max(SPARK_BAR),
        height: SPARK_HEIGHT,
        base_y: SPARK_HEIGHT - 1,
        bar: SPARK_BAR,
        first_year: y.first_year,
        last_year: y.first_year + y.counts.len().saturating_sub(1) as i16,
        bars,
    }
}

#[derive(Serialize)]
struct Occurrence {
    incident: Value,
    gap_days: Option<i64>,
    gap: Option<String>,
}

#[derive(Serialize)]
struct Counted {
    term: TermView,
    count: usize,
}

/// The extra data of a cause page (`cause` in term.html).
#[derive(Serialize)]
pub(super) struct CauseView {
    count: usize,
    first_date: Option<String>,
    last_date: Option<String>,
    timeline: Vec<Occurrence>,
    co_causes: Vec<Counted>,
    services: Vec<Counted>,
    spark: SparkView,
}

impl CauseView {
    /// Keeps the occurrences of one page of the cause's list.
    pub(super) fn page(mut self, shown: std::ops::Range<usize>) -> CauseView {
        let end = shown.end.min(self.timeline.len());
        self.timeline.truncate(end);
        self.timeline.drain(..shown.start.min(end));
        self
    }
}

pub(super) fn cause_view(r: &Renderer, t: &TermIndex) -> CauseView {
    let d = graph::cause_detail(r.archive, t);
    let date = |n: &usize| r.archive.incidents[*n].date_shown();
    let dated = |n: &&usize| r.archive.incidents[**n].has_date();
    let counted = |tax: Taxonomy, rows: Vec<(String, usize)>| -> Vec<Counted> {
        rows.into_iter().map(|(slug, count)| Counted { term: slug_view(r, tax, &slug), count }).collect()
    };
    CauseView {
        count: t.incidents.len(),
        first_date: t.incidents.iter().rev().find(dated).map(date),
        last_date: t.incidents.iter().find(dated).map(date),
        timeline: d
            .timeline
            .into_iter()
            .map(|(n, gap)| Occurrence {
                incident: r.xlinks.minis[n].clone(),
                gap_days: gap,
                gap: gap.map(graph::recurrence_text),
            })
            .collect(),
        co_causes: counted(Taxonomy::Causes, d.co_causes),
        services: counted(Taxonomy::Services, d.services),
        spark: spark_view(r.archive, &r.xlinks.graph, t, 0),
    }
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
    (0..r.archive.incidents.len())
        .into_par_iter()
        .map(|n| {
            let mut h = super::fingerprint::hasher();
            each(r.archive.related(n), &mut h);
            each(&g.backlinks[n], &mut h);
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
}
