//! The action-item board: every action item of the incidents this build
//! shows, open first, overdue ones flagged with how long, grouped by owner
//! and by status.
//!
//! Filters are plain pages (`/action-items/owner/<slug>/`,
//! `/action-items/status/<status>/`), so they work without JavaScript.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::archive::Archive;
use crate::dates;
use crate::model::{ActionItem, ActionStatus, ActionType};
use crate::sections::{self, Block};
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
        let mut items: Vec<BoardItem> = Vec::new();
        for i in &a.incidents {
            for it in &i.action_items {
                let overdue_days = it.days_overdue(today);
                let overdue = overdue_days > 0;
                let pending = it.status.is_pending();
                let owner_slug = owner_slug(it.owner.as_deref());
                items.push(BoardItem {
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
                    incident: IncidentRef {
                        id: i.id.clone(),
                        title: i.title.clone(),
                        url: format!("{base}{}", i.url_path()),
                        date: i.date_shown(),
                        severity: i.severity.as_ref().map(|(s, _)| s.clone()),
                        severity_rank: i.severity.as_ref().map(|(_, r)| *r),
                    },
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
                });
            }
        }
        items.sort_by_key(|x| x.order);

        let mut owners: BTreeMap<String, Group> = BTreeMap::new();
        let mut statuses: Vec<Group> = ActionStatus::BOARD
            .iter()
            .map(|(slug, s)| group(s.label(), slug, format!("{base}/action-items/status/{slug}/")))
            .collect();
        let mut overdue_group = group("Overdue", OVERDUE, format!("{base}/action-items/status/{OVERDUE}/"));
        for it in &items {
            let name = it.owner.clone().unwrap_or_else(|| UNASSIGNED.to_string());
            let g = owners.entry(it.owner_slug.clone()).or_insert_with(|| {
                group(&name, &it.owner_slug, format!("{base}/action-items/owner/{}/", it.owner_slug))
            });
            count(g, it);
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

    /// Indexes into `items` of one filter page's items, in board order.
    pub fn filtered<'b>(&'b self, filter: &'b Filter) -> impl Iterator<Item = usize> + 'b {
        self.items.iter().enumerate().filter(move |(_, it)| filter.keeps(it)).map(|(n, _)| n)
    }
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

/// The incident's action items: those of the front matter, else the
/// bullets or table rows of the body's `## Action items` section (SPEC §1,
/// "Adopting an existing archive").
pub fn or_from_body(front_matter: Vec<ActionItem>, body: &str) -> Vec<ActionItem> {
    if front_matter.is_empty() {
        from_body(body)
    } else {
        front_matter
    }
}

/// A heading that names the action items: "Action items", "Follow-ups",
/// "Remediation", "Corrective actions", in any case.
fn is_actions_heading(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let joined = words.join(" ");
    [
        "action items",
        "action item",
        "actions",
        "follow ups",
        "followups",
        "follow up items",
        "follow up actions",
        "follow up",
        "remediation",
        "remediations",
        "remediation items",
        "remediation steps",
        "remediation actions",
        "corrective actions",
        "corrective and preventive actions",
        "action items and follow ups",
    ]
    .iter()
    .any(|h| joined == *h)
}

/// The action items written in the body's `## Action items` section:
/// - a bullet is an item; `- [x]` is done, `- [ ]` open, a plain one
///   untracked;
/// - a table row is an item, its title from a column headed Action, Item,
///   Title, Task or Description (else the first column that names nothing
///   else), its owner, status and due date from columns headed
///   Owner/Assignee/Who, Status/State and Due/Deadline/ETA. A status that
///   is not one of ours ("blocked") leaves the item untracked.
pub fn from_body(body: &str) -> Vec<ActionItem> {
    let Some(s) = sections::find(body, is_actions_heading) else { return Vec::new() };
    let mut items = Vec::new();
    for block in &s.blocks {
        match block {
            Block::Item(it) => {
                if it.text.is_empty() {
                    continue;
                }
                let status = match it.task {
                    Some(true) => ActionStatus::Done,
                    Some(false) => ActionStatus::Open,
                    None => ActionStatus::Untracked,
                };
                items.push(ActionItem {
                    title: it.text.clone(),
                    owner: None,
                    status,
                    kind: None,
                    due: None,
                    link: None,
                });
            }
            Block::Table(t) => {
                let head: Vec<String> = t.header.iter().map(|h| h.to_lowercase()).collect();
                let find = |names: &[&str]| {
                    head.iter().position(|h| {
                        names
                            .iter()
                            .any(|n| h == n || h.starts_with(&format!("{n} ")) || h.starts_with(&format!("{n}(")))
                    })
                };
                let owner =
                    find(&["owner", "owners", "assignee", "assignees", "assigned to", "who", "responsible", "team"]);
                let status = find(&["status", "state", "done"]);
                let due = find(&["due", "due date", "deadline", "eta", "target date", "by when"]);
                let named = [owner, status, due];
                let title = find(&[
                    "action",
                    "action item",
                    "item",
                    "title",
                    "task",
                    "description",
                    "what",
                    "follow-up",
                    "remediation",
                    "summary",
                ])
                .or_else(|| (0..head.len()).find(|k| !named.contains(&Some(*k))));
                let Some(title) = title else { continue };
                for (_, cells) in &t.rows {
                    let cell = |k: Option<usize>| {
                        k.and_then(|k| cells.get(k))
                            .map(|c| c.trim())
                            .filter(|c| !c.is_empty() && !matches!(*c, "-" | "—" | "n/a" | "N/A" | "?"))
                    };
                    let Some(text) = cell(Some(title)) else { continue };
                    items.push(ActionItem {
                        title: text.to_string(),
                        owner: cell(owner).map(str::to_string),
                        status: cell(status).map_or(ActionStatus::Untracked, written_status),
                        kind: None,
                        due: cell(due).and_then(dates::parse_date),
                        link: None,
                    });
                }
            }
        }
    }
    items
}

/// A status as people write it in a table cell.
fn written_status(cell: &str) -> ActionStatus {
    let s: String = cell
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match s.as_str() {
        "open" | "todo" | "to do" | "not started" | "planned" | "new" | "pending" | "backlog" => ActionStatus::Open,
        "in progress" | "inprogress" | "doing" | "started" | "wip" | "ongoing" | "in review" => {
            ActionStatus::InProgress
        }
        "done" | "complete" | "completed" | "closed" | "fixed" | "resolved" | "finished" | "shipped" | "yes" => {
            ActionStatus::Done
        }
        "wont do" | "wontdo" | "won t do" | "wont fix" | "wontfix" | "won t fix" | "cancelled" | "canceled"
        | "declined" | "rejected" | "dropped" => ActionStatus::WontDo,
        _ if cell.contains('✅') || cell.contains('✔') => ActionStatus::Done,
        _ => ActionStatus::Untracked,
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

    #[test]
    fn action_items_from_a_table_with_owner_status_and_due() {
        let body = "## Impact\n\n- not an action\n\n## Action Items\n\n| Action | Owner | Status | Due |\n|---|---|---|---|\n\
            | Add a **readiness** probe | @alice | Done | 2021-07-01 |\n| Pin the CNI version | SRE team | in progress | |\n| Write a runbook | | | |\n| Audit | bob | blocked | soon |\n";
        let items = from_body(body);
        let got: Vec<(&str, Option<&str>, ActionStatus, Option<String>)> = items
            .iter()
            .map(|i| (i.title.as_str(), i.owner.as_deref(), i.status, i.due.map(dates::iso_date)))
            .collect();
        assert_eq!(
            got,
            [
                ("Add a readiness probe", Some("@alice"), ActionStatus::Done, Some("2021-07-01".into())),
                ("Pin the CNI version", Some("SRE team"), ActionStatus::InProgress, None),
                ("Write a runbook", None, ActionStatus::Untracked, None),
                ("Audit", Some("bob"), ActionStatus::Untracked, None),
            ]
        );
    }

    #[test]
    fn action_items_from_bullets_and_task_lists() {
        let body = "### Follow-ups\n\n- [x] Rotate the key\n- [ ] Alert on expiry\n- Review the process\n  - sub-point\n\n## Appendix\n\n- not one\n";
        let items = from_body(body);
        let got: Vec<(&str, ActionStatus)> = items.iter().map(|i| (i.title.as_str(), i.status)).collect();
        assert_eq!(
            got,
            [
                ("Rotate the key", ActionStatus::Done),
                ("Alert on expiry", ActionStatus::Open),
                ("Review the process", ActionStatus::Untracked)
            ]
        );
        assert!(from_body("## Summary\n\n- x\n").is_empty());
        assert!(
            is_actions_heading("remediation")
                && is_actions_heading("action items")
                && !is_actions_heading("actions we did not take lightly")
        );
        let front = vec![ActionItem {
            title: "t".into(),
            owner: None,
            status: ActionStatus::Open,
            kind: None,
            due: None,
            link: None,
        }];
        assert_eq!(or_from_body(front.clone(), body), front, "front matter wins");
    }
}
