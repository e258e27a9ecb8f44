//! The numbers behind `/stats/` and the home page's glance, computed from
//! the incidents this build shows (so left-out incidents count nowhere).
//!
//! Distributions are summarised by percentiles, never means: one week-long
//! incident would drag a mean far from anything typical.

use jiff::civil::Date;
use serde::Serialize;

use crate::archive::{Archive, Taxonomy};
use crate::dates::{self, DrawnYears};
use crate::model::{ActionStatus, Incident};

/// How incidents are counted over time: by month while the archive spans
/// up to four years, else by quarter up to eight years, else by year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Month,
    Quarter,
    Year,
}

impl Bucket {
    pub fn noun(self) -> &'static str {
        match self {
            Bucket::Month => "month",
            Bucket::Quarter => "quarter",
            Bucket::Year => "year",
        }
    }

    /// Index of the period a date falls in, counted from year 0.
    fn index(self, d: Date) -> i32 {
        let (y, m) = (i32::from(d.year()), i32::from(d.month()) - 1);
        match self {
            Bucket::Month => y * 12 + m,
            Bucket::Quarter => y * 4 + m / 3,
            Bucket::Year => y,
        }
    }

    fn label(self, index: i32) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self {
            Bucket::Month => format!("{} {}", MONTHS[index.rem_euclid(12) as usize], index.div_euclid(12)),
            Bucket::Quarter => format!("Q{} {}", index.rem_euclid(4) + 1, index.div_euclid(4)),
            Bucket::Year => index.to_string(),
        }
    }

    fn for_span(first: Date, last: Date) -> Bucket {
        let months = Bucket::Month.index(last) - Bucket::Month.index(first) + 1;
        if months <= 48 {
            Bucket::Month
        } else if months <= 8 * 12 {
            Bucket::Quarter
        } else {
            Bucket::Year
        }
    }
}

/// Incidents per period, split by severity.
#[derive(Debug, Clone, Serialize)]
pub struct PerPeriod {
    pub bucket: Bucket,
    /// The configured severities, most severe first, then "Unrated" when
    /// some incident has no severity.
    pub series: Vec<String>,
    /// Severity rank of each series (1 = most severe; 0 for "Unrated").
    pub ranks: Vec<usize>,
    pub periods: Vec<String>,
    /// `counts[period][series]`, oldest period first, every period between
    /// the first and the last incident present (zeros included).
    pub counts: Vec<Vec<usize>>,
}

/// One incident behind a value of a distribution: what a chart's dot
/// names and links to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Who {
    /// The incident's page, with the site's base path.
    pub url: String,
    /// The title as plain text.
    pub title: String,
    /// The date as written (`2021-03-14`).
    pub date: String,
}

/// One year's values of a duration, in seconds, ascending.
#[derive(Debug, Clone, Serialize)]
pub struct YearDistribution {
    pub year: i16,
    pub seconds: Vec<i64>,
    /// The incident of each value (same order as `seconds`).
    pub who: Vec<Who>,
    /// `None` for fewer than [`MIN_FOR_PERCENTILES`] values.
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// Fewer values than this get no percentiles (the median included): the
/// 90th percentile of two incidents is a number the data cannot back, and
/// tables and charts say "too few to tell" instead.
pub const MIN_FOR_PERCENTILES: usize = 5;

/// The `p` quantile of ascending values, when there are enough of them
/// to tell ([`MIN_FOR_PERCENTILES`]).
pub fn shown_percentile(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.len() < MIN_FOR_PERCENTILES {
        return None;
    }
    percentile(sorted, p)
}

/// A duration (time to detect, time to resolve) over the incidents that
/// record both of its timestamps.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub years: Vec<YearDistribution>,
    pub count: usize,
    /// Over all years; `None` for fewer than [`MIN_FOR_PERCENTILES`] values.
    pub median: Option<f64>,
    pub p90: Option<f64>,
    /// Incidents without the timestamps this duration needs.
    pub missing: usize,
}

/// One ranked cause or service.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub name: String,
    pub slug: String,
    pub count: usize,
}

/// Action items of the incidents of one year, by where they stand now.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ActionYear {
    pub year: i16,
    pub opened: usize,
    pub open: usize,
    pub in_progress: usize,
    /// Read from the body with no status: neither to do nor done.
    pub untracked: usize,
    pub done: usize,
    pub wont_do: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub incidents: usize,
    /// Incidents whose date is unknown: left out of the charts over time.
    pub undated: usize,
    pub per_period: Option<PerPeriod>,
    pub detect: Distribution,
    pub resolve: Distribution,
    pub causes: Vec<Ranked>,
    pub services: Vec<Ranked>,
    pub actions: Vec<ActionYear>,
    /// The years the time charts draw (see [`DrawnYears`]).
    pub drawn: DrawnYears,
}

/// How many causes and services the charts rank.
pub const TOP: usize = 10;

impl Stats {
    pub fn compute(a: &Archive, build_date: Date) -> Stats {
        let drawn_years = DrawnYears::of(a.incidents.iter().filter_map(Incident::year));
        let drawn: Vec<&Incident> = a.incidents.iter().filter(|i| i.has_date() && drawn_years.drawn(i.date)).collect();
        Stats {
            incidents: a.incidents.len(),
            undated: a.incidents.iter().filter(|i| !i.has_date()).count(),
            per_period: per_period(a, &drawn),
            detect: distribution(a, &drawn, |i| i.timestamps.time_to_detect().map(|d| d.as_secs())),
            resolve: distribution(a, &drawn, |i| i.timestamps.time_to_resolve().map(|d| d.as_secs())),
            causes: ranked(a, Taxonomy::Causes, TOP),
            services: ranked(a, Taxonomy::Services, TOP),
            actions: actions_by_year(&drawn, build_date),
            drawn: drawn_years,
        }
    }
}

fn per_period(a: &Archive, incidents: &[&Incident]) -> Option<PerPeriod> {
    let first = incidents.iter().map(|i| i.date).min()?;
    let last = incidents.iter().map(|i| i.date).max()?;
    let bucket = Bucket::for_span(first, last);
    let (lo, hi) = (bucket.index(first), bucket.index(last));
    let mut series: Vec<String> = a.config.severities.clone();
    let mut ranks: Vec<usize> = (1..=series.len()).collect();
    let unrated = incidents.iter().any(|i| i.severity.is_none());
    if unrated {
        series.push("Unrated".to_string());
        ranks.push(0);
    }
    let mut counts = vec![vec![0usize; series.len()]; (hi - lo + 1) as usize];
    for i in incidents {
        let col = match &i.severity {
            Some((_, rank)) => rank - 1,
            None => series.len() - 1,
        };
        counts[(bucket.index(i.date) - lo) as usize][col] += 1;
    }
    let periods = (lo..=hi).map(|k| bucket.label(k)).collect();
    Some(PerPeriod { bucket, series, ranks, periods, counts })
}

fn distribution(a: &Archive, incidents: &[&Incident], value: impl Fn(&Incident) -> Option<i64>) -> Distribution {
    let mut by_year: std::collections::BTreeMap<i16, Vec<(i64, &Incident)>> = std::collections::BTreeMap::new();
    let mut all = Vec::new();
    let mut missing = 0;
    for i in incidents {
        match value(i) {
            Some(v) => {
                if i.has_date() {
                    by_year.entry(i.date.year()).or_default().push((v, i));
                }
                all.push(v);
            }
            None => missing += 1,
        }
    }
    all.sort_unstable();
    let years = by_year
        .into_iter()
        .map(|(year, mut values)| {
            // Ties in archive order (newest first), so the page is stable.
            values.sort_by_key(|(v, _)| *v);
            let seconds: Vec<i64> = values.iter().map(|(v, _)| *v).collect();
            let who = values
                .iter()
                .map(|(_, i)| Who {
                    url: a.incident_url(i),
                    title: crate::markdown::plain_inline(&i.title),
                    date: if i.date_text.is_empty() { dates::iso_date(i.date) } else { i.date_text.clone() },
                })
                .collect();
            let (median, p90) = (shown_percentile(&seconds, 0.5), shown_percentile(&seconds, 0.9));
            YearDistribution { year, seconds, who, median, p90 }
        })
        .collect();
    Distribution {
        years,
        count: all.len(),
        median: shown_percentile(&all, 0.5),
        p90: shown_percentile(&all, 0.9),
        missing,
    }
}

/// The `p` quantile (0..=1) of ascending values, interpolated linearly
/// between the two nearest ranks (as spreadsheets' PERCENTILE.INC).
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] - sorted[lo]) as f64)
}

fn ranked(a: &Archive, tax: Taxonomy, limit: usize) -> Vec<Ranked> {
    // The taxonomy is sorted by count, largest first.
    a.taxonomy(tax)
        .iter()
        .take(limit)
        .map(|t| Ranked { name: t.name.clone(), slug: t.slug.clone(), count: t.incidents.len() })
        .collect()
}

fn actions_by_year(incidents: &[&Incident], today: Date) -> Vec<ActionYear> {
    let mut years: std::collections::BTreeMap<i16, ActionYear> = std::collections::BTreeMap::new();
    for i in incidents.iter().filter(|i| i.has_date()) {
        for it in &i.action_items {
            let y = years
                .entry(i.date.year())
                .or_insert_with(|| ActionYear { year: i.date.year(), ..ActionYear::default() });
            y.opened += 1;
            match it.status {
                ActionStatus::Open => y.open += 1,
                ActionStatus::InProgress => y.in_progress += 1,
                ActionStatus::Untracked => y.untracked += 1,
                ActionStatus::Done => y.done += 1,
                ActionStatus::WontDo => y.wont_do += 1,
            }
            if it.is_overdue(today) {
                y.overdue += 1;
            }
        }
    }
    years.into_values().collect()
}

/// The home page's look at the recent past.
#[derive(Debug, Clone, Serialize)]
pub struct Recent {
    pub days: i64,
    /// First day counted, `YYYY-MM-DD`.
    pub since: String,
    pub total: usize,
    /// Count per configured severity, most severe first (same order as
    /// `site.severities`).
    pub by_severity: Vec<usize>,
    /// Days since the newest incident (none when there is none).
    pub days_since_last: Option<i64>,
}

/// Incidents whose date is within the `days` days up to `today`.
pub fn recent(a: &Archive, today: Date, days: i64) -> Recent {
    let since = today.checked_sub(jiff::Span::new().days(days - 1)).unwrap_or(today);
    let mut by_severity = vec![0; a.config.severities.len()];
    let mut total = 0;
    for i in a.incidents.iter().filter(|i| i.date >= since && i.date <= today) {
        total += 1;
        if let Some((_, rank)) = &i.severity {
            by_severity[rank - 1] += 1;
        }
    }
    let days_since_last = a.incidents.iter().map(|i| i.date).max().map(|d| dates::days_between(d, today));
    Recent { days, since: dates::iso_date(since), total, by_severity, days_since_last }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
        assert_eq!(percentile(&[1, 2], 0.5), Some(1.5));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), Some(5.5));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9.1));
        assert_eq!(percentile(&[60, 600, 6000], 0.9), Some(600.0 + 0.8 * 5400.0));
    }

    #[test]
    fn percentiles_are_shown_only_from_five_values() {
        assert_eq!(MIN_FOR_PERCENTILES, 5);
        assert_eq!(shown_percentile(&[], 0.9), None);
        assert_eq!(shown_percentile(&[60], 0.5), None, "one incident has no median");
        assert_eq!(shown_percentile(&[60, 3600], 0.9), None, "two incidents have no 90th percentile");
        assert_eq!(shown_percentile(&[1, 2, 3, 4], 0.5), None);
        assert_eq!(shown_percentile(&[1, 2, 3, 4, 5], 0.5), Some(3.0));
        assert_eq!(shown_percentile(&[1, 2, 3, 4, 5], 0.9), Some(4.6));
    }

    #[test]
    fn a_year_of_few_incidents_gets_no_percentiles_but_keeps_its_values() {
        let mut a = Archive::default();
        let at = |id: &str, y: i16, secs: i64| {
            let mut i = Incident {
                id: id.into(),
                title: format!("*{id}*"),
                date: jiff::civil::date(y, 3, 1),
                ..Incident::default()
            };
            i.date_text = format!("{y}-03-01");
            (i, secs)
        };
        let rows: Vec<(Incident, i64)> = vec![
            at("a", 2020, 600),
            at("b", 2020, 60),
            at("c", 2021, 10),
            at("d", 2021, 20),
            at("e", 2021, 30),
            at("f", 2021, 40),
            at("g", 2021, 50),
        ];
        a.incidents = rows.iter().map(|(i, _)| i.clone()).collect();
        let refs: Vec<&Incident> = a.incidents.iter().collect();
        let d = distribution(&a, &refs, |i| rows.iter().find(|(r, _)| r.id == i.id).map(|(_, s)| *s));
        let (y20, y21) = (&d.years[0], &d.years[1]);
        assert_eq!((y20.year, y20.seconds.clone(), y20.median, y20.p90), (2020, vec![60, 600], None, None));
        assert_eq!(y20.who[0], Who { url: "/incidents/b/".into(), title: "b".into(), date: "2020-03-01".into() });
        assert_eq!((y21.median, y21.p90), (Some(30.0), Some(46.0)));
        assert_eq!((d.count, d.median), (7, Some(40.0)));
        assert!((d.p90.unwrap() - 276.0).abs() < 1e-9, "{:?}", d.p90);
    }

    #[test]
    fn buckets() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(Bucket::for_span(d("2024-01-05"), d("2027-12-31")), Bucket::Month);
        assert_eq!(Bucket::for_span(d("2024-01-05"), d("2028-01-01")), Bucket::Quarter);
        assert_eq!(Bucket::for_span(d("2024-01-05"), d("2031-12-31")), Bucket::Quarter);
        assert_eq!(Bucket::for_span(d("2014-06-10"), d("2026-04-14")), Bucket::Year);
        assert_eq!(Bucket::Month.label(Bucket::Month.index(d("2024-02-29"))), "Feb 2024");
        assert_eq!(Bucket::Quarter.label(Bucket::Quarter.index(d("2024-08-01"))), "Q3 2024");
    }
}
