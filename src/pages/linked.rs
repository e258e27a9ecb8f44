//! The incident page's one list of connected incidents: every incident the
//! page would link for any reason (listed as related, links here, shares a
//! cause in "has this happened before?", scored as similar, reads alike),
//! linked once with all its reasons, strongest first.
//!
//! The per-cause answer to "has this happened before?" stays, as counts per
//! cause with a link to the cause page; the incidents themselves are in the
//! one list.

use std::collections::BTreeSet;

use super::*;

/// Slugs borrowed from the archive and the graph: the page is made for
/// every incident, and each reason would else be copied.
#[derive(Default)]
struct Why<'r> {
    related: bool,
    links_here: bool,
    causes: BTreeSet<&'r str>,
    services: BTreeSet<&'r str>,
    tags: BTreeSet<&'r str>,
    /// "Similar title and summary" (scored), or alike in text with no shared cause.
    alike: Option<&'static str>,
}

impl Why<'_> {
    /// Explicit links count most, then shared causes, then the rest.
    fn rank(&self) -> usize {
        8 * self.related as usize
            + 6 * self.links_here as usize
            + 3 * self.causes.len()
            + 2 * self.services.len()
            + self.tags.len()
            + 2 * self.alike.is_some() as usize
    }
}

#[derive(Serialize)]
pub(super) struct LinkedView {
    incident: Value,
    /// `["Listed as related", "Same cause: Missing monitoring"]`.
    reasons: Vec<String>,
}

/// One cause of the incident and how often it happened before and since.
#[derive(Serialize)]
pub(super) struct RecurrenceView {
    term: TermView,
    earlier: usize,
    later: usize,
}

pub(super) fn recurrence(r: &Renderer, n: usize) -> Vec<RecurrenceView> {
    r.xlinks
        .graph
        .cause_history(r.archive, n)
        .into_iter()
        .map(|h| RecurrenceView {
            term: r.term_view(Taxonomy::Causes, h.term),
            earlier: h.earlier.len(),
            later: h.later.len(),
        })
        .collect()
}

/// At most this many connected incidents, the strongest; the cause pages list the rest.
const LINKED_MAX: usize = 10;

/// The connected incidents, strongest first (at most [`LINKED_MAX`]), and
/// how many more there are.
pub(super) fn linked<'r>(r: &'r Renderer, n: usize) -> (Vec<LinkedView>, usize) {
    let g = &r.xlinks.graph;
    let mut why: BTreeMap<usize, Why<'r>> = BTreeMap::new();
    for &m in r.archive.related(n) {
        why.entry(m).or_default().related = true;
    }
    for &m in &g.backlinks[n] {
        why.entry(m).or_default().links_here = true;
    }
    for h in g.cause_history(r.archive, n) {
        let earlier = &h.earlier[..h.earlier.len().min(xlinks::HISTORY_LIMIT)];
        let later = &h.later[h.later.len().saturating_sub(xlinks::HISTORY_LIMIT)..];
        for &m in earlier.iter().chain(later) {
            why.entry(m).or_default().causes.insert(h.term.slug.as_str());
        }
    }
    for s in &g.related[n] {
        let w = why.entry(s.incident).or_default();
        for (tax, slugs) in &s.shared {
            let set = match tax {
                Taxonomy::Causes => &mut w.causes,
                Taxonomy::Services => &mut w.services,
                Taxonomy::Tags => &mut w.tags,
            };
            set.extend(slugs.iter().map(String::as_str));
        }
        if let Some(sim) = s.similar {
            w.alike = Some(sim.words());
        }
    }
    for &m in xlinks::earlier_by_text(r, n) {
        why.entry(m).or_default().alike.get_or_insert("reads alike");
    }
    why.remove(&n);
    let mut rows: Vec<(usize, Why)> = why.into_iter().collect();
    let incidents = &r.archive.incidents;
    rows.sort_by(|(a, wa), (b, wb)| {
        wb.rank().cmp(&wa.rank()).then_with(|| incidents[*b].date.cmp(&incidents[*a].date))
    });
    let more = rows.len().saturating_sub(LINKED_MAX);
    let shown = rows
        .into_iter()
        .take(LINKED_MAX)
        .map(|(m, w)| LinkedView { incident: r.xlinks.mini(m), reasons: reasons(r, &w) })
        .collect();
    (shown, more)
}

fn reasons(r: &Renderer, w: &Why) -> Vec<String> {
    let mut out = Vec::new();
    if w.related {
        out.push("Listed as related".to_string());
    }
    if w.links_here {
        out.push("Links to this one".to_string());
    }
    let named = |tax: Taxonomy, set: &BTreeSet<&str>, one: &str, many: &str| -> Option<String> {
        if set.is_empty() {
            return None;
        }
        let names: Vec<&str> = set.iter().map(|&s| r.archive.term_name(tax, s).unwrap_or(s)).collect();
        Some(format!("{}: {}", if names.len() == 1 { one } else { many }, names.join(", ")))
    };
    out.extend(named(Taxonomy::Causes, &w.causes, "Same cause", "Same causes"));
    out.extend(named(Taxonomy::Services, &w.services, "Same service", "Same services"));
    out.extend(named(Taxonomy::Tags, &w.tags, "Same tag", "Same tags"));
    if let Some(words) = w.alike {
        let mut words = words.to_string();
        if let Some(first) = words.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        out.push(words);
    }
    out
}

/// How the incident page lays out its body (see [`crate::facts::body_parts`]).
pub(super) struct PagePlan<'a> {
    pub(super) parts: Vec<crate::facts::BodyPart<'a>>,
    /// The body's headings, then the page's own sections after the body.
    pub(super) toc: Vec<TocEntry>,
    pub(super) actions_anchor: String,
    pub(super) actions_in_body: bool,
}

/// Anchors of the page's own sections (incident.html uses the same).
pub(super) const ACTIONS_ID: &str = "actions-title";
pub(super) const LINKED_ID: &str = "linked-title";

pub(super) fn page_plan<'a>(
    html: &'a str,
    toc: &[TocEntry],
    timeline: &crate::timeline::Timeline,
    has_actions: bool,
    has_linked: bool,
) -> PagePlan<'a> {
    let drawn = if timeline.events.is_empty() { None } else { timeline.anchor.as_deref() };
    let body_actions = if has_actions { crate::facts::actions_heading(toc) } else { None };
    let parts = crate::facts::body_parts(html, drawn, body_actions.map(|h| h.id.as_str()));
    let actions_in_body = parts.iter().any(|p| p.then == Some(crate::facts::Insert::Actions));
    let mut toc = toc.to_vec();
    let mut own = |id: &str, title: &str| toc.push(TocEntry { level: 2, id: id.to_string(), title: title.to_string() });
    if has_actions && !actions_in_body {
        own(ACTIONS_ID, "Action items");
    }
    if has_linked {
        own(LINKED_ID, "Connected incidents");
    }
    let actions_anchor = match body_actions {
        Some(h) if actions_in_body => h.id.clone(),
        _ => ACTIONS_ID.to_string(),
    };
    PagePlan { parts, toc, actions_anchor, actions_in_body }
}
