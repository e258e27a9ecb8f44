//! The causes family: a cause's page is its term page with more — the
//! cause file's description, every occurrence with the gaps between, the
//! causes and services it comes with, a sparkline per year.

use super::*;
use crate::graph::{self, Graph, YearCounts};

#[derive(Serialize)]
pub(super) struct SparkBar {
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

pub(super) const SPARK_HEIGHT: usize = 18;
pub(super) const SPARK_BAR: usize = 4;
pub(super) const SPARK_STEP: usize = 6;

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
pub(super) struct Occurrence {
    incident: Value,
    gap_days: Option<i64>,
    gap: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Counted {
    term: TermView,
    count: usize,
}

/// What every page of a cause shows of the whole cause (`cause` in
/// term.html, with the page's occurrences).
#[derive(Serialize)]
pub(super) struct CauseSummary {
    count: usize,
    first_date: Option<String>,
    last_date: Option<String>,
    co_causes: Vec<Counted>,
    services: Vec<Counted>,
    spark: SparkView,
}

/// The extra data of a cause page (`cause` in term.html): the summary and
/// the occurrences of the page (oldest first, each with the gap since the
/// one before).
#[derive(Serialize)]
pub(super) struct CauseView<'r> {
    #[serde(flatten)]
    summary: &'r CauseSummary,
    timeline: Vec<Occurrence>,
}

fn summary(r: &Renderer, t: &TermIndex) -> CauseSummary {
    let d = graph::cause_detail(r.archive, t);
    let date = |n: &usize| r.archive.incidents[*n].date_shown();
    let dated = |n: &&usize| r.archive.incidents[**n].has_date();
    let counted = |tax: Taxonomy, rows: Vec<(String, usize)>| -> Vec<Counted> {
        rows.into_iter().map(|(slug, count)| Counted { term: xlinks::slug_view(r, tax, &slug), count }).collect()
    };
    CauseSummary {
        count: t.incidents.len(),
        first_date: t.incidents.iter().rev().find(dated).map(date),
        last_date: t.incidents.iter().find(dated).map(date),
        co_causes: counted(Taxonomy::Causes, d.co_causes),
        services: counted(Taxonomy::Services, d.services),
        spark: spark_view(r.archive, &r.xlinks.graph, t, 0),
    }
}

/// The cause data of page `shown` (a range of the cause's occurrences,
/// oldest first) of cause `at`; the summary is made once per build.
pub(super) fn cause_view<'r>(r: &'r Renderer, at: usize, shown: std::ops::Range<usize>) -> CauseView<'r> {
    let t = &r.archive.causes[at];
    let summary = r.causes[at].get_or_init(|| summary(r, t));
    let timeline = graph::occurrences(r.archive, t, shown)
        .into_iter()
        .map(|(n, gap)| Occurrence { incident: r.xlinks.mini(n), gap_days: gap, gap: gap.map(graph::recurrence_text) })
        .collect();
    CauseView { summary, timeline }
}

/// The years a sparkline spans: the archive's first and last dated years
/// and the old tail it leaves out (src/stats.rs, `DrawnYears`).
pub(super) fn years(r: &Renderer) -> u64 {
    let dated = |i: &&Incident| i.has_date();
    let a = r.archive;
    fingerprint::of(&(
        a.incidents.iter().find(dated).map(|i| i.date.year()),
        a.incidents.iter().rev().find(dated).map(|i| i.date.year()),
        &r.xlinks.graph.drawn.from,
    ))
}

/// A cause page shows, beyond its term page, the cause file's description
/// and a sparkline over the archive's years.
pub(super) fn fingerprint(r: &Renderer, c: &Common, t: &TermIndex, h: &mut fingerprint::FxHasher) {
    use std::hash::Hash;
    (c.years, r.bodies.causes.get(&t.slug).map(|b| fingerprint::body("", b))).hash(h);
}
