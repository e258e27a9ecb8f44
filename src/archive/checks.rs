//! The cross-file checks of the archive stage that read every incident
//! (drafts and internal ones too): a cause, service or tag spelt once and
//! almost like another, near-duplicate incidents, unreadable timeline rows.
//! Warnings only: none of them stops a build.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::diagnostics::Diagnostics;
use crate::model::{CauseDoc, Incident, Taxonomy};
use crate::related;

/// The checks of the archive stage that read every incident (`check`
/// includes drafts and internal ones): misspelt terms, near-duplicate
/// incidents, unreadable timeline rows.
pub fn check(all: &[Incident], docs: &BTreeMap<String, CauseDoc>, diags: &mut Diagnostics) {
    check_with(all, docs, diags, &body_warnings, None)
}

/// What the front-matter checks of the last build found, with a digest of
/// everything each read (serve keeps it): an edit that changes none of
/// that — a body, a title beside a summary, a severity — finds the same.
#[derive(Default)]
pub struct Memo {
    spelling: Option<(u64, Diagnostics)>,
    /// Near-duplicate incidents, by index into the checked incidents (the
    /// warnings name titles, so they are written again each time).
    duplicates: Option<(u64, Vec<Vec<usize>>)>,
}

/// [`check`], with each incident's [`body_warnings`] from `body_warnings`,
/// and the front-matter checks taken from `memo` when what they read is
/// what it holds.
pub fn check_with(
    all: &[Incident],
    docs: &BTreeMap<String, CauseDoc>,
    diags: &mut Diagnostics,
    body_warnings: &(dyn Fn(&Incident) -> Diagnostics + Sync),
    memo: Option<&mut Memo>,
) {
    let mut none = Memo::default();
    let memo = memo.unwrap_or(&mut none);
    let key = spelling_input(all, docs);
    match &memo.spelling {
        Some((k, found)) if *k == key => diags.extend(found.items().iter().cloned()),
        _ => {
            let mut found = Diagnostics::new();
            check_cause_spelling(all, docs, &mut found);
            for tax in [Taxonomy::Services, Taxonomy::Tags] {
                check_spelling(tax, all, &BTreeMap::new(), &mut found);
            }
            diags.extend(found.items().iter().cloned());
            memo.spelling = Some((key, found));
        }
    }
    let pairs = related::near_duplicates_kept(all, &mut memo.duplicates);
    related::warn_near_duplicates(all, &pairs, diags);
    let timelines: Vec<Diagnostics> = all.par_iter().map(body_warnings).collect();
    for d in timelines {
        diags.extend(d);
    }
}

/// The warnings of this stage that read an incident's body rather than its
/// front matter: its unreadable timeline rows. Every other check reads
/// front matter only, so an edit that changes neither the front matter nor
/// these leaves everything this stage reports as it was (serve relies on it).
pub fn body_warnings(i: &Incident) -> Diagnostics {
    let mut d = Diagnostics::new();
    crate::timeline::check(i, &mut d);
    d
}

/// A digest of what the spelling checks read: every term as written,
/// where, and the described causes.
fn spelling_input(all: &[Incident], docs: &BTreeMap<String, CauseDoc>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::FxHasher::default();
    for slug in docs.keys() {
        slug.hash(&mut h);
    }
    for i in all {
        i.source_path.hash(&mut h);
        for tax in Taxonomy::ALL {
            tax.terms(i).len().hash(&mut h);
            for t in tax.terms(i) {
                (&t.name, &t.slug, t.pos.line, t.pos.column).hash(&mut h);
            }
        }
    }
    h.finish()
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

    /// The checks with a memo kept from one call to the next, as serve
    /// keeps it, find what they find without one, after every edit.
    #[test]
    fn a_kept_memo_finds_what_the_checks_find() {
        use crate::related::tests::incident;
        let docs = BTreeMap::new();
        let all_warnings = |all: &[Incident], memo: Option<&mut Memo>| -> Vec<String> {
            let mut d = Diagnostics::new();
            check_with(all, &docs, &mut d, &|_: &Incident| Diagnostics::new(), memo);
            d.sorted().iter().map(|d| d.to_string()).collect()
        };
        let twin = |id: &str, title: &str| Incident {
            title: title.into(),
            summary: "The checkout service returned errors for an hour after a deploy.".into(),
            ..incident(id, &["bad-deploy"], &["checkout"], &[])
        };
        let mut all =
            vec![twin("a", "Checkout errors"), twin("b", "Checkout down"), incident("c", &["bad-deplo"], &[], &[])];
        let mut memo = Memo::default();
        let edits: [fn(&mut [Incident]); 7] = [
            |_| {},
            // A title beside a summary: neither check reads it, but a warning names it.
            |all| all[1].title = "Checkout went down".into(),
            // A term's name: a warning quotes it.
            |all| all[2].causes[0].name = "Bad deplo".into(),
            |all| all[2].causes[0].slug = "bad-deploy".into(),
            |all| all[1].summary = "Something else entirely happened to billing.".into(),
            |all| all[0].date = jiff::civil::date(2024, 2, 2),
            |all| all[0].services[0].name = "Checkout".into(),
        ];
        for (k, edit) in edits.iter().enumerate() {
            edit(&mut all);
            let kept = all_warnings(&all, Some(&mut memo));
            assert_eq!(kept, all_warnings(&all, None), "after edit {k}");
            if k == 0 {
                assert_eq!(kept.len(), 2, "a pair and a misspelt cause: {kept:?}");
            }
            if k == 1 {
                assert!(kept.iter().any(|w| w.contains("Checkout went down")), "{kept:?}");
            }
        }
    }
}
