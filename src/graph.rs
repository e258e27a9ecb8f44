//! The archive's link graph as readers see it: backlinks ("Referenced by"),
//! automatic related incidents, and the recurrence of causes ("has this
//! happened before?", co-occurring causes, where a cause struck, how often
//! over the years). Also the check that flags a cause spelled once and
//! almost like another.
//!
//! Everything here works on [`Archive::incidents`], the incidents this build
//! shows, so a left-out incident never counts, links or scores: it is not
//! in the list, and its body is never rendered, so it links to nothing.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::archive::{Archive, Taxonomy, TermIndex};
use crate::diagnostics::Diagnostics;
use crate::markdown::Rendered;
use crate::model::{CauseDoc, Incident};
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
    pub drawn: crate::stats::DrawnYears,
    /// Cause slug → index into `Archive::causes`.
    cause_index: HashMap<String, usize>,
}

impl Graph {
    /// `bodies` are the rendered incident bodies, parallel to
    /// `archive.incidents`; their `links` name the incidents they link to.
    pub fn build(archive: &Archive, bodies: &[Rendered]) -> Graph {
        let ((backlinks, duplicates), found) = rayon::join(
            || (backlinks(archive, bodies), related::near_duplicates(&archive.incidents)),
            || related::compute_all(&archive.incidents, |n| archive.related(n), &archive.config.related),
        );
        let cause_index = archive.causes.iter().enumerate().map(|(k, t)| (t.slug.clone(), k)).collect();
        let drawn = crate::stats::DrawnYears::of(&archive.incidents);
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
        for id in &body.links {
            if let Some(to) = archive.index_of(id) {
                if to != from && back[to].last() != Some(&from) {
                    back[to].push(from);
                }
            }
        }
    }
    back
}

/// What the page of one cause shows beyond its incident list.
#[derive(Debug, PartialEq, Eq)]
pub struct CauseDetail {
    /// Its incidents oldest first, each with the days since the previous one.
    pub timeline: Vec<(usize, Option<i64>)>,
    /// Other causes of the same incidents: (slug, incidents), most first.
    pub co_causes: Vec<(String, usize)>,
    /// Services of its incidents: (slug, incidents), most first.
    pub services: Vec<(String, usize)>,
}

pub fn cause_detail(archive: &Archive, cause: &TermIndex) -> CauseDetail {
    let mut timeline = Vec::with_capacity(cause.incidents.len());
    let mut previous = None;
    for &n in cause.incidents.iter().rev() {
        let date = archive.incidents[n].date;
        timeline.push((n, previous.map(|p| crate::dates::days_between(p, date))));
        previous = Some(date);
    }
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
    CauseDetail { timeline, co_causes: count(Taxonomy::Causes), services: count(Taxonomy::Services) }
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
    /// [`crate::stats::DrawnYears`]).
    pub not_drawn: usize,
}

pub fn per_year(archive: &Archive, term: &TermIndex, drawn: &crate::stats::DrawnYears) -> YearCounts {
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

/// The checks of the archive stage that read every incident (`check`
/// includes drafts and internal ones): misspelt terms, near-duplicate
/// incidents, unreadable timeline rows.
pub fn check(all: &[Incident], docs: &BTreeMap<String, CauseDoc>, diags: &mut Diagnostics) {
    check_cause_spelling(all, docs, diags);
    for tax in [Taxonomy::Services, Taxonomy::Tags] {
        check_spelling(tax, all, &BTreeMap::new(), diags);
    }
    related::check_near_duplicates(all, diags);
    let timelines: Vec<Diagnostics> = all
        .par_iter()
        .map(|i| {
            let mut d = Diagnostics::new();
            crate::timeline::check(i, &mut d);
            d
        })
        .collect();
    for d in timelines {
        diags.extend(d);
    }
}

/// Edit distance up to which a term used once is taken for a misspelling:
/// one edit for short slugs, two from eight characters on.
fn max_distance(slug: &str) -> usize {
    if slug.chars().count() < 8 {
        1
    } else {
        2
    }
}

/// Warns about causes spelt almost like another: see [`check_spelling`].
pub fn check_cause_spelling(all: &[Incident], docs: &BTreeMap<String, CauseDoc>, diags: &mut Diagnostics) {
    check_spelling(Taxonomy::Causes, all, docs, diags);
}

/// The spelling of a term with case, spaces, hyphens and other punctuation
/// left out: "Travis CI", "TravisCI" and "travis-ci" are all "travisci".
fn spelling_key(slug: &str) -> String {
    slug.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// How many comparisons one term may cost at most: keeps the check linear
/// in the number of terms however they are spelt.
const SPELLING_CANDIDATES: usize = 256;

/// Warns about terms of one taxonomy that are most likely the same term
/// spelt two ways, which splits its history:
/// - slugs that differ only in spaces, hyphens or punctuation ("Travis CI"
///   and "TravisCI"): each less used spelling is flagged once, at its first
///   use;
/// - a term used by one incident only whose slug is a small edit away from
///   another term (used elsewhere, or for causes described in
///   content/causes/), digits apart ("db1", "db2" are different hosts).
///
/// Terms are grouped by their key (see [`spelling_key`]) and compared only
/// with terms of about the same length that share their first or last three
/// characters, at most [`SPELLING_CANDIDATES`] each: no loop over all pairs.
pub fn check_spelling(tax: Taxonomy, all: &[Incident], docs: &BTreeMap<String, CauseDoc>, diags: &mut Diagnostics) {
    let what = match tax {
        Taxonomy::Causes => "cause",
        Taxonomy::Services => "service",
        Taxonomy::Tags => "tag",
    };
    // slug -> (incident, term index) of each use, in file order.
    let mut uses: BTreeMap<&str, Vec<(&Incident, usize)>> = BTreeMap::new();
    for i in all {
        for (k, t) in tax.terms(i).iter().enumerate() {
            let places = uses.entry(t.slug.as_str()).or_default();
            if places.last().is_none_or(|(last, _)| !std::ptr::eq(*last, i)) {
                places.push((i, k));
            }
        }
    }
    let mut known: BTreeMap<&str, usize> = uses.iter().map(|(s, u)| (*s, u.len())).collect();
    for slug in docs.keys() {
        known.entry(slug.as_str()).or_insert(0);
    }
    let name_of = |slug: &str| -> String {
        match uses.get(slug) {
            Some(places) => {
                let (i, k) = places[0];
                tax.terms(i)[k].name.clone()
            }
            None => slug.to_string(),
        }
    };
    let used = |count: usize| match count {
        0 => "described in content/causes/".to_string(),
        1 => "used by 1 other incident".to_string(),
        c => format!("used by {c} other incidents"),
    };
    let mut flagged: std::collections::HashSet<&str> = std::collections::HashSet::new();

    // Same key, different slugs.
    let mut by_key: HashMap<String, Vec<(&str, usize)>> = HashMap::new();
    for (slug, &count) in &known {
        by_key.entry(spelling_key(slug)).or_default().push((slug, count));
    }
    let mut groups: Vec<&Vec<(&str, usize)>> = by_key.values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for group in groups {
        // The spelling to keep: the documented cause, else the most used, then by slug.
        let keep = group
            .iter()
            .min_by(|a, b| docs.contains_key(b.0).cmp(&docs.contains_key(a.0)).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
        let Some(&(keep, keep_count)) = keep else { continue };
        for &(slug, count) in group {
            if slug == keep || docs.contains_key(slug) {
                continue;
            }
            let Some(places) = uses.get(slug) else { continue };
            let (incident, k) = places[0];
            let term = &tax.terms(incident)[k];
            let here = if count == 1 {
                "is used only here".to_string()
            } else {
                format!("is used by {count} incidents, first here")
            };
            diags.warning(
                &incident.source_path,
                term.pos,
                format!(
                    "{what} {:?} {here}; did you mean {:?} ({})? They differ only in spaces, hyphens or case",
                    term.name,
                    name_of(keep),
                    used(keep_count)
                ),
            );
            flagged.insert(slug);
        }
    }

    // A letter or two apart, for terms used once.
    let affix = |s: &str, front: bool| -> String {
        let chars: Vec<char> = s.chars().collect();
        let n = chars.len().min(3);
        if front {
            chars[..n].iter().collect()
        } else {
            chars[chars.len() - n..].iter().collect()
        }
    };
    let mut buckets: HashMap<(bool, String), Vec<&str>> = HashMap::new();
    for slug in known.keys() {
        for front in [true, false] {
            buckets.entry((front, affix(slug, front))).or_default().push(slug);
        }
    }
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    for (slug, places) in &uses {
        if places.len() != 1 || docs.contains_key(*slug) || flagged.contains(slug) {
            continue;
        }
        let limit = max_distance(slug);
        let len = slug.chars().count();
        let candidates = [true, false]
            .into_iter()
            .filter_map(|front| buckets.get(&(front, affix(slug, front))))
            .flat_map(|b| b.iter().take(SPELLING_CANDIDATES));
        // The closest other term; on a tie the more used one, then by name.
        let best = candidates
            .filter(|other| {
                **other != *slug && other.chars().count().abs_diff(len) <= limit && digits(other) == digits(slug)
            })
            .filter(|other| spelling_key(other) != spelling_key(slug))
            .map(|other| (strsim::levenshtein(slug, other), *other, known[other]))
            .filter(|&(d, _, _)| d <= limit)
            .min_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
        if let Some((_, other, count)) = best {
            let (incident, k) = places[0];
            let term = &tax.terms(incident)[k];
            diags.warning(
                &incident.source_path,
                term.pos,
                format!(
                    "{what} {:?} is used only here; did you mean {:?} ({})?",
                    term.name,
                    name_of(other),
                    used(count)
                ),
            );
        }
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

    #[test]
    fn distance_limit_grows_with_length() {
        assert_eq!(max_distance("dns"), 1);
        assert_eq!(max_distance("no-monitoring"), 2);
    }

    fn warnings(all: &[Incident], docs: &[&str]) -> Vec<String> {
        let docs: BTreeMap<String, CauseDoc> = docs
            .iter()
            .map(|slug| {
                let doc = CauseDoc {
                    slug: slug.to_string(),
                    source_path: format!("content/causes/{slug}.md"),
                    title: slug.to_string(),
                    aliases: Vec::new(),
                    history: Default::default(),
                    body: String::new(),
                    body_line: 1,
                };
                (slug.to_string(), doc)
            })
            .collect();
        let mut d = Diagnostics::new();
        check_cause_spelling(all, &docs, &mut d);
        d.sorted().iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn a_cause_spelt_once_and_close_to_another_is_flagged() {
        use crate::related::tests::incident;
        let all = vec![
            incident("a", &["no-monitoring"], &[], &[]),
            incident("b", &["no-monitoring"], &[], &[]),
            incident("c", &["no-monitorin"], &[], &[]),
            incident("d", &["dns"], &[], &[]),
            incident("e", &["cdn"], &[], &[]),
            incident("f", &["manual-step-skiped"], &[], &[]),
        ];
        let w = warnings(&all, &["manual-step-skipped"]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("content/incidents/c.md:1:1: warning: cause \"no-monitorin\" is used only here; did you mean \"no-monitoring\" (used by 2 other incidents)?"), "{}", w[0]);
        assert!(w[1].contains("did you mean \"manual-step-skipped\" (described in content/causes/)?"), "{}", w[1]);
        // "dns" and "cdn" are two edits apart: too far for three letters.
        assert!(!w.iter().any(|w| w.contains("dns") || w.contains("cdn")));
        // A cause used twice is not a typo, even when close to another.
        let all = vec![
            incident("a", &["no-monitoring"], &[], &[]),
            incident("b", &["no-monitorin"], &[], &[]),
            incident("c", &["no-monitorin"], &[], &[]),
        ];
        assert_eq!(warnings(&all, &[]), vec!["content/incidents/a.md:1:1: warning: cause \"no-monitoring\" is used only here; did you mean \"no-monitorin\" (used by 2 other incidents)?".to_string()]);
    }
}
