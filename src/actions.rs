//! The action-item board: every action item of the incidents this build
//! shows, open first, overdue ones flagged with how long, grouped by owner
//! and by status.
//!
//! Filters are plain pages (`/action-items/owner/<slug>/`,
//! `/action-items/status/<status>/`), so they work without JavaScript.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use crate::archive::Archive;
use crate::dates;
use crate::model::{ActionStatus, ActionType};
use crate::slugs::slugify;

/// One action item with the incident it came from.
#[derive(Debug, Clone, Serialize)]
pub struct BoardItem {
    pub title: String,
    pub owner: Option<String>,
    pub owner_slug: String,
    /// The owner's board page (also for unassigned items).
    pub owner_url: String,
    pub status: &'static str,
    pub status_label: &'static str,
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    pub due: Option<String>,
    pub overdue: bool,
    pub overdue_days: i64,
    /// "3 days", "4 months", "2 years 1 month".
    pub overdue_by: Option<String>,
    pub link: Option<String>,
    pub incident: IncidentRef,
    /// The table row, rendered once by the theme's `action_row` component.
    pub row_html: String,
    #[serde(skip)]
    pub pending: bool,
    #[serde(skip)]
    order: (u8, i64, Option<Date>, std::cmp::Reverse<Date>),
    /// Its incident (archive order) and its place among that incident's items.
    #[serde(skip)]
    pub source: (usize, usize),
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentRef {
    pub id: String,
    pub title: String,
    pub url: String,
    pub date: String,
    pub severity: Option<String>,
    pub severity_rank: Option<usize>,
}

/// A filter of the board (one owner or one status) with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub total: usize,
    pub pending: usize,
    pub overdue: usize,
    pub done: usize,
}

/// The whole board.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Board {
    /// Open and in progress first (most overdue first, then by due date),
    /// then untracked, then done and won't do (newest incident first).
    pub items: Vec<BoardItem>,
    pub owners: Vec<Group>,
    pub statuses: Vec<Group>,
    pub total: usize,
    pub pending: usize,
    pub overdue: usize,
    pub done: usize,
    /// Items read from the body with no status.
    pub untracked: usize,
}

/// The pseudo-status of the overdue filter page.
pub const OVERDUE: &str = "overdue";
pub const UNASSIGNED: &str = "Unassigned";

impl Board {
    pub fn build(a: &Archive, today: Date, base: &str) -> Board {
        Board::build_reusing(a, today, base, Vec::new())
    }

    /// [`Board::build`], taking incident `n`'s items from `kept[n]` when it
    /// holds them (serve: the last board's, made from the same incident,
    /// day and base path, in their order); the others are made.
    pub fn build_reusing(a: &Archive, today: Date, base: &str, mut kept: Vec<Option<Vec<BoardItem>>>) -> Board {
        kept.resize_with(a.incidents.len(), || None);
        // Per incident, in parallel; in archive order, then by `order`.
        let mut items: Vec<BoardItem> = a
            .incidents
            .par_iter()
            .zip(kept)
            .enumerate()
            .filter(|(_, (i, _))| !i.action_items.is_empty())
            .flat_map_iter(|(n, (i, kept))| match kept {
                Some(items) => items
                    .into_iter()
                    .map(|mut it| {
                        it.source.0 = n;
                        it
                    })
                    .collect::<Vec<_>>(),
                None => items_of(today, base, n, i),
            })
            .collect();
        // Stable (items of one order stay in archive order), and by key:
        // moving the items themselves at every step of a sort costs more
        // than making them.
        crate::sort::sort_by_moving_once(&mut items, |a, b| a.order.cmp(&b.order));

        let mut owners: BTreeMap<String, Group> = BTreeMap::new();
        let mut statuses: Vec<Group> = ActionStatus::BOARD
            .iter()
            .map(|(slug, s)| group(s.label(), slug, format!("{base}/action-items/status/{slug}/")))
            .collect();
        let mut overdue_group = group("Overdue", OVERDUE, format!("{base}/action-items/status/{OVERDUE}/"));
        for it in &items {
            if !owners.contains_key(&it.owner_slug) {
                let name = it.owner.as_deref().unwrap_or(UNASSIGNED);
                let url = format!("{base}/action-items/owner/{}/", it.owner_slug);
                owners.insert(it.owner_slug.clone(), group(name, &it.owner_slug, url));
            }
            if let Some(g) = owners.get_mut(&it.owner_slug) {
                count(g, it);
            }
            if let Some(g) = statuses.iter_mut().find(|g| g.slug == it.status) {
                count(g, it);
            }
            if it.overdue {
                count(&mut overdue_group, it);
            }
        }
        statuses.insert(0, overdue_group);
        let mut owners: Vec<Group> = owners.into_values().collect();
        // Most to do first, then most overdue, then by name.
        owners.sort_by(|x, y| (y.pending, y.overdue, &x.name).cmp(&(x.pending, x.overdue, &y.name)));
        Board {
            total: items.len(),
            pending: items.iter().filter(|i| i.pending).count(),
            overdue: items.iter().filter(|i| i.overdue).count(),
            done: items.iter().filter(|i| i.status == "done").count(),
            untracked: items.iter().filter(|i| i.status == "untracked").count(),
            items,
            owners,
            statuses,
        }
    }
}

/// The board items of incident `n` (`i`), in their order.
fn items_of(today: Date, base: &str, n: usize, i: &crate::model::Incident) -> Vec<BoardItem> {
    let incident = IncidentRef {
        id: i.id.clone(),
        title: i.title.clone(),
        url: format!("{base}{}", i.url_path()),
        date: i.date_shown(),
        severity: i.severity.as_ref().map(|(s, _)| s.clone()),
        severity_rank: i.severity.as_ref().map(|(_, r)| *r),
    };
    i.action_items
        .iter()
        .enumerate()
        .map(|(k, it)| {
            let overdue_days = it.days_overdue(today);
            let overdue = it.is_overdue(today);
            let pending = it.status.is_pending();
            let owner_slug = owner_slug(it.owner.as_deref());
            BoardItem {
                title: it.title.clone(),
                owner: it.owner.clone(),
                owner_url: format!("{base}/action-items/owner/{owner_slug}/"),
                owner_slug,
                status: it.status.as_str(),
                status_label: it.status.label(),
                kind: it.kind.map(ActionType::as_str),
                due: it.due.map(dates::iso_date),
                overdue,
                overdue_days,
                overdue_by: overdue.then(|| overdue_words(overdue_days)),
                link: it.link.clone(),
                incident: incident.clone(),
                row_html: String::new(),
                pending,
                // To do first, then untracked, then done and won't do.
                order: (
                    if pending {
                        0
                    } else if it.status == ActionStatus::Untracked {
                        1
                    } else {
                        2
                    },
                    -overdue_days,
                    if pending { it.due.or(Some(Date::MAX)) } else { None },
                    std::cmp::Reverse(i.date),
                ),
                source: (n, k),
            }
        })
        .collect()
}

/// Which items a board page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All,
    Owner(String),
    Status(String),
}

impl Filter {
    pub fn keeps(&self, it: &BoardItem) -> bool {
        match self {
            Filter::All => true,
            Filter::Owner(slug) => it.owner_slug == *slug,
            Filter::Status(s) if s == OVERDUE => it.overdue,
            Filter::Status(s) => it.status == s,
        }
    }
}

fn group(name: &str, slug: &str, url: String) -> Group {
    Group { name: name.to_string(), slug: slug.to_string(), url, total: 0, pending: 0, overdue: 0, done: 0 }
}

fn count(g: &mut Group, it: &BoardItem) {
    g.total += 1;
    g.pending += usize::from(it.pending);
    g.overdue += usize::from(it.overdue);
    g.done += usize::from(it.status == "done");
}

fn owner_slug(owner: Option<&str>) -> String {
    match owner.map(slugify) {
        Some(s) if !s.is_empty() => s,
        _ => slugify(UNASSIGNED),
    }
}

/// How long overdue, in the largest unit that reads naturally.
pub fn overdue_words(days: i64) -> String {
    fn unit(n: i64, one: &str) -> String {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    }
    if days < 60 {
        unit(days, "day")
    } else if days < 730 {
        unit(days / 30, "month")
    } else {
        let (years, months) = (days / 365, (days % 365) / 30);
        if months == 0 {
            unit(years, "year")
        } else {
            format!("{} {}", unit(years, "year"), unit(months, "month"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_in_words() {
        assert_eq!(overdue_words(1), "1 day");
        assert_eq!(overdue_words(45), "45 days");
        assert_eq!(overdue_words(61), "2 months");
        assert_eq!(overdue_words(400), "13 months");
        assert_eq!(overdue_words(730), "2 years");
        assert_eq!(overdue_words(365 * 4 + 40), "4 years 1 month");
    }
}
