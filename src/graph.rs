//! The archive's link graph as readers see it: backlinks ("Referenced by"),
//! automatic related incidents, and the recurrence of causes ("has this
//! happened before?", co-occurring causes, where a cause struck, how often
//! over the years). The checks that flag a cause spelled once and almost
//! like another are the archive's (src/archive/checks.rs).
//!
//! Everything here works on [`Archive::incidents`], the incidents this build
//! shows, so a left-out incident never counts, links or scores: it is not
//! in the list, and its body is never rendered, so it links to nothing.

use std::collections::{BTreeMap, HashMap};

use crate::archive::{Archive, Taxonomy, TermIndex};
use crate::dates::DrawnYears;
use crate::markdown::Rendered;
use crate::model::Incident;
use crate::related::{self, Suggestion};

/// Cross-links of every shown incident, parallel to `Archive::incidents`.
#[derive(Debug, Default)]
pub struct Graph {
    /// Incidents whose body links here, newest first, without self-links.
    pub backlinks: Vec<Vec<usize>>,
    /// Automatic related incidents, best first (explicit ones excluded).
    pub related: Vec<Vec<Suggestion>>,
    /// Earlier incidents most alike in text, best first: "has this happened
    /// before?" for an incident no other shares a cause with.
    pub earlier_by_text: Vec<Vec<usize>>,
    /// Incidents that may be this one filed twice (same date, nearly the
    /// same summary).
    pub duplicates: Vec<Vec<usize>>,
    /// The most incidents any cause had in one year: the common scale of
    /// the causes index sparklines, so that its rows compare.
    pub cause_year_max: usize,
    /// The years sparklines draw (old outliers left out, as on /stats/).
    pub drawn: DrawnYears,
    /// Cause slug → index into `Archive::causes`.
    cause_index: HashMap<String, usize>,
}

impl Graph {
    /// `bodies` are the rendered incident bodies, parallel to
    /// `archive.incidents`; their `links` name the incidents they link to.
    /// `memo`: what the similarity stage kept from the last build (serve).
    pub fn build(archive: &Archive, bodies: &[Rendered], memo: Option<&mut related::Memo>) -> Graph {
        // serve keeps the near duplicates beside the similarity stage's memo.
        let (mut kept_duplicates, mut memo) = match memo {
            Some(m) => (Some(std::mem::take(&mut m.duplicates)), Some(m)),
            None => (None, None),
        };
        let ((backlinks, duplicates), found) = rayon::join(
            || {
                let duplicates = match kept_duplicates.as_mut() {
                    Some(kept) => related::near_duplicates_kept(&archive.incidents, kept),
                    None => related::near_duplicates(&archive.incidents),
                };
                (backlinks(archive, bodies), duplicates)
            },
            || {
                let memo = memo.as_deref_mut();
                related::compute_kept(&archive.incidents, |n| archive.related(n), &archive.config.related, memo)
            },
        );
        if let (Some(m), Some(kept)) = (memo, kept_duplicates) {
            m.duplicates = kept;
        }
        let cause_index = archive.causes.iter().enumerate().map(|(k, t)| (t.slug.clone(), k)).collect();
        let drawn = DrawnYears::of(archive.incidents.iter().filter_map(Incident::year));
        let cause_year_max = archive
            .causes
            .iter()
            .filter_map(|t| per_year(archive, t, &drawn).counts.into_iter().max())
            .max()
            .unwrap_or(0);
        Graph {
            backlinks,
            related: found.suggestions,
            earlier_by_text: found.earlier_by_text,
            duplicates,
            cause_year_max,
            drawn,
            cause_index,
        }
    }

    /// For each cause of incident `n`, in front-matter order: the cause and
    /// the other incidents with it that came before (`earlier`) and after
    /// (`later`), both newest first. Same-day incidents are ordered by id.
    pub fn cause_history<'a>(&self, archive: &'a Archive, n: usize) -> Vec<CauseHistory<'a>> {
        archive.incidents[n]
            .causes
            .iter()
            .filter_map(|t| self.cause_index.get(&t.slug))
            .map(|&k| {
                let term = &archive.causes[k];
                // Term lists are in archive order (newest first), so `n` splits them.
                let at = term.incidents.partition_point(|&m| m < n);
                let later = &term.incidents[..at];
                let earlier = term.incidents.get(at + 1..).unwrap_or_default();
                CauseHistory { term, earlier, later }
            })
            .collect()
    }
}

/// One cause of an incident and its other occurrences.
pub struct CauseHistory<'a> {
    pub term: &'a TermIndex,
    pub earlier: &'a [usize],
    pub later: &'a [usize],
}

pub fn backlinks(archive: &Archive, bodies: &[Rendered]) -> Vec<Vec<usize>> {
    let mut back: Vec<Vec<usize>> = vec![Vec::new(); archive.incidents.len()];
    for (from, body) in bodies.iter().enumerate() {
        for to in link_targets(archive, body, from) {
            if back[to].last() != Some(&from) {
                back[to].push(from);
            }
        }
    }
    back
}

/// The incidents the body of incident `from` links to (itself excepted),
/// in the order of its links: each of them lists `from` as a backlink.
fn link_targets<'a>(archive: &'a Archive, body: &'a Rendered, from: usize) -> impl Iterator<Item = usize> + 'a {
    body.links.iter().filter_map(|id| archive.index_of(id)).filter(move |&to| to != from)
}

/// [`backlinks`] from the last build's (`last`, made from bodies with the
/// digests `was`), for the same archive with bodies of `now` digests:
/// only the links of changed bodies are taken out and looked up again.
/// Without digests to compare, every body is read, as [`backlinks`] does.
pub fn backlinks_after(
    mut last: Vec<Vec<usize>>,
    archive: &Archive,
    bodies: &[Rendered],
    was: &[u64],
    now: &[u64],
) -> Vec<Vec<usize>> {
    if last.len() != bodies.len() || was.len() != bodies.len() || now.len() != bodies.len() {
        return backlinks(archive, bodies);
    }
    let changed: Vec<usize> = (0..bodies.len()).filter(|&n| was[n] != now[n]).collect();
    if !changed.is_empty() {
        for list in &mut last {
            list.retain(|from| changed.binary_search(from).is_err());
        }
        for &from in &changed {
            for to in link_targets(archive, &bodies[from], from) {
                if let Err(at) = last[to].binary_search(&from) {
                    last[to].insert(at, from);
                }
            }
        }
    }
    debug_assert_eq!(last, backlinks(archive, bodies));
    last
}

/// What the page of one cause shows beyond its incident list.
#[derive(Debug, PartialEq, Eq)]
pub struct CauseDetail {
    /// Other causes of the same incidents: (slug, incidents), most first.
    pub co_causes: Vec<(String, usize)>,
    /// Services of its incidents: (slug, incidents), most first.
    pub services: Vec<(String, usize)>,
}

/// The occurrences `shown` of a cause (positions in its incidents
/// oldest first), each with the days since the one before it.
pub fn occurrences(archive: &Archive, cause: &TermIndex, shown: std::ops::Range<usize>) -> Vec<(usize, Option<i64>)> {
    let oldest_first = |k: usize| cause.incidents[cause.incidents.len() - 1 - k];
    let end = shown.end.min(cause.incidents.len());
    (shown.start.min(end)..end)
        .map(|k| {
            let n = oldest_first(k);
            let before = k.checked_sub(1).map(|j| archive.incidents[oldest_first(j)].date);
            (n, before.map(|p| crate::dates::days_between(p, archive.incidents[n].date)))
        })
        .collect()
}

pub fn cause_detail(archive: &Archive, cause: &TermIndex) -> CauseDetail {
    let count = |tax: Taxonomy| {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for &n in &cause.incidents {
            for t in tax.terms(&archive.incidents[n]) {
                if tax != Taxonomy::Causes || t.slug != cause.slug {
                    *counts.entry(t.slug.as_str()).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().map(|(s, c)| (s.to_string(), c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    CauseDetail { co_causes: count(Taxonomy::Causes), services: count(Taxonomy::Services) }
}

/// "recurred after 214 days": the gap before an incident of a cause.
pub fn recurrence_text(days: i64) -> String {
    match days {
        0 => "recurred the same day".to_string(),
        1 => "recurred after 1 day".to_string(),
        d => format!("recurred after {d} days"),
    }
}

/// Incidents of a term per year, over the years the archive spans (the same
/// years for every term, so rows compare).
#[derive(Debug, PartialEq, Eq)]
pub struct YearCounts {
    pub first_year: i16,
    pub counts: Vec<usize>,
    /// The term's incidents before `first_year`, not drawn (see
    /// [`crate::dates::DrawnYears`]).
    pub not_drawn: usize,
}

pub fn per_year(archive: &Archive, term: &TermIndex, drawn: &DrawnYears) -> YearCounts {
    // Incidents with no date are left out (the chart's text says how many).
    let dated = |i: &&crate::model::Incident| i.has_date();
    let (Some(newest), Some(oldest)) =
        (archive.incidents.iter().find(dated), archive.incidents.iter().rev().find(dated))
    else {
        return YearCounts { first_year: 0, counts: Vec::new(), not_drawn: 0 };
    };
    let first_year = drawn.from.unwrap_or(oldest.date.year()).min(newest.date.year());
    let mut counts = vec![0; (newest.date.year() - first_year) as usize + 1];
    let mut not_drawn = 0;
    for &n in term.incidents.iter().filter(|&&n| archive.incidents[n].has_date()) {
        match usize::try_from(archive.incidents[n].date.year() - first_year) {
            Ok(k) if k < counts.len() => counts[k] += 1,
            _ => not_drawn += 1,
        }
    }
    YearCounts { first_year, counts, not_drawn }
}

impl YearCounts {
    /// What the sparkline shows, in words (its accessible name):
    /// "3 incidents, 2019–2026: 1 in 2019, 2 in 2024".
    pub fn describe(&self) -> String {
        let total: usize = self.counts.iter().sum();
        let last = self.first_year + self.counts.len().saturating_sub(1) as i16;
        let years: Vec<String> = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(k, c)| format!("{c} in {}", self.first_year + k as i16))
            .collect();
        let before = match self.not_drawn {
            0 => String::new(),
            n => format!("; {n} before {} not drawn", self.first_year),
        };
        let list = if years.is_empty() { String::new() } else { format!(": {}", years.join(", ")) };
        format!("{total} incident{}, {}–{last}{list}{before}", if total == 1 { "" } else { "s" }, self.first_year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrence_texts() {
        assert_eq!(recurrence_text(214), "recurred after 214 days");
        assert_eq!(recurrence_text(1), "recurred after 1 day");
        assert_eq!(recurrence_text(0), "recurred the same day");
    }

    #[test]
    fn year_counts_describe_themselves() {
        let y = YearCounts { first_year: 2019, counts: vec![1, 0, 0, 0, 0, 2, 0, 0], not_drawn: 0 };
        assert_eq!(y.describe(), "3 incidents, 2019–2026: 1 in 2019, 2 in 2024");
        let y = YearCounts { first_year: 2020, counts: vec![1], not_drawn: 0 };
        assert_eq!(y.describe(), "1 incident, 2020–2020: 1 in 2020");
        let y = YearCounts { first_year: 2020, counts: vec![1], not_drawn: 1 };
        assert_eq!(y.describe(), "1 incident, 2020–2020: 1 in 2020; 1 before 2020 not drawn");
        let y = YearCounts { first_year: 2020, counts: vec![0, 0], not_drawn: 1 };
        assert_eq!(y.describe(), "0 incidents, 2020–2021; 1 before 2020 not drawn");
    }
}
