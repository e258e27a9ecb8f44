//! The stats and charts family: /stats/, its figures drawn by
//! src/charts.rs from the numbers of src/stats.rs.

use super::*;

impl Renderer<'_> {
    pub(super) fn stats_page(&self) -> Result<OutputFile, tera::Error> {
        let stats = crate::stats::Stats::compute(self.archive, self.build_date);
        let words =
            |s: Option<f64>| s.map(|v| dates::human_duration(jiff::SignedDuration::from_secs(v.round() as i64)));
        #[derive(Serialize)]
        struct Summary {
            incidents: usize,
            /// Incidents with no date, not drawn in the charts over time.
            undated: usize,
            detect_median: Option<String>,
            detect_p90: Option<String>,
            resolve_median: Option<String>,
            resolve_p90: Option<String>,
            actions: usize,
            actions_done: usize,
            actions_pending: usize,
            actions_overdue: usize,
        }
        let b = &self.board.board;
        let summary = Summary {
            incidents: stats.incidents,
            undated: stats.undated,
            detect_median: words(stats.detect.median),
            detect_p90: words(stats.detect.p90),
            resolve_median: words(stats.resolve.median),
            resolve_p90: words(stats.resolve.p90),
            actions: b.total,
            actions_done: b.done,
            actions_pending: b.pending,
            actions_overdue: b.overdue,
        };
        let mut ctx = Context::new();
        ctx.insert("summary", &summary);
        ctx.insert("figures", &crate::charts::figures(&stats, &self.base));
        let desc = format!(
            "Statistics of {}: how often, how severe, how fast we detect and resolve, what recurs.",
            text::count(stats.incidents, "incident")
        );
        self.page("stats.html", "stats/index.html", "Statistics", &desc, "stats", ctx)
    }
}

impl Renderer<'_> {
    pub(super) fn declare_stats(&self, pages: &mut Vec<Page>) {
        pages.push(Page::new(PageKey::Stats, "stats/index.html", 0));
    }
}

/// The statistics are made from the front matter of the whole archive.
pub(super) fn fingerprint(d: &fingerprint::Digests, h: &mut fingerprint::FxHasher) {
    use std::hash::Hash;
    d.archive.hash(h);
}
